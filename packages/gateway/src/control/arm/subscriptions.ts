// `GET /subscriptions` and `GET /subscriptions/{id}` (Microsoft.Resources, "Subscriptions - List" and "Subscriptions -
// Get"): the subscriptions the caller holds a role in, at the subscription, below it or above it ('/'), in ARM's shape.
// A subscription the caller holds no role in is not found, as it is absent from the list.
import { GUID } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { CallerContext } from '../../http/routes.ts';
import type { ResourceManagerDeps } from './context.ts';
import { requireApiVersion, sendArm } from './http.ts';

/** Microsoft.Resources' subscription versions (2022-12-01 is what `@azure/arm-resources-subscriptions` 3.x sends) and the resource versions clients also send here. */
export const SUBSCRIPTIONS_API_VERSIONS = [
  '2016-06-01', '2019-10-01', '2020-01-01', '2020-06-01', '2021-01-01', '2021-04-01', '2022-09-01', '2022-12-01',
  '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01',
];

function visible(deps: ResourceManagerDeps, ctx: CallerContext): string[] {
  const scopes = deps.directory.current.assignmentsOf(ctx.caller.principalIds).map((a) => a.scope.toLowerCase());
  return deps.plane.state.current
    .subscriptions()
    .filter((s) => scopes.some((scope) => scope === '/' || scope === `/subscriptions/${s}` || scope.startsWith(`/subscriptions/${s}/`)));
}

function subscriptionJson(deps: ResourceManagerDeps, id: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${id}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: id,
    tenantId: deps.directory.tenantId,
    displayName: `claude-foundry ${id.slice(0, 8)}`,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  };
}

export function listSubscriptions(deps: ResourceManagerDeps, ctx: CallerContext): void {
  requireApiVersion(ctx.query, SUBSCRIPTIONS_API_VERSIONS);
  const value = visible(deps, ctx).map((s) => subscriptionJson(deps, s));
  sendArm(ctx.res, 200, { value }, ctx.ids);
}

export function getSubscription(deps: ResourceManagerDeps, ctx: CallerContext): void {
  requireApiVersion(ctx.query, SUBSCRIPTIONS_API_VERSIONS);
  const id = ctx.params['subscriptionId']!;
  if (!GUID.test(id)) throw new GatewayError('invalid_subscription_id', `The provided subscription identifier '${id.slice(0, 64)}' is malformed or invalid.`);
  if (!visible(deps, ctx).includes(id.toLowerCase())) throw new GatewayError('subscription_not_found', `The subscription '${id}' could not be found.`);
  sendArm(ctx.res, 200, subscriptionJson(deps, id.toLowerCase()), ctx.ids);
}
