// Opens the gateway's store: PostgreSQL when `store.postgres` (or DATABASE_URL) names one, else SQLite in the data folder.
import { join } from 'node:path';
import { prepareDataDir } from './data-dir.ts';
import { loadSecretBox, requireSecretKey } from './secret-box.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export const DATABASE_FILE = 'claude-foundry.db';

/** Prepares the data folder (0700, files 0600, never world-writable), then opens the store with the secret key. */
export function openStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Store {
  prepareDataDir(dataDir);
  return openSqliteStore(join(dataDir, DATABASE_FILE), loadSecretBox(dataDir, env));
}

/** The store the config names: PostgreSQL (the secret key from CLAUDE_FOUNDRY_SECRET_KEY), else the embedded SQLite one. */
export async function openConfiguredStore(config: { dataDir: string; store: { postgres: string | undefined } }, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  if (config.store.postgres === undefined) return openStore(config.dataDir, env);
  // The data folder (local copies: the CA for clients, the admin's credentials for the CLI) only once the store opened.
  const box = requireSecretKey(env);
  // pg is loaded only here, so the embedded gateway starts as before (no driver in its memory).
  const { openPostgresStore } = await import('./postgres.ts');
  const store = await openPostgresStore(config.store.postgres, box);
  try {
    prepareDataDir(config.dataDir);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

export {
  StoreConflict,
  StoreOpenError,
  type AccountRecord,
  type DeploymentRecord,
  type NetworkAclsRecord,
  type ResourceGroupRecord,
  type RoleAssignmentRecord,
  type ServicePrincipalRecord,
  type Store,
  type StoreTables,
} from './types.ts';
