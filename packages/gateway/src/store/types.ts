// The one store interface for what the gateway persists: service principals, role assignments, resource groups,
// accounts (resources) with their keys, deployments, and sealed secrets. Two implementations: SQLite in the data
// folder (sqlite.ts) and PostgreSQL (postgres.ts), held to the same contract by the same tests. Only the control
// plane and the directory call it, never a data-plane request, which reads in-memory snapshots.
import type { DeploymentSku } from '../control/types.ts';
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

export interface ResourceGroupRecord {
  subscriptionId: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  createdAt: string;
}

/** `networkAcls`: with `defaultAction` Deny, only the `ipRules` (addresses or CIDR ranges, IPv4 or IPv6) may call. */
export interface NetworkAclsRecord {
  defaultAction: 'Allow' | 'Deny';
  ipRules: string[];
  bypass: 'None' | 'AzureServices';
}

/** A Microsoft.CognitiveServices account: a Foundry resource. Its name is unique across every subscription. */
export interface AccountRecord {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kind: string;
  skuName: string;
  tags: Record<string, string>;
  /** Unique across every account, like the name; null when not set. */
  customSubDomainName: string | null;
  publicNetworkAccess: 'Enabled' | 'Disabled';
  networkAcls: NetworkAclsRecord | null;
  disableLocalAuth: boolean;
  keys: { key1: string; key2: string };
  createdAt: string;
  createdBy: string | null;
  modifiedAt: string;
  modifiedBy: string | null;
}

/** How a pool member authenticates upstream: a key (x-api-key or api-key), or Entra client credentials (Foundry only). */
export type PoolCredentialsRecord =
  | { type: 'key'; key: string }
  | { type: 'entra'; tenantId: string; clientId: string; clientSecret: string; authorityHost: string | null };

/** One upstream of a pool set over ARM (`properties.claudeFoundry.pool.members[]`); its secret is sealed at rest. */
export interface PoolMemberRecord {
  name: string;
  kind: 'anthropic' | 'foundry';
  /** The upstream's base URL, e.g. `https://east.services.ai.azure.com/anthropic`. */
  endpoint: string;
  /** The model asked of the upstream; null: the catalog's default for the kind. */
  model: string | null;
  credentials: PoolCredentialsRecord;
  weight: number;
  priority: number;
  /** Its own budget; a missing field is no limit. */
  rateLimits: { rpm?: number; itpm?: number; otpm?: number } | null;
  timeouts: { connectMs?: number; firstByteMs?: number; betweenChunksMs?: number } | null;
}

/** `properties.claudeFoundry.pool`: a deployment over several upstreams, changed over ARM without a restart. */
export interface PoolRecord {
  members: PoolMemberRecord[];
  maxAttempts: number | null;
  deadlineMs: number | null;
  affinity: boolean;
  breaker: { windowMs?: number; minRequests?: number; failureRatio?: number; openMs?: number } | null;
}

/** A deployment of a catalog model in an account; (account, name) is unique, names compared without case. */
export interface DeploymentRecord {
  account: string;
  name: string;
  skuName: DeploymentSku;
  capacity: number;
  model: { format: string; name: string; version: string };
  /** `properties.claudeFoundry.backend`: `simulator` pins the simulator; `default` follows the config. */
  backendChoice: 'default' | 'simulator';
  raiPolicyName: string | null;
  versionUpgradeOption: string | null;
  /** Anthropic's organization details, accepted and echoed; never required. */
  modelProviderData: Record<string, string> | null;
  /** A pool of upstreams set over ARM; absent or null: served as the config says (records before pools have none). */
  pool?: PoolRecord | null;
  tags: Record<string, string>;
  createdAt: string;
  createdBy: string | null;
  modifiedAt: string;
  modifiedBy: string | null;
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

export interface StoreTables {
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
  readonly resourceGroups: {
    list(): Promise<ResourceGroupRecord[]>;
    /** Creates the group or replaces its location and tags; true when it was created. */
    put(record: ResourceGroupRecord): Promise<boolean>;
  };
  readonly accounts: {
    /** In the order they were created. */
    list(): Promise<AccountRecord[]>;
    /**
     * Creates the account, or replaces it when one of that name exists in the same subscription and resource group.
     * StoreConflict when the name or the custom subdomain is taken by another account.
     */
    put(record: AccountRecord): Promise<void>;
    /** Deletes the account and its deployments; false when there was none. */
    delete(name: string): Promise<boolean>;
  };
  readonly deployments: {
    list(): Promise<DeploymentRecord[]>;
    /** Creates or replaces the deployment `(account, name)`; StoreConflict when the account does not exist. */
    put(record: DeploymentRecord): Promise<void>;
    delete(account: string, name: string): Promise<boolean>;
  };
  /** Small named values, e.g. the admin principal's object ID. */
  readonly settings: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };
  /** Named secrets (signing keys, the CA's key, the admin's credentials), sealed with the secret box at rest. */
  readonly secrets: {
    get(name: string): Promise<string | undefined>;
    put(name: string, value: string): Promise<void>;
    /** Stores `value` unless the name holds one already; returns what the store holds after (the first writer's). */
    create(name: string, value: string): Promise<string>;
  };
}

