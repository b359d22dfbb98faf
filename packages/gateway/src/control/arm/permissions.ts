// `{scope}/providers/Microsoft.Authorization/permissions` (api-version 2022-04-01): what the caller's own role
// assignments at or above a scope permit there, one entry per permission of each role, as Azure's "Permissions -
// List For Resource" answers. Portals read it to show only the buttons a user may press; ARM still decides each call.
import type { Caller } from '../../auth/caller.ts';
import { scopeCovers } from '../../auth/permissions.ts';
import { findRole } from '../../auth/roles.ts';
import { formatScope, type Scope } from '../../auth/scopes.ts';
import { requireExisting, type RoleAssignmentDeps } from './role-assignments.ts';

export const PERMISSIONS_API_VERSIONS = ['2015-07-01', '2018-01-01-preview', '2022-04-01'];

export function listPermissions(deps: RoleAssignmentDeps, scope: Scope, caller: Caller): { value: unknown[] } {
  requireExisting(deps, scope);
  const target = formatScope(scope);
  const value = deps.directory.current
    .assignmentsOf(caller.principalIds)
    .filter((a) => scopeCovers(a.scope, target))
    .flatMap((a) => findRole(a.roleDefinitionId)?.permissions ?? [])
    .map((p) => ({ actions: p.actions, notActions: p.notActions, dataActions: p.dataActions, notDataActions: p.notDataActions }));
  return { value };
}
