// How Azure RBAC decides: a role grants an action when one of its permissions lists a matching action (with `*`
// wildcards, case-insensitive) and that permission's not-list matches none; an assignment applies to its scope
// and every scope below it.
import type { Permission, RoleDefinition } from './roles.ts';

export type ActionKind = 'action' | 'dataAction';

const compiled = new Map<string, RegExp>();

/** `Microsoft.CognitiveServices/*` matches every action under that provider, at any depth, as Azure evaluates it. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
    re = new RegExp(`^${body}$`, 'i');
    compiled.set(pattern, re);
  }
  return re.test(action);
}

function permissionGrants(p: Permission, kind: ActionKind, action: string): boolean {
  const allowed = kind === 'action' ? p.actions : p.dataActions;
  const denied = kind === 'action' ? p.notActions : p.notDataActions;
  return allowed.some((a) => actionMatches(a, action)) && !denied.some((a) => actionMatches(a, action));
}

const ROLE_ASSIGNMENT_CHANGE = /^Microsoft\.Authorization\/roleAssignments\/(write|delete)$/i;

/** `roleDefinitionId` is the role being assigned or removed, which a permission's condition may restrict. */
export function roleGrants(role: RoleDefinition, kind: ActionKind, action: string, roleDefinitionId?: string): boolean {
  return role.permissions.some((p) => {
    if (!permissionGrants(p, kind, action)) return false;
    if (!p.condition || !ROLE_ASSIGNMENT_CHANGE.test(action)) return true;
    return roleDefinitionId !== undefined && p.condition.roleDefinitionIds.includes(roleDefinitionId.toLowerCase());
  });
}

/** Scopes compare case-insensitively, on whole path segments; `/` (the root) covers everything. */
export function scopeCovers(assignmentScope: string, target: string): boolean {
  const a = assignmentScope.replace(/\/+$/, '').toLowerCase();
  const t = target.replace(/\/+$/, '').toLowerCase();
  return a === '' || t === a || t.startsWith(`${a}/`);
}
