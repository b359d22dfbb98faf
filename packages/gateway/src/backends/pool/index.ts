// The `pool` backend: one deployment over several anthropic and foundry upstreams. Each request tries
// members in the order choose.ts gives (priority groups, weights, cache affinity); an answer of 429,
// 529 or 5xx, or a connect error or timeout, before anything reached the client fails over to the next
// member, within `maxAttempts` and `deadlineMs`. A member whose own budget is spent is passed by (not
// failed). A 2xx (or a 4xx the caller caused) is returned at once: its body then goes to the client, so
// nothing is ever retried after the first byte left.
import type { Deployment, PoolSettings } from '../../control/types.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { createMemoryLimiter, type Demand, type Limiter, type Reservation } from '../../limits/index.ts';
import type { BackendCall, PassthroughReply } from '../types.ts';
import type { UpstreamBackend } from '../upstream/index.ts';
import { budgetScope, settleBudget } from './budget.ts';
import { affinityKey, homeOf, seedOf, tryOrder } from './choose.ts';
import { PoolMember } from './member.ts';

export { PoolMember } from './member.ts';

/** 429 without a retry-after still rests the member this long: it just said it is out of quota. */
const DEFAULT_REST_MS = 1_000;

/** A pool's members, made once per settings object (a config snapshot) and kept while it lives. */
export interface PoolState {
  resource: string;
  deployment: string;
  /** `{resource}/{deployment}@{instance}`: its members' budgets are keyed under it. */
  key: string;
  settings: PoolSettings;
  members: PoolMember[];
  /** Each member's deployment, as the single-upstream backends read it. */
  deployments: Map<PoolMember, Deployment>;
  /** Keyed requests whose first choice was available and served them (for the affinity hit ratio). */
  affinity: { keyed: number; kept: number };
  failovers: number;
}

export interface PoolBackend extends UpstreamBackend {
  /** Every pool in use, for /metrics. */
  pools(): Iterable<PoolState>;
  /** A pool deployment's members and their state, whether or not it has served a request yet (`deployment show`). */
  state(resource: string, deployment: Deployment): PoolState;
  /** Drops a deleted deployment's pool, so /metrics no longer shows it. */
  forget(resource: string, deployment: string): void;
}

export interface PoolBackendOptions {
  clock?: () => number;
  /** The choice's random source when a request has no affinity key (tests make it deterministic). */
  random?: () => number;
  /** Members' own budgets are drawn from it: the gateway's limiter, so a shared one covers every replica. */
  limiter?: Limiter;
}

