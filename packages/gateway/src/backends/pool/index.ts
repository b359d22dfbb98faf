// The `pool` backend: one deployment over several anthropic and foundry upstreams. Each request tries
// members in the order choose.ts gives (priority groups, weights, cache affinity); an answer of 429,
// 529 or 5xx, or a connect error or timeout, before anything reached the client fails over to the next
// member, within `maxAttempts` and `deadlineMs`. A 2xx (or a 4xx the caller caused) is returned at once:
// its body then goes to the client, so nothing is ever retried after the first byte left.
import type { Deployment, PoolSettings } from '../../control/types.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';
import { GatewayError } from '../../errors/index.ts';
import type { BackendCall, PassthroughReply } from '../types.ts';
import type { UpstreamBackend } from '../upstream/index.ts';
import { affinityKey, homeOf, seedOf, tryOrder } from './choose.ts';
import { PoolMember } from './member.ts';

export { PoolMember } from './member.ts';

/** 429 without a retry-after still rests the member this long: it just said it is out of quota. */
const DEFAULT_REST_MS = 1_000;

/** A pool's members, made once per settings object (a config snapshot) and kept while it lives. */
interface PoolState {
  resource: string;
  deployment: string;
  members: PoolMember[];
  /** Each member's deployment, as the single-upstream backends read it. */
  deployments: Map<PoolMember, Deployment>;
  /** Keyed requests whose first choice was available and served them (for the affinity hit ratio). */
  affinity: { keyed: number; kept: number };
  failovers: number;
}

export interface PoolBackend extends UpstreamBackend {
  /** Every pool in use, for /metrics and `deployment show`. */
  pools(): Iterable<PoolState>;
}

export interface PoolBackendOptions {
  clock?: () => number;
  random?: () => number;
}

export function createPoolBackend(targets: { anthropic: UpstreamBackend; foundry: UpstreamBackend }, options: PoolBackendOptions = {}): PoolBackend {
  const clock = options.clock ?? Date.now;
  const states = new WeakMap<PoolSettings, PoolState>();
  // The pools of the current config, by resource and deployment: a reload replaces the entry.
  const current = new Map<string, PoolState>();

  function stateOf(call: BackendCall<unknown>): { state: PoolState; settings: PoolSettings } {
    const settings = call.deployment.pool;
    if (!settings) throw new GatewayError('api_error', `Deployment '${call.deployment.name}' has no pool settings.`);
    let state = states.get(settings);
    if (!state) {
      const members = settings.members.map((m) => new PoolMember(m, settings.breaker, seedOf(m.name)));
      const deployments = new Map(members.map((m) => [m, { ...call.deployment, backend: m.settings.backend, upstream: m.settings.upstream }] as const));
      state = { resource: call.resource.name, deployment: call.deployment.name, members, deployments, affinity: { keyed: 0, kept: 0 }, failovers: 0 };
      states.set(settings, state);
      current.set(`${call.resource.name}/${call.deployment.name}`, state);
    }
    return { state, settings };
  }

  async function route(call: BackendCall<{ model: string; system?: unknown; tools?: unknown; messages?: unknown }>, operation: 'messages' | 'countTokens'): Promise<PassthroughReply> {
    const { state, settings } = stateOf(call);
    const started = clock();
    const key = operation === 'messages' ? affinityKey(call.request, call.rawBody) : undefined;
    const order = tryOrder(state.members, started, key);
    if (order.length === 0) throw unplaceable(state, started);
    if (key) {
      state.affinity.keyed++;
      if (order[0] === homeOf(state.members, key)) state.affinity.kept++;
    }
    const attempts = call.route?.attempts ?? [];
    let last: PassthroughReply | GatewayError | undefined;
    for (const member of order) {
      if (attempts.length >= settings.maxAttempts) break;
      const now = clock();
      if (attempts.length > 0 && (now - started >= settings.deadlineMs || !member.available(now))) continue;
      if (last !== undefined) {
        state.failovers++;
        discard(last);
      }
      member.begin(now);
      member.inFlight++;
      const memberCall = { ...call, deployment: state.deployments.get(member)! } as BackendCall<MessagesRequest>;
      let reply: PassthroughReply;
      try {
        reply = await targets[member.settings.backend][operation](memberCall);
      } catch (err) {
        member.inFlight--;
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
        return reply;
      }
      member.inFlight--;
      member.failed(clock());
      if (reply.status === 429) member.coolFor(retryAfterMs(reply.headers) ?? DEFAULT_REST_MS, clock());
      last = reply;
    }
    // No member answered well. A 429 says the pool is out of quota: the caller is told when the first
    // member takes requests again; any other failure is passed on as the last member gave it.
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

/** Every member is resting or broken: 429 with the shortest wait of the pool. */
function unplaceable(state: PoolState, now: number): GatewayError {
  const waitMs = Math.max(1, Math.min(...state.members.map((m) => m.waitMs(now))));
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError(
    'rate_limited',
    `Every upstream of deployment '${state.deployment}' is rate limited or failing. Retry after ${seconds} s.`,
    { 'retry-after': String(seconds), 'retry-after-ms': String(Math.ceil(waitMs)) },
  );
}

/** A failed reply not passed on: its body is cut, so its connection is not left waiting. */
function discard(last: PassthroughReply | GatewayError): void {
  if (last instanceof GatewayError) return;
  const iterator = last.body[Symbol.asyncIterator]();
  void iterator.return?.();
}
