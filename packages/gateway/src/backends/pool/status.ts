// `GET /monitoring/pools/{resource}/{deployment}`: a pool deployment's members and what the gateway knows of each right
// now (healthy, resting until, breaker open or half-open; in flight, served, failures, 429s, budget skips), for
// `npx claude-foundry deployment show`. Read with the deployment's ARM read action, as its GET is; no secret is in it.
import type { AuthorizeManagement } from '../../telemetry/authorize.ts';
import { accountScope } from '../../auth/scopes.ts';
import type { ControlState } from '../../control/snapshot.ts';
import { GatewayError } from '../../errors/index.ts';
import { sendJson } from '../../http/respond.ts';
import type { CallerContext, Route } from '../../http/routes.ts';
import type { PoolBackend, PoolState } from './index.ts';

const READ = 'Microsoft.CognitiveServices/accounts/deployments/read';

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

/** The pool and each member's live state, as the endpoint answers it. */
function poolView(state: PoolState, now: number) {
  const { settings } = state;
  return {
    resource: state.resource,
    deployment: state.deployment,
    maxAttempts: settings.maxAttempts,
    deadlineMs: settings.deadlineMs,
    affinity: settings.affinity,
    breaker: settings.breaker,
    failovers: state.failovers,
    affinityRequests: state.affinity.keyed,
    affinityKept: state.affinity.kept,
    members: state.members.map((m) => {
      const s = m.settings;
      const condition = m.state(now);
      return {
        name: m.name,
        kind: s.backend,
        endpoint: s.upstream.baseUrl,
        model: s.upstream.model,
        weight: s.weight,
        priority: s.priority,
        rateLimits: s.rateLimits ?? null,
        state: condition,
        /** Resting: when it takes requests again; open: when a probe is let through. */
        until: condition === 'healthy' || condition === 'half-open' ? null : iso(m.until(now)),
        inFlight: m.inFlight,
        served: m.served,
        failures: m.failures,
        throttled: m.throttled,
        budgetSkips: m.skipped,
        /** While its own budget is spent: when the request it refused last would have fit. */
        budgetUntil: m.budgetUntil > now ? iso(m.budgetUntil) : null,
      };
    }),
  };
}

export interface PoolRouteDeps {
  control: ControlState;
  pools: Pick<PoolBackend, 'state'>;
  authorize: AuthorizeManagement;
  now: () => number;
}

export function poolRoutes(deps: PoolRouteDeps): Route[] {
  function status({ res, ids, params, caller }: CallerContext): void {
    const resource = deps.control.current.resource(params['resource']!);
    if (!resource) throw new GatewayError('resource_not_found', `The resource '${params['resource']!.slice(0, 64)}' does not exist on this gateway.`);
    const name = params['deployment']!;
    deps.authorize(caller, `${accountScope(resource.subscriptionId, resource.resourceGroup, resource.name)}/deployments/${name}`, READ);
    const deployment = [...resource.deployments.values()].find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!deployment) throw new GatewayError('deployment_not_found', `The resource '${resource.name}' has no deployment '${name.slice(0, 64)}'.`);
    if (deployment.backend !== 'pool') {
      throw new GatewayError('not_found', `The deployment '${deployment.name}' is not a pool: it is served by the ${deployment.backend} backend. Give it upstreams in the config, or properties.claudeFoundry.pool over ARM.`);
    }
    sendJson(res, 200, JSON.stringify(poolView(deps.pools.state(resource.name, deployment), deps.now())), ids);
  }
  return [{ path: '/monitoring/pools/{resource}/{deployment}', auth: 'entra', methods: { GET: status } }];
}
