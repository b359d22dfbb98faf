// The schema, as numbered migrations (run by migrate.ts), the same numbers for SQLite and PostgreSQL: each has its SQL
// in both dialects. Each migration runs once, in its own transaction. Never edit a released migration: add the next one.
// In PostgreSQL, names compared without case (SQLite's COLLATE NOCASE) are unique indexes on lower(...), and a
// `seq` column keeps the creation order SQLite's rowid gives.
import type { DatabaseSync } from 'node:sqlite';
import type { ClientBase } from 'pg';
import type { Migration } from './migrate.ts';
import { isSealed, type SecretBox } from './secret-box.ts';

export interface StoreMigrationContext {
  box: SecretBox;
}

/** The settings key naming the secret key the store's secrets are sealed with. */
export const SECRET_KEY_ID_SETTING = 'secrets.keyId';

/** What a resource key is bound to when sealed: its account and column, so a sealed key cannot be moved to another row. */
export const keyContext = (account: string, column: 'key1' | 'key2') => `accounts/${account.toLowerCase()}/${column}`;

function sealAccountKeys(db: DatabaseSync, { box }: StoreMigrationContext): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(SECRET_KEY_ID_SETTING, box.keyId);
  const update = db.prepare('UPDATE accounts SET key1 = ?, key2 = ? WHERE name = ?');
  for (const row of db.prepare('SELECT name, key1, key2 FROM accounts').all() as Array<{ name: string; key1: string; key2: string }>) {
    const seal = (column: 'key1' | 'key2') => (isSealed(row[column]) ? row[column] : box.seal(row[column], keyContext(row.name, column)));
    update.run(seal('key1'), seal('key2'), row.name);
  }
}

async function recordKeyId(client: ClientBase, { box }: StoreMigrationContext): Promise<void> {
  // A new PostgreSQL store never held unsealed keys (they were sealed from its first row): only the key's id is recorded.
  await client.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [SECRET_KEY_ID_SETTING, box.keyId]);
}