/** A refresh token of the development IdP, as kept: its SHA-256, never the token. Times in epoch milliseconds. */
export interface RefreshGrantRecord {
  tokenHash: string;
  objectId: string;
  clientId: string;
  /** What identified the user's password when the chain began (identity/refresh-tokens.ts). */
  credential: string;
  signedInAt: number;
  issuedAt: number;
  expiresAt: number;
}

/**
 * The refresh tokens' grants (store/oauth-grants.ts). Their writes are SQL transactions that do not bump the change
 * version: no snapshot holds grants (each redemption reads the store), so a sign-in reloads nothing anywhere.
 */
export interface RefreshGrants {
  /** The grant, with its user's secret hash as the store holds it now (null: the user is gone). */
  find(tokenHash: string): Promise<(RefreshGrantRecord & { userSecretHash: string | null }) | undefined>;
  /** In one transaction: stores `grant`, deletes every expired grant, and keeps only the user's `perUser` newest. */
  add(grant: RefreshGrantRecord, limits: { now: number; perUser: number }): Promise<void>;
}

/** A pending authorization code, as kept: its SHA-256; `details` is the rest of it as JSON (identity/authorize.ts). */
export interface AuthorizationCodeRecord {
  codeHash: string;
  objectId: string;
  details: string;
  issuedAt: number;
  expiresAt: number;
}

/** The pending authorization codes, written as the refresh grants are (no version bump). */
export interface AuthorizationCodeStore {
  /** In one transaction: stores `code`, deletes every expired code, and keeps only the user's `perUser` newest. */
  add(code: AuthorizationCodeRecord, limits: { now: number; perUser: number }): Promise<void>;
  /** Counts a presentation of the code, atomically across replicas: `uses` 1 is the first; undefined: no such code. */
  use(codeHash: string): Promise<(AuthorizationCodeRecord & { uses: number }) | undefined>;
}

export interface Store extends StoreTables {
  readonly dialect: 'sqlite' | 'postgres';
  readonly refreshGrants: RefreshGrants;
  readonly authorizationCodes: AuthorizationCodeStore;
  /**
   * Runs `work` in one transaction that holds the store's write lock (across processes), then bumps the change
   * version and commits; a throw rolls everything back. The tables outside `tx` are not to be used inside it.
   */
  transaction<T>(work: (tx: StoreTables) => Promise<T>): Promise<T>;
  /**
   * Runs `work` alone among the processes sharing the store, outside any transaction: the start-up steps that create
   * what must exist once (the admin principal and user, the CA) and the CA's renewal. PostgreSQL: a session advisory
   * lock; SQLite: SQLite's write lock on a lock file beside the database (process-lock.ts). Not reentrant.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** The change version: bumped by every committed write, from any process. */
  version(): Promise<number>;
  /** Calls `listener` with each new version seen (any process's commit, this one's included); see changes.ts. */
  watch(listener: (version: number) => void): void;
  /** Resolves when the store answers a query (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
