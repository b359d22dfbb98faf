// What the signed-in user may do at a scope, from ARM's permissions API, so a page shows only the buttons that user
// may press. It is a courtesy, not the guard: every call is still decided by ARM with the user's token.
import { actionMatches } from '../../gateway/src/auth/permissions.ts';
import { arm } from './api.ts';
import { useLoad } from './hooks.ts';

interface Permission {
  actions: string[];
  notActions: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

export const AUTHORIZATION = '2022-04-01';

export const getPermissions = (scope: string) =>
  arm<{ value: Permission[] }>('GET', `${scope}/providers/Microsoft.Authorization/permissions`, AUTHORIZATION).then((r) => r.value);

/** Whether one of the permissions grants the action (its actions match and its notActions do not), as Azure decides. */
export function permits(permissions: readonly Permission[], action: string): boolean {
  return permissions.some((p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((a) => actionMatches(a, action)));
}

/** Whether one of the permissions grants the data action (its dataActions match and its notDataActions do not). */
export function permitsData(permissions: readonly Permission[], action: string): boolean {
  return permissions.some((p) => (p.dataActions ?? []).some((a) => actionMatches(a, action)) && !(p.notDataActions ?? []).some((a) => actionMatches(a, action)));
}

/** `can(action)` at `scope`: false until the permissions have loaded (and if they cannot be). */
export function usePermissions(scope: string | undefined): (action: string) => boolean {
  const { value } = useLoad(() => (scope ? getPermissions(scope) : Promise.resolve([])), [scope]);
  return (action) => permits(value ?? [], action);
}
