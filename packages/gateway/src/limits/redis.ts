// The limiter replicas share: every bucket in Redis, each admission one atomic script over all of the request's
// scopes (redis-scripts.ts), so N replicas admit exactly what one process would. Reconcile and release are one
// more script each, sent without waiting (the request is answered already).
//
// While Redis is unreachable (not connected, or a command not answered within the timeout) no request waits for
// it: each deployment does what `limits.redisDown` says for it — `fail-closed` answers 503 saying the rate
// limiter is unreachable; `local` admits from in-process buckets holding limit/N (N = `limits.replicas`), so the
// replicas together stay near the limit. Once Redis answers again, admissions are exact again (a restarted Redis
// starts with full buckets). Settlements of reservations made while it was away stay local.
import { GatewayError } from '../errors/index.ts';
import { createMemoryLimiter } from './bucket.ts';
import type { Demand, Limiter, Rejection, Reservation, Scope } from './index.ts';
import { LIMIT_NAMES, refusalOf, settledOnce, shareOf } from './math.ts';
import type { SharedRedis } from './redis-client.ts';
import { GIVE_SCRIPT, RESERVE_SCRIPT } from './redis-scripts.ts';

export type RedisDownMode = 'fail-closed' | 'local';
export const REDIS_DOWN_MODES: readonly RedisDownMode[] = ['fail-closed', 'local'];

export interface RedisLimiterOptions {
  redis: SharedRedis;
  /** What the deployment of this scope key (`{resource}/{deployment}`, lower-case resource) does while Redis is away. */
  whenDown: (deploymentKey: string) => RedisDownMode;
  /** How many replicas share the limits: each one's share of a limit while Redis is away. */
  replicas: number;
}

/** The scripts, as ioredis defines them (EVALSHA, and EVAL again when a restarted Redis lost its script cache). */
interface Scripts {
  cfReserve(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<(number | string)[]>;
  cfGive(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { redis, replicas } = options;
  redis.client.defineCommand('cfReserve', { lua: RESERVE_SCRIPT });
  redis.client.defineCommand('cfGive', { lua: GIVE_SCRIPT });
  const scripts = redis.client as unknown as Scripts;
  const local = createMemoryLimiter();
  const prefix = `${redis.keyPrefix}lim:`;

  function keysAndArgs(scopes: readonly Scope[], amounts: Demand): (string | number)[] {
    // Without the deployment's `@instance`: replicas with stores of their own (the config's seed in each) give one
    // deployment different instances. A re-created deployment so meets its predecessor's bucket, full within a minute.
    const out: (string | number)[] = scopes.map((s) => prefix + s.key.replace(/@[^/]*$/, ''));
    out.push(amounts.requests, amounts.input, amounts.output);
    for (const s of scopes) out.push(s.limits.rpm, s.limits.itpm, s.limits.otpm);
    return out;
  }

  function give(scopes: readonly Scope[], back: Demand): void {
    if (!redis.ready()) return; // the bucket keeps what was reserved: the safe side
    scripts.cfGive(scopes.length, ...keysAndArgs(scopes, back)).catch((err: unknown) => redis.failed(err));
  }

  function withoutRedis(scopes: readonly Scope[], demand: Demand): Reservation | Rejection {
    const deployment = scopes[0]!.key.replace(/@[^/]*$/, '');
    if (options.whenDown(deployment) === 'fail-closed') {
      throw new GatewayError(
        'rate_limiter_unavailable',
        `The rate limiter is unreachable (Redis does not answer), so requests to deployment '${deployment.slice(deployment.indexOf('/') + 1)}' are refused rather than admitted unmetered. Retry shortly; an operator can set limits.redisDown to "local" to admit from per-replica limits meanwhile.`,
        { 'retry-after': '1' },
      );
    }
    return local.reserve(scopes.map((s) => ({ key: s.key, limits: shareOf(s.limits, replicas) })), demand);
  }

  return {
    async reserve(scopes: readonly Scope[], demand: Demand): Promise<Reservation | Rejection> {
      if (!redis.ready()) return withoutRedis(scopes, demand);
      let reply: (number | string)[];
      try {
        reply = await scripts.cfReserve(scopes.length, ...keysAndArgs(scopes, demand));
      } catch (err) {
        redis.failed(err);
        return withoutRedis(scopes, demand);
      }
      if (reply[0] === 1) {
        return settledOnce({
          reconcile(actual) {
            if (actual.input !== demand.input || actual.output !== demand.output) give(scopes, { requests: 0, input: demand.input - actual.input, output: demand.output - actual.output });
          },
          release: () => give(scopes, demand),
        });
      }
      let refusal: Rejection | undefined;
      for (let i = 0; i < scopes.length; i++) {
        const at = 1 + i * 3;
        const levels = Object.fromEntries(LIMIT_NAMES.map((name, j) => [name, Number(reply[at + j])])) as Record<(typeof LIMIT_NAMES)[number], number>;
        refusal = refusalOf(levels, scopes[i]!.limits, demand, i, refusal);
      }
      // The script and math.ts agree on what fits; should rounding ever differ, the shortest honest answer is "now".
      return refusal ?? { ok: false, limit: 'requests', scope: 0, retryAfterMs: 1 };
    },
    ping: () => redis.ping(),
    // The connection is the gateway's (budgets use it too): it closes it.
    close: () => Promise.resolve(),
  };
}
