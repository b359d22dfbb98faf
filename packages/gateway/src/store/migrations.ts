// The schema, as numbered migrations (run by migrate.ts). The database's `user_version` is the last one applied; each
// migration runs once, in its own transaction. Never edit a released migration: add the next one.
import type { DatabaseSync } from 'node:sqlite';
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
  },
  {
    version: 3,
    description: 'resource keys sealed with the secret key (AES-256-GCM)',
    run: sealAccountKeys,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
