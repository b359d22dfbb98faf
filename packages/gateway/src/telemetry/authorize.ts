// Who may read usage, cost and logs, and set budgets: an ARM bearer token (auth/caller.ts) whose principal
// holds, at the resource's scope or above, a role granting the action. Reader (`*/read`) reads everything;
// Owner and Contributor also set budgets; a token alone grants nothing.
import type { IncomingMessage } from 'node:http';
import { authenticateCaller, authorizationFailed, type Caller } from '../auth/caller.ts';
import type { DirectorySnapshot } from '../identity/directory-snapshot.ts';
import type { TokenValidator } from '../identity/validate.ts';

/** Throws the GatewayError to answer (401, 403) unless the request may perform `action` at `scope`. */
export type AuthorizeManagement = (req: IncomingMessage, scope: string, action: string) => Promise<void>;

/** The Azure actions each monitoring route needs (Azure Monitor, Log Analytics and Cost Management's own). */
export const MONITORING_ACTIONS = {
  usage: 'Microsoft.Insights/metrics/read',
  logs: 'Microsoft.Insights/logs/read',
  cost: 'Microsoft.CostManagement/query/read',
  readBudgets: 'Microsoft.Consumption/budgets/read',
  writeBudgets: 'Microsoft.Consumption/budgets/write',
} as const;

export function armAuthorizer(validator: TokenValidator, directory: { readonly current: DirectorySnapshot }): AuthorizeManagement {
  // One token validation per request, however many resources it asks about.
  const callers = new WeakMap<IncomingMessage, Promise<Caller>>();
  return async (req, scope, action) => {
    let pending = callers.get(req);
    if (!pending) callers.set(req, (pending = authenticateCaller(req, validator)));
    const caller = await pending;
    if (!directory.current.allows(caller.principalIds, scope, 'action', action)) throw authorizationFailed(caller, action, scope);
  };
}
