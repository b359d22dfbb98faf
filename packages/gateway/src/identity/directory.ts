// The directory: service principals and role assignments from config (fixed) and from the store (managed through
// the API and the CLI). Every change is written to the store, then a new snapshot is swapped in at once, so the
// next request sees it without a restart; another replica's changes arrive through `reload` (gateway.ts).
import { createHash } from 'node:crypto';
import { newGuid } from '../ids/index.ts';
import type { RoleAssignmentRecord, Store } from '../store/types.ts';
import type { IdentityConfig } from './config.ts';
import { type DirectoryPrincipal, DirectorySnapshot, type RoleAssignment } from './directory-snapshot.ts';
import { generateClientSecret, hashSecret, secretsEqual, verifySecret } from './secrets.ts';

export interface NewServicePrincipal {
  displayName: string;
  groups?: readonly string[];
  appRoles?: readonly string[];
  tags?: readonly string[];
}

/** A role assignment to create: the stored record but its creation time, which the directory sets. */
export type NewRoleAssignment = Omit<RoleAssignmentRecord, 'createdOn'>;

/** A stable GUID for a configured assignment, so its ARM ID survives restarts. */
function configuredName(scope: string, role: string, principal: string): string {
  const h = createHash('sha1').update(`${scope.toLowerCase()}|${role}|${principal}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Directory {
  readonly #store: Store;
  readonly #config: IdentityConfig;
  readonly #clock: () => number;
  #current: DirectorySnapshot = new DirectorySnapshot([], []);
  /** Reloads may overlap (this process's write, another replica's): only one started later than the applied one wins. */
  #started = 0;
  #applied = 0;

  private constructor(store: Store, config: IdentityConfig, clock: () => number) {
    this.#store = store;
    this.#config = config;
    this.#clock = clock;
  }

  static async open(store: Store, config: IdentityConfig, clock: () => number): Promise<Directory> {
    const directory = new Directory(store, config, clock);
    await directory.reload();
    return directory;
  }

  get tenantId(): string {
    return this.#config.developmentTenant.tenantId;
  }

  get current(): DirectorySnapshot {
    return this.#current;
  }

  get store(): Store {
    return this.#store;
  }

  async reload(): Promise<void> {
    const ticket = ++this.#started;
    const created = new Date(0).toISOString();
    const fromConfig: DirectoryPrincipal[] = this.#config.servicePrincipals.map((p) => ({
      objectId: p.objectId,
      appId: p.clientId,
      tenantId: this.tenantId,
      displayName: p.displayName,
      groups: p.groups,
      appRoles: p.appRoles,
      tags: ['claude-foundry:config'],
      createdAt: created,
      source: 'config',
      secret: { kind: 'config', value: p.clientSecret },
    }));
    const stored: DirectoryPrincipal[] = (await this.#store.servicePrincipals.list()).map(({ secretHash, ...p }) => ({
      ...p,
      source: 'store',
      secret: { kind: 'hash', hash: secretHash },
    }));
    const configured = this.#configuredAssignments();
    const assignments: RoleAssignment[] = (await this.#store.roleAssignments.list()).map((a) => ({ ...a, source: 'store' }));
    if (ticket < this.#applied) return;
    this.#applied = ticket;
    this.#current = new DirectorySnapshot([...fromConfig, ...stored], [...configured, ...assignments]);
  }

  #configuredAssignments(): RoleAssignment[] {
    const created = new Date(0).toISOString();
    return this.#config.roleAssignments.map((a) => ({
      name: configuredName(a.scope, a.roleDefinitionId, a.principalId),
      scope: a.scope,
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      description: 'From the claude-foundry config file',
      createdOn: created,
      createdBy: null,
      source: 'config',
    }));
  }

  async verifyClientSecret(principal: DirectoryPrincipal, presented: string): Promise<boolean> {
    if (principal.secret.kind === 'config') return secretsEqual(presented, principal.secret.value.reveal());
    return verifySecret(presented, principal.secret.hash);
  }

  async createServicePrincipal(spec: NewServicePrincipal): Promise<{ principal: DirectoryPrincipal; clientSecret: string }> {
    const clientSecret = generateClientSecret();
    const record = {
      objectId: newGuid(),
      appId: newGuid(),
      tenantId: this.tenantId,
      displayName: spec.displayName,
      secretHash: await hashSecret(clientSecret),
      groups: [...(spec.groups ?? [])].map((g) => g.toLowerCase()),
      appRoles: [...(spec.appRoles ?? [])],
      tags: [...(spec.tags ?? [])],
      createdAt: new Date(this.#clock()).toISOString(),
    };
    await this.#store.servicePrincipals.insert(record);
    await this.reload();
    return { principal: this.#current.principalByObjectId(record.objectId)!, clientSecret };
  }

  /** A new secret for a stored principal; the old one stops working at once. */
  async resetClientSecret(objectId: string): Promise<string> {
    const clientSecret = generateClientSecret();
    await this.#store.servicePrincipals.setSecretHash(objectId, await hashSecret(clientSecret));
    await this.reload();
    return clientSecret;
  }

  async deleteServicePrincipal(objectId: string): Promise<boolean> {
    const deleted = await this.#store.servicePrincipals.delete(objectId);
    await this.reload();
    return deleted;
  }

  async createRoleAssignment(spec: NewRoleAssignment): Promise<RoleAssignment> {
    await this.#store.roleAssignments.insert({ ...spec, createdOn: new Date(this.#clock()).toISOString() });
    await this.reload();
    return this.#current.assignments().find((a) => a.name === spec.name)!;
  }

  /**
   * Deletes a stored assignment; false when there was none. `check` sees the assignment and every assignment as the
   * store holds them inside the write transaction (configured ones included) and may throw to refuse: an invariant
   * over several assignments (the last Owner) then holds across replicas, which a check of this process's snapshot
   * cannot promise (two replicas removing two Owners at once would each still see the other's).
   */
  async deleteRoleAssignment(name: string, check?: (found: RoleAssignment, all: readonly RoleAssignment[]) => void): Promise<boolean> {
    const deleted = await this.#store.transaction(async (tx) => {
      const stored: RoleAssignment[] = (await tx.roleAssignments.list()).map((a) => ({ ...a, source: 'store' }));
      const found = stored.find((a) => a.name === name);
      if (!found) return false;
      check?.(found, [...this.#configuredAssignments(), ...stored]);
      return tx.roleAssignments.delete(name);
    });
    await this.reload();
    return deleted;
  }
}
