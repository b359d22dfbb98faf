// Opens the gateway's store: SQLite in the data folder (a PostgreSQL implementation would slot in here).
import { join } from 'node:path';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export const DATABASE_FILE = 'claude-foundry.db';

export function openStore(dataDir: string): Store {
  return openSqliteStore(join(dataDir, DATABASE_FILE), dataDir);
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
