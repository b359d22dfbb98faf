// No escalation through the directory. Whoever can change a principal's credentials, or give a principal the
// membership of a group, can act with that principal's or group's roles; so doing either requires the right to
// grant every one of those roles where they are held: `Microsoft.Authorization/roleAssignments/write` for that
// role at that scope, the permission Azure requires to grant access (with the conditions some roles put on it).
// A Contributor (no Microsoft.Authorization writes) can therefore only touch principals that hold no role, and
// the admin principal's credentials change only through an Owner at the root scope `/`, or offline.
import type { DirectorySnapshot, RoleAssignment } from '../identity/directory-snapshot.ts';
import { findRole } from './roles.ts';

const GRANT = 'Microsoft.Authorization/roleAssignments/write';
const OWNER = findRole('Owner')!.id;

/** The first role assignment of `holders` (a principal's object ID and its groups) that `caller` could not have granted. */
export function ungrantable(snapshot: DirectorySnapshot, caller: readonly string[], holders: readonly string[]): RoleAssignment | undefined {
  return snapshot.assignmentsOf(holders).find((a) => !snapshot.allows(caller, a.scope, 'action', GRANT, a.roleDefinitionId));
}

/** Whether `caller` holds Owner at the root scope `/` (only the config file can make such an assignment). */
export function isRootOwner(snapshot: DirectorySnapshot, caller: readonly string[]): boolean {
  return snapshot.assignmentsOf(caller).some((a) => a.roleDefinitionId === OWNER && a.scope.replace(/\/+$/, '') === '');
}

/** A role assignment as a 403 names it. */
export function describeAssignment(a: RoleAssignment): string {
  return `${findRole(a.roleDefinitionId)?.roleName ?? a.roleDefinitionId} at '${a.scope || '/'}'`;
}