export const MIGRATIONS: readonly Migration<StoreMigrationContext>[] = [
  {
    version: 1,
    description: 'service principals, role assignments, settings',
    sql: `
      CREATE TABLE service_principals (
        object_id    TEXT PRIMARY KEY,
        app_id       TEXT NOT NULL UNIQUE,
        tenant_id    TEXT NOT NULL,
        display_name TEXT NOT NULL,
        secret_hash  TEXT NOT NULL,
        groups_json    TEXT NOT NULL DEFAULT '[]',
        app_roles_json TEXT NOT NULL DEFAULT '[]',
        tags_json      TEXT NOT NULL DEFAULT '[]',
        created_at   TEXT NOT NULL
      ) STRICT;
      CREATE TABLE role_assignments (
        name               TEXT PRIMARY KEY,
        scope              TEXT NOT NULL,
        role_definition_id TEXT NOT NULL,
        principal_id       TEXT NOT NULL,
        principal_type     TEXT NOT NULL,
        description        TEXT,
        created_on         TEXT NOT NULL,
        created_by         TEXT
      ) STRICT;
      CREATE UNIQUE INDEX role_assignments_scope_role_principal
        ON role_assignments (scope COLLATE NOCASE, role_definition_id, principal_id);
      CREATE INDEX role_assignments_principal ON role_assignments (principal_id);
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `,
    postgres: `
      CREATE TABLE service_principals (
        object_id      text PRIMARY KEY,
        app_id         text NOT NULL UNIQUE,
        tenant_id      text NOT NULL,
        display_name   text NOT NULL,
        secret_hash    text NOT NULL,
        groups_json    text NOT NULL DEFAULT '[]',
        app_roles_json text NOT NULL DEFAULT '[]',
        tags_json      text NOT NULL DEFAULT '[]',
        created_at     text NOT NULL
      );
      CREATE TABLE role_assignments (
        name               text PRIMARY KEY,
        scope              text NOT NULL,
        role_definition_id text NOT NULL,
        principal_id       text NOT NULL,
        principal_type     text NOT NULL,
        description        text,
        created_on         text NOT NULL,
        created_by         text
      );
      CREATE UNIQUE INDEX role_assignments_scope_role_principal ON role_assignments (lower(scope), role_definition_id, principal_id);
      CREATE INDEX role_assignments_principal ON role_assignments (principal_id);
      CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
    `,
  },
  {
    version: 2,
    description: 'resource groups, accounts with their keys, deployments',
    // Names and subdomains are unique without case, as in Azure; the rest of a record is its JSON document.
    sql: `
      CREATE TABLE resource_groups (
        subscription_id TEXT NOT NULL,
        name            TEXT NOT NULL COLLATE NOCASE,
        location        TEXT NOT NULL,
        tags_json       TEXT NOT NULL DEFAULT '{}',
        created_at      TEXT NOT NULL,
        PRIMARY KEY (subscription_id, name)
      ) STRICT;
      CREATE TABLE accounts (
        name             TEXT PRIMARY KEY COLLATE NOCASE,
        subscription_id  TEXT NOT NULL,
        resource_group   TEXT NOT NULL COLLATE NOCASE,
        custom_subdomain TEXT UNIQUE COLLATE NOCASE,
        key1             TEXT NOT NULL,
        key2             TEXT NOT NULL,
        record_json      TEXT NOT NULL,
        created_at       TEXT NOT NULL
      ) STRICT;
      CREATE TABLE deployments (
        account     TEXT NOT NULL COLLATE NOCASE,
        name        TEXT NOT NULL COLLATE NOCASE,
        record_json TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (account, name)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE resource_groups (
        seq             bigserial,
        subscription_id text NOT NULL,
        name            text NOT NULL,
        location        text NOT NULL,
        tags_json       text NOT NULL DEFAULT '{}',
        created_at      text NOT NULL
      );
      CREATE UNIQUE INDEX resource_groups_name ON resource_groups (subscription_id, lower(name));
      CREATE TABLE accounts (
        seq              bigserial,
        name             text NOT NULL,
        subscription_id  text NOT NULL,
        resource_group   text NOT NULL,
        custom_subdomain text,
        key1             text NOT NULL,
        key2             text NOT NULL,
        record_json      text NOT NULL,
        created_at       text NOT NULL
      );
      CREATE UNIQUE INDEX accounts_name ON accounts (lower(name));
      CREATE UNIQUE INDEX accounts_custom_subdomain ON accounts (lower(custom_subdomain));
      CREATE TABLE deployments (
        seq         bigserial,
        account     text NOT NULL,
        name        text NOT NULL,
        record_json text NOT NULL,
        created_at  text NOT NULL
      );
      CREATE UNIQUE INDEX deployments_name ON deployments (lower(account), lower(name));
    `,
  },
  {
    version: 3,
    description: 'resource keys sealed with the secret key (AES-256-GCM)',
    run: sealAccountKeys,
    runPostgres: recordKeyId,
  },
  {
    version: 4,
    description: 'the change version every replica watches; sealed secrets (signing keys, CA, admin credentials)',
    sql: `
      CREATE TABLE changes (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL) STRICT;
      INSERT INTO changes (id, version) VALUES (1, 0);
      CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `,
    postgres: `
      CREATE TABLE changes (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
      INSERT INTO changes (id, version) VALUES (1, 0);
      CREATE TABLE secrets (name text PRIMARY KEY, value text NOT NULL);
    `,
  },
  {
    version: 5,
    description: "the development IdP's refresh tokens and authorization codes (their SHA-256 only), shared by every replica and worker",
    // Times are epoch milliseconds. issued_at orders a user's rows for the per-user cap; expires_at finds the expired.
    // A code's other fields (client, redirect URI, PKCE challenge, resource, scopes, nonce) are one JSON document.
    sql: `
      CREATE TABLE refresh_tokens (
        token_hash   TEXT PRIMARY KEY,
        object_id    TEXT NOT NULL,
        client_id    TEXT NOT NULL,
        credential   TEXT NOT NULL,
        signed_in_at INTEGER NOT NULL,
        issued_at    INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX refresh_tokens_user ON refresh_tokens (object_id, issued_at);
      CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
      CREATE TABLE authorization_codes (
        code_hash    TEXT PRIMARY KEY,
        object_id    TEXT NOT NULL,
        details_json TEXT NOT NULL,
        uses         INTEGER NOT NULL DEFAULT 0,
        issued_at    INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX authorization_codes_user ON authorization_codes (object_id, issued_at);
      CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);
    `,
    postgres: `
      CREATE TABLE refresh_tokens (
        token_hash   text PRIMARY KEY,
        object_id    text NOT NULL,
        client_id    text NOT NULL,
        credential   text NOT NULL,
        signed_in_at bigint NOT NULL,
        issued_at    bigint NOT NULL,
        expires_at   bigint NOT NULL
      );
      CREATE INDEX refresh_tokens_user ON refresh_tokens (object_id, issued_at);
      CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
      CREATE TABLE authorization_codes (
        code_hash    text PRIMARY KEY,
        object_id    text NOT NULL,
        details_json text NOT NULL,
        uses         integer NOT NULL DEFAULT 0,
        issued_at    bigint NOT NULL,
        expires_at   bigint NOT NULL
      );
      CREATE INDEX authorization_codes_user ON authorization_codes (object_id, issued_at);
      CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
