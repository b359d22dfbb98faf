// Who may read usage, cost and logs, and set budgets: an ARM bearer token (authenticated by the route table,
// auth/caller.ts) whose principal holds, at the resource's scope or above, a role granting the action. Reader
// (`*/read`) reads everything; Owner and Contributor also set budgets; a token alone grants nothing.
import { authorizationFailed, type Caller } from '../auth/caller.ts';
import type { DirectorySnapshot } from '../identity/directory-snapshot.ts';

/** Throws ARM's 403 unless the caller may perform `action` at `scope`. */
export type AuthorizeManagement = (caller: Caller, scope: string, action: string) => void;

/** The Azure actions each monitoring route needs (Azure Monitor, Log Analytics and Cost Management's own). */
export const MONITORING_ACTIONS = {
  usage: 'Microsoft.Insights/metrics/read',
  logs: 'Microsoft.Insights/logs/read',
  cost: 'Microsoft.CostManagement/query/read',
  readBudgets: 'Microsoft.Consumption/budgets/read',
  writeBudgets: 'Microsoft.Consumption/budgets/write',
} as const;

export function armAuthorizer(directory: { readonly current: DirectorySnapshot }): AuthorizeManagement {
  return (caller, scope, action) => {
    if (!directory.current.allows(caller.principalIds, scope, 'action', action)) throw authorizationFailed(caller, action, scope);
  };
}
