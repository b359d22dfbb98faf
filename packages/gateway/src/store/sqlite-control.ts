// The control plane's tables on node:sqlite: resource groups, accounts (with their keys, sealed) and deployments. Writes
// run inside the store's transaction (sqlite.ts), so a reader never sees half of a change.
import type { DatabaseSync } from 'node:sqlite';
import { keyContext } from './migrations.ts';
import type { SecretBox } from './secret-box.ts';
import { resourceGroupOf } from './rows.ts';
import { type AccountRecord, type DeploymentRecord, type StoreTables, StoreConflict } from './types.ts';

type ControlTables = Pick<StoreTables, 'resourceGroups' | 'accounts' | 'deployments'>;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === 'ERR_SQLITE_ERROR' && /UNIQUE constraint/.test((err as Error).message);

export function sqliteControlTables(db: DatabaseSync, box: SecretBox): ControlTables {
  const q = {
    groups: db.prepare('SELECT * FROM resource_groups ORDER BY rowid'),
    groupExists: db.prepare('SELECT 1 FROM resource_groups WHERE subscription_id = ? AND name = ?'),
    putGroup: db.prepare(
      'INSERT INTO resource_groups (subscription_id, name, location, tags_json, created_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (subscription_id, name) DO UPDATE SET location = excluded.location, tags_json = excluded.tags_json',
    ),
    accounts: db.prepare('SELECT name, record_json, key1, key2 FROM accounts ORDER BY rowid'),
    // An existing name is replaced only in place: the same subscription and resource group.
    putAccount: db.prepare(
      'INSERT INTO accounts (name, subscription_id, resource_group, custom_subdomain, key1, key2, record_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET custom_subdomain = excluded.custom_subdomain, key1 = excluded.key1, key2 = excluded.key2, record_json = excluded.record_json ' +
        'WHERE accounts.subscription_id = excluded.subscription_id AND accounts.resource_group = excluded.resource_group',
    ),
    deleteAccount: db.prepare('DELETE FROM accounts WHERE name = ?'),
    deleteAccountDeployments: db.prepare('DELETE FROM deployments WHERE account = ?'),
    accountExists: db.prepare('SELECT 1 FROM accounts WHERE name = ?'),
    deployments: db.prepare('SELECT account, name, record_json FROM deployments ORDER BY rowid'),
    putDeployment: db.prepare(
      'INSERT INTO deployments (account, name, record_json, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, name) DO UPDATE SET record_json = excluded.record_json',
    ),
    deleteDeployment: db.prepare('DELETE FROM deployments WHERE account = ? AND name = ?'),
  };

  return {
    resourceGroups: {
      list: async () => (q.groups.all() as Array<Record<string, unknown>>).map(resourceGroupOf),
      put: async (r) => {
        const existed = q.groupExists.get(r.subscriptionId, r.name) !== undefined;
        q.putGroup.run(r.subscriptionId, r.name, r.location, JSON.stringify(r.tags), r.createdAt);
        return !existed;
      },
    },
    accounts: {
      list: async () =>
        (q.accounts.all() as Array<{ name: string; record_json: string; key1: string; key2: string }>).map((row) => ({
          ...(JSON.parse(row.record_json) as Omit<AccountRecord, 'keys'>),
          // A replaced account keeps the spelling it was created with.
          name: row.name,
          keys: { key1: box.open(row.key1, keyContext(row.name, 'key1')), key2: box.open(row.key2, keyContext(row.name, 'key2')) },
        })),
      put: async (r) => {
        const { keys, ...rest } = r;
        let changes: number;
        try {
          changes = Number(
            q.putAccount.run(
              r.name, r.subscriptionId, r.resourceGroup, r.customSubDomainName,
              box.seal(keys.key1, keyContext(r.name, 'key1')), box.seal(keys.key2, keyContext(r.name, 'key2')), JSON.stringify(rest), r.createdAt,
            ).changes,
          );
        } catch (err) {
          if (isUniqueViolation(err)) throw new StoreConflict(`The custom subdomain '${r.customSubDomainName}' is used by another account.`);
          throw err;
        }
        if (changes === 0) throw new StoreConflict(`An account named '${r.name}' exists in another subscription or resource group.`);
      },
      delete: async (name) => {
        q.deleteAccountDeployments.run(name);
        return Number(q.deleteAccount.run(name).changes) > 0;
      },
    },
    deployments: {
      list: async () =>
        (q.deployments.all() as Array<{ account: string; name: string; record_json: string }>).map((row) => ({
          ...(JSON.parse(row.record_json) as DeploymentRecord),
          account: row.account,
          name: row.name,
        })),
      put: async (r) => {
        if (q.accountExists.get(r.account) === undefined) throw new StoreConflict(`The account '${r.account}' does not exist.`);
        q.putDeployment.run(r.account, r.name, JSON.stringify(r), r.createdAt);
      },
      delete: async (account, name) => Number(q.deleteDeployment.run(account, name).changes) > 0,
    },
  };
}
