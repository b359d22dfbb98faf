// The store's tables on PostgreSQL: the same statements as the SQLite ones (sqlite.ts, sqlite-control.ts) in
// PostgreSQL's words ($n parameters, lower(...) where SQLite says COLLATE NOCASE, `seq` for rowid order). Run on a
// transaction's client (writes) or on the pool (reads).
import type { ClientBase, Pool } from 'pg';
import { keyContext } from './migrations.ts';
import { assignmentOf, principalOf, resourceGroupOf, secretContext } from './rows.ts';
import type { SecretBox } from './secret-box.ts';
import { type AccountRecord, type DeploymentRecord, StoreConflict, type StoreTables } from './types.ts';

type Row = Record<string, unknown>;

/** SQLSTATE 23505: a unique index refused the row. */
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export function postgresTables(db: Pool | ClientBase, box: SecretBox): StoreTables {
  const rows = async (sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows;
  const count = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rowCount ?? 0;
  const unique = async (work: Promise<unknown>, message: string) => {
    try {
      await work;
    } catch (err) {
      if (isUniqueViolation(err)) throw new StoreConflict(message);
      throw err;
    }
  };
  const openSecret = (name: string, row: Row | undefined) => (row === undefined ? undefined : box.open(String(row['value']), secretContext(name)));

  return {
    servicePrincipals: {
      list: async () => (await rows('SELECT * FROM service_principals ORDER BY created_at, object_id')).map(principalOf),
      insert: (r) =>
        unique(
          db.query(
            'INSERT INTO service_principals (object_id, app_id, tenant_id, display_name, secret_hash, groups_json, app_roles_json, tags_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
            [r.objectId, r.appId, r.tenantId, r.displayName, r.secretHash, JSON.stringify(r.groups), JSON.stringify(r.appRoles), JSON.stringify(r.tags), r.createdAt],
          ),
          `A service principal with object ID ${r.objectId} or client ID ${r.appId} exists already.`,
        ),
      delete: async (objectId) => (await count('DELETE FROM service_principals WHERE object_id = $1', [objectId])) > 0,
      setSecretHash: async (objectId, secretHash) => {
        await db.query('UPDATE service_principals SET secret_hash = $1 WHERE object_id = $2', [secretHash, objectId]);
      },
    },
    roleAssignments: {
      list: async () => (await rows('SELECT * FROM role_assignments ORDER BY created_on, name')).map(assignmentOf),
      insert: (r) =>
        unique(
          db.query(
            'INSERT INTO role_assignments (name, scope, role_definition_id, principal_id, principal_type, description, created_on, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [r.name, r.scope, r.roleDefinitionId, r.principalId, r.principalType, r.description, r.createdOn, r.createdBy],
          ),
          'The role assignment already exists.',
        ),
      delete: async (name) => (await count('DELETE FROM role_assignments WHERE name = $1', [name])) > 0,
    },
    resourceGroups: {
      list: async () => (await rows('SELECT * FROM resource_groups ORDER BY seq')).map(resourceGroupOf),
      put: async (r) => {
        // xmax = 0 only on a row this statement inserted: true when the group was created.
        const [row] = await rows(
          'INSERT INTO resource_groups (subscription_id, name, location, tags_json, created_at) VALUES ($1, $2, $3, $4, $5) ' +
            'ON CONFLICT (subscription_id, lower(name)) DO UPDATE SET location = excluded.location, tags_json = excluded.tags_json RETURNING (xmax = 0) AS created',
          [r.subscriptionId, r.name, r.location, JSON.stringify(r.tags), r.createdAt],
        );
        return row?.['created'] === true;
      },
    },
    accounts: {
      list: async () =>
        (await rows('SELECT name, record_json, key1, key2 FROM accounts ORDER BY seq')).map((row) => {
          const name = String(row['name']);
          return {
            ...(JSON.parse(String(row['record_json'])) as Omit<AccountRecord, 'keys'>),
            name,
            keys: { key1: box.open(String(row['key1']), keyContext(name, 'key1')), key2: box.open(String(row['key2']), keyContext(name, 'key2')) },
          };
        }),
      put: async (r) => {
        const { keys, ...rest } = r;
        let changed = 0;
        await unique(
          (async () => {
            changed = await count(
              'INSERT INTO accounts (name, subscription_id, resource_group, custom_subdomain, key1, key2, record_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ' +
                'ON CONFLICT (lower(name)) DO UPDATE SET custom_subdomain = excluded.custom_subdomain, key1 = excluded.key1, key2 = excluded.key2, record_json = excluded.record_json ' +
                'WHERE accounts.subscription_id = excluded.subscription_id AND lower(accounts.resource_group) = lower(excluded.resource_group)',
              [r.name, r.subscriptionId, r.resourceGroup, r.customSubDomainName, box.seal(keys.key1, keyContext(r.name, 'key1')), box.seal(keys.key2, keyContext(r.name, 'key2')), JSON.stringify(rest), r.createdAt],
            );
          })(),
          `The custom subdomain '${r.customSubDomainName}' is used by another account.`,
        );
        if (changed === 0) throw new StoreConflict(`An account named '${r.name}' exists in another subscription or resource group.`);
      },
      delete: async (name) => {
        await db.query('DELETE FROM deployments WHERE lower(account) = lower($1)', [name]);
        return (await count('DELETE FROM accounts WHERE lower(name) = lower($1)', [name])) > 0;
      },
    },
    deployments: {
      list: async () =>
        (await rows('SELECT account, name, record_json FROM deployments ORDER BY seq')).map((row) => ({
          ...(JSON.parse(String(row['record_json'])) as DeploymentRecord),
          account: String(row['account']),
          name: String(row['name']),
        })),
      put: async (r) => {
        if ((await rows('SELECT 1 FROM accounts WHERE lower(name) = lower($1)', [r.account])).length === 0) throw new StoreConflict(`The account '${r.account}' does not exist.`);
        await db.query(
          'INSERT INTO deployments (account, name, record_json, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (lower(account), lower(name)) DO UPDATE SET record_json = excluded.record_json',
          [r.account, r.name, JSON.stringify(r), r.createdAt],
        );
      },
      delete: async (account, name) => (await count('DELETE FROM deployments WHERE lower(account) = lower($1) AND lower(name) = lower($2)', [account, name])) > 0,
    },
    settings: {
      get: async (key) => {
        const [row] = await rows('SELECT value FROM settings WHERE key = $1', [key]);
        return row === undefined ? undefined : String(row['value']);
      },
      set: async (key, value) => {
        await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      },
    },
    secrets: {
      get: async (name) => openSecret(name, (await rows('SELECT value FROM secrets WHERE name = $1', [name]))[0]),
      put: async (name, value) => {
        await db.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, box.seal(value, secretContext(name))]);
      },
      create: async (name, value) => {
        await db.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, box.seal(value, secretContext(name))]);
        return openSecret(name, (await rows('SELECT value FROM secrets WHERE name = $1', [name]))[0])!;
      },
    },
  };
}
