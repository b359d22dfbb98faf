// The one store interface for what the gateway persists: service principals and role assignments now,
// resources and deployments next (issue 8). Asynchronous so that a PostgreSQL implementation fits the same
// shape; only the control plane calls it, never a data-plane request, which reads in-memory snapshots.
import type { PrincipalType } from '../identity/config.ts';

export interface ServicePrincipalRecord {
  objectId: string;
  /** The client ID. */
  appId: string;
  tenantId: string;
  displayName: string;
  /** `scrypt$…` (identity/secrets.ts); the secret itself is never stored. */
  secretHash: string;
  /** Object IDs of the groups the principal belongs to (its tokens' `groups` claim). */
  groups: string[];
  /** Application roles (its tokens' `roles` claim). */
  appRoles: string[];
  /** Graph's `tags`: `claude-foundry:admin` marks the gateway's admin principal. */
  tags: string[];
  createdAt: string;
}

export interface RoleAssignmentRecord {
  /** The GUID that ends the assignment's ID. */
  name: string;
  scope: string;
  /** The role's GUID. */
  roleDefinitionId: string;
  principalId: string;
  principalType: PrincipalType;
  description: string | null;
  createdOn: string;
  /** Object ID of the principal that made the assignment. */
  createdBy: string | null;
}

/** The same (scope, role, principal) or the same key exists already. */
export class StoreConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflict';
  }
}

/** The store cannot be opened: corrupt, from a newer version, or not ours. Nothing was modified. */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

export interface Store {
  readonly servicePrincipals: {
    list(): Promise<ServicePrincipalRecord[]>;
    insert(record: ServicePrincipalRecord): Promise<void>;
    /** False when there was no such principal. */
    delete(objectId: string): Promise<boolean>;
    setSecretHash(objectId: string, secretHash: string): Promise<void>;
  };
  readonly roleAssignments: {
    list(): Promise<RoleAssignmentRecord[]>;
    insert(record: RoleAssignmentRecord): Promise<void>;
    delete(name: string): Promise<boolean>;
  };
  /** Small named values, e.g. the admin principal's object ID. */
  readonly settings: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };
  close(): void;
}
