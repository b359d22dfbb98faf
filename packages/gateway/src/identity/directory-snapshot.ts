// The in-memory view of the directory that every request reads: service principals (config + store) and role
// assignments, indexed by principal. Immutable; a change builds a new snapshot (identity/directory.ts).
import { type ActionKind, roleGrants, scopeCovers } from '../auth/permissions.ts';
import { findRole } from '../auth/roles.ts';
import type { Secret } from '../config/secret.ts';
import type { RoleAssignmentRecord, ServicePrincipalRecord } from '../store/types.ts';

export type PrincipalSource = 'config' | 'store';

export interface DirectoryPrincipal extends Omit<ServicePrincipalRecord, 'secretHash'> {
  source: PrincipalSource;
  /** A stored principal's scrypt hash, or a config principal's secret held in memory. */
  secret: { kind: 'hash'; hash: string } | { kind: 'config'; value: Secret };
}

export interface RoleAssignment extends RoleAssignmentRecord {
  source: PrincipalSource;
}

const MAX_DECISIONS = 10_000;
const MAX_MEMO_PRINCIPALS = 16;

export class DirectorySnapshot {
  readonly #byAppId = new Map<string, DirectoryPrincipal>();
  readonly #byObjectId = new Map<string, DirectoryPrincipal>();
  readonly #assignments: readonly RoleAssignment[];
  readonly #byPrincipal = new Map<string, RoleAssignment[]>();
  // Decisions are memoized per snapshot: the same caller on the same resource costs one map lookup.
  readonly #decisions = new Map<string, boolean>();

  constructor(principals: readonly DirectoryPrincipal[], assignments: readonly RoleAssignment[]) {
    for (const p of principals) {
      this.#byAppId.set(p.appId.toLowerCase(), p);
      this.#byObjectId.set(p.objectId.toLowerCase(), p);
    }
    this.#assignments = assignments;
    for (const a of assignments) {
      const key = a.principalId.toLowerCase();
      const list = this.#byPrincipal.get(key) ?? [];
      list.push(a);
      this.#byPrincipal.set(key, list);
    }
  }

  principalByAppId(appId: string): DirectoryPrincipal | undefined {
    return this.#byAppId.get(appId.toLowerCase());
  }

  principalByObjectId(objectId: string): DirectoryPrincipal | undefined {
    return this.#byObjectId.get(objectId.toLowerCase());
  }

  principals(): DirectoryPrincipal[] {
    return [...this.#byObjectId.values()];
  }

  assignments(): readonly RoleAssignment[] {
    return this.#assignments;
  }

  /**
   * Whom a token's role assignments may name: its object ID and its groups. An object ID is unique only within its
   * tenant, so when the directory knows that object ID as a principal of another tenant, a token from this tenant
   * is not that principal and its assignments do not apply to it (only the groups the token carries do).
   */
  principalIdsOf(token: { tenantId: string; objectId: string; groups: readonly string[] }): string[] {
    const known = this.principalByObjectId(token.objectId);
    const own = known === undefined || known.tenantId.toLowerCase() === token.tenantId.toLowerCase();
    return own ? [token.objectId, ...token.groups] : [...token.groups];
  }

  assignmentsOf(principalIds: readonly string[]): RoleAssignment[] {
    return principalIds.flatMap((id) => this.#byPrincipal.get(id.toLowerCase()) ?? []);
  }

  /**
   * Whether any of `principalIds` (an object ID and its groups) holds, at `target` or above it, a role that grants
   * `action`. `roleDefinitionId` is the role being assigned or removed, for roles whose permission has a condition.
   */
  allows(principalIds: readonly string[], target: string, kind: ActionKind, action: string, roleDefinitionId?: string): boolean {
    // Callers with many groups are evaluated each time rather than filling the memo with long keys.
    const key = principalIds.length <= MAX_MEMO_PRINCIPALS ? `${kind}|${action}|${target.toLowerCase()}|${roleDefinitionId ?? ''}|${principalIds.join(',')}` : undefined;
    const memo = key === undefined ? undefined : this.#decisions.get(key);
    if (memo !== undefined) return memo;
    const allowed = this.assignmentsOf(principalIds).some((a) => {
      if (!scopeCovers(a.scope, target)) return false;
      const role = findRole(a.roleDefinitionId);
      return role !== undefined && roleGrants(role, kind, action, roleDefinitionId);
    });
    if (key !== undefined) {
      if (this.#decisions.size >= MAX_DECISIONS) this.#decisions.clear();
      this.#decisions.set(key, allowed);
    }
    return allowed;
  }
}
