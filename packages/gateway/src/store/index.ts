// Opens the gateway's store: SQLite in the data folder (a PostgreSQL implementation would slot in here).
import { join } from 'node:path';
import { prepareDataDir } from './data-dir.ts';
import { loadSecretBox } from './secret-box.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export const DATABASE_FILE = 'claude-foundry.db';

/** Prepares the data folder (0700, files 0600, never world-writable), then opens the store with the secret key. */
export function openStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Store {
  prepareDataDir(dataDir);
  return openSqliteStore(join(dataDir, DATABASE_FILE), loadSecretBox(dataDir, env));
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
} from './types.ts';
