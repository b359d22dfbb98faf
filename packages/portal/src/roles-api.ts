// Azure RBAC as ARM serves it: role assignments at a scope (and those above it, inherited), the built-in role
// definitions, and the directory's users and service principals (Graph-like) to name who holds a role.
import { arm, call } from './api.ts';
import { AUTHORIZATION } from './access.ts';

export interface RoleAssignment {
  id: string;
  name: string;
  properties: { roleDefinitionId: string; principalId: string; principalType: string; scope: string; description: string | null };
}

export interface RoleDefinition {
  id: string;
  name: string;
  properties: { roleName: string; description: string };
}

export interface DirectoryEntry {
  id: string;
  displayName: string;
  kind: 'User' | 'ServicePrincipal';
}

const provider = (scope: string) => `${scope}/providers/Microsoft.Authorization`;

/** The assignments at the scope and above it (`atScope()`), not those below it: what the scope's IAM blade lists. */
export const listRoleAssignments = (scope: string) =>
  arm<{ value: RoleAssignment[] }>('GET', `${provider(scope)}/roleAssignments?$filter=${encodeURIComponent('atScope()')}`, AUTHORIZATION).then((r) => r.value);
export const listRoleDefinitions = (scope: string) =>
  arm<{ value: RoleDefinition[] }>('GET', `${provider(scope)}/roleDefinitions?$filter=${encodeURIComponent("type eq 'BuiltInRole'")}`, AUTHORIZATION).then((r) => r.value);
export const putRoleAssignment = (scope: string, body: { roleDefinitionId: string; principalId: string; principalType?: string }) =>
  arm<RoleAssignment>('PUT', `${provider(scope)}/roleAssignments/${crypto.randomUUID()}`, AUTHORIZATION, { properties: body });
export const deleteRoleAssignment = (assignmentId: string) => arm<unknown>('DELETE', assignmentId, AUTHORIZATION);

/** Users and service principals the caller may list; none when its roles do not cover a subscription (ARM still names them by ID). */
export async function listDirectory(): Promise<DirectoryEntry[]> {
  const read = (path: string, kind: DirectoryEntry['kind']) =>
    call<{ value: Array<{ id: string; displayName: string }> }>('GET', path).then(
      (r) => r.value.map((e) => ({ id: e.id, displayName: e.displayName, kind })),
      () => [] as DirectoryEntry[],
    );
  const [users, principals] = await Promise.all([read('/v1.0/users', 'User'), read('/v1.0/servicePrincipals', 'ServicePrincipal')]);
  return [...users, ...principals];
}

/** `/subscriptions/s` → "subscription s", a group → "resource group g", `/` → "root". */
export function describeScope(scope: string): string {
  const group = /\/resourceGroups\/([^/]+)$/i.exec(scope)?.[1];
  if (group) return `resource group ${decodeURIComponent(group)}`;
  const sub = /^\/subscriptions\/([^/]+)$/i.exec(scope)?.[1];
  if (sub) return `subscription ${sub}`;
  if (scope === '/' || scope === '') return 'the root scope';
  return scope;
}