export function createPoolBackend(targets: { anthropic: UpstreamBackend; foundry: UpstreamBackend }, options: PoolBackendOptions = {}): PoolBackend {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const limiter = options.limiter ?? createMemoryLimiter();
  const states = new WeakMap<PoolSettings, PoolState>();
  // The pools of the current config and store, by resource and deployment: a new snapshot, or a re-created deployment,
  // replaces the entry (so /metrics never has two series for one member).
  const current = new Map<string, PoolState>();
  /** A pool's name in `current`: its resource and deployment, case folded. */
  const poolName = (resource: string, deployment: string) => `${resource.toLowerCase()}/${deployment.toLowerCase()}`;

  function stateFor(resource: string, deployment: Deployment): PoolState {
    const settings = deployment.pool;
    if (!settings) throw new GatewayError('api_error', `Deployment '${deployment.name}' has no pool settings.`);
    let state = states.get(settings);
    if (state) return state;
    const name = poolName(resource, deployment.name);
    const key = `${name}@${deployment.instance ?? ''}`;
    // A changed pool (over ARM, say) keeps what it knew of each upstream that is still in it: rests, breakers, counters;
    // a re-created deployment (another instance) starts afresh.
    const before = current.get(name);
    const previous = before?.key === key ? before : undefined;
    const members = settings.members.map((m) => {
      const kept = previous?.members.find((p) => p.sameUpstream(m));
      if (!kept) return new PoolMember(m, settings.breaker, seedOf(m.name));
      kept.reconfigure(m, settings.breaker);
      return kept;
    });
    const deployments = new Map(members.map((m) => [m, { ...deployment, backend: m.settings.backend, upstream: m.settings.upstream }] as const));
    state = { resource, deployment: deployment.name, key, settings, members, deployments, affinity: previous?.affinity ?? { keyed: 0, kept: 0 }, failovers: previous?.failovers ?? 0 };
    states.set(settings, state);
    current.set(name, state);
    return state;
  }

  async function route(call: BackendCall<{ model: string; max_tokens?: number; system?: unknown; tools?: unknown; messages?: unknown }>, operation: 'messages' | 'countTokens'): Promise<PassthroughReply> {
    const state = stateFor(call.resource.name, call.deployment);
    const { settings } = state;
    const started = clock();
    const key = operation === 'messages' && settings.affinity ? affinityKey(call.request, call.rawBody) : undefined;
    const order = tryOrder(state.members, started, key, random);
    if (order.length === 0) throw unplaceable(state, started);
    if (key) {
      state.affinity.keyed++;
      if (order[0] === homeOf(state.members, key)) state.affinity.kept++;
    }
    // count_tokens is not rate limited (as on the deployment): only messages draw on members' budgets.
    const demand: Demand | undefined = operation === 'messages' ? { requests: 1, input: call.inputTokens ?? 0, output: call.request.max_tokens ?? 0 } : undefined;
    const attempts = call.route?.attempts ?? [];
    let last: PassthroughReply | GatewayError | undefined;
    for (const member of order) {
      if (attempts.length >= settings.maxAttempts) break;
      const now = clock();
      if (attempts.length > 0 && (now - started >= settings.deadlineMs || !member.available(now))) continue;
      const scope = demand && budgetScope(state.key, member.settings);
      let budget: Reservation | undefined;
      if (scope) {
        const outcome = await limiter.reserve([scope], demand!);
        if (!outcome.ok) {
          member.skipped++;
          member.budgetUntil = clock() + outcome.retryAfterMs;
          continue;
        }
        budget = outcome;
      }
      if (last !== undefined) {
        state.failovers++;
        discard(last);
        last = undefined;
      }
      member.begin(now);
      member.inFlight++;
      const memberCall = { ...call, deployment: state.deployments.get(member)! } as BackendCall<MessagesRequest>;
      let reply: PassthroughReply;
      try {
        reply = await targets[member.settings.backend][operation](memberCall);
      } catch (err) {
        member.inFlight--;
        budget?.release();
        // The client left, or a failure that is not the upstream's: no other member would do better.
        if (call.signal.aborted || !(err instanceof GatewayError) || (err.code !== 'bad_gateway' && err.code !== 'gateway_timeout')) {
          member.abandon();
          throw err;
        }
        member.failed(clock());
        attempts.push(`${member.name} ${err.status}`);
        last = err;
        continue;
      }
      attempts.push(`${member.name} ${reply.status}`);
      if (!retryable(reply.status)) {
        member.succeeded(clock());
        member.served++;
        if (call.route) call.route.upstream = member.name;
        const release = () => member.inFlight--;
        reply.usage.then(release, release);
        if (budget) settleBudget(budget, reply.usage, () => call.signal.aborted);
        return reply;
      }
      member.inFlight--;
      budget?.release();
      member.failed(clock());
      if (reply.status === 429) member.coolFor(retryAfterMs(reply.headers) ?? DEFAULT_REST_MS, clock());
      last = reply;
    }
    // No member answered well. A 429 (or no member with budget left) says the pool is out of quota: the caller is told
    // when the first member takes requests again; any other failure is passed on as the last member gave it.
    if (last === undefined || (!(last instanceof GatewayError) && last.status === 429)) {
      if (last) discard(last);
      throw unplaceable(state, clock());
    }
    if (last instanceof GatewayError) throw last;
    if (call.route) call.route.upstream = attempts.at(-1)?.split(' ')[0];
    return last;
  }

  return {
    messages: (call) => route(call, 'messages'),
    countTokens: (call) => route(call, 'countTokens'),
    pools: () => current.values(),
    state: stateFor,
    forget: (resource, deployment) => current.delete(poolName(resource, deployment)),
  };
}

/** 429, 529 (overloaded) and 5xx are the upstream's trouble, worth another member; other statuses are the answer. */
function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `retry-after-ms` (Anthropic's and Azure's), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Every member is resting, broken or out of its own budget: 429 with the shortest wait of the pool. */
function unplaceable(state: PoolState, now: number): GatewayError {
  const waitMs = Math.max(1, Math.min(...state.members.map((m) => Math.max(m.waitMs(now), m.budgetUntil - now))));
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError(
    'rate_limited',
    `Every upstream of deployment '${state.deployment}' is rate limited, out of its budget or failing. Retry after ${seconds} s.`,
    { 'retry-after': String(seconds), 'retry-after-ms': String(Math.ceil(waitMs)) },
  );
}

/** A failed reply not passed on: its body is cut, so its connection is not left waiting. */
function discard(last: PassthroughReply | GatewayError): void {
  if (last instanceof GatewayError) return;
  const iterator = last.body[Symbol.asyncIterator]();
  void iterator.return?.();
}
