// The token-bucket arithmetic every limiter shares: a bucket holds one minute's limit and refills continuously at
// limit/60 s; a demand fits when the level covers it (a demand larger than the whole bucket fits a full bucket);
// a refusal names the limit that asks for the longest wait. The in-process limiter (bucket.ts) runs it directly;
// the Redis limiter's script (redis-scripts.ts) repeats only `refilled` and `fits`, and hands the levels back so
// the retry-after of a refusal is computed here — test/limits-redis.test.ts checks both agree step for step.
import type { Demand, LimitName, RateLimits, Rejection, Reservation } from './index.ts';

const MINUTE_MS = 60_000;
export const LIMIT_NAMES: readonly LimitName[] = ['requests', 'input', 'output'];

export type Levels = Record<LimitName, number>;

function perMinute(limits: RateLimits, name: LimitName): number {
  return name === 'requests' ? limits.rpm : name === 'input' ? limits.itpm : limits.otpm;
}

/** A full bucket: what a scope has before its first request (or after its key expired in Redis). */
export function fullLevels(limits: RateLimits): Levels {
  return { requests: limits.rpm, input: limits.itpm, output: limits.otpm };
}

/** `level` after `elapsedMs` of refill, capped at the limit (also when the limit was lowered since). */
export function refilled(level: number, elapsedMs: number, limit: number): number {
  return Math.min(limit, level + (elapsedMs > 0 ? (elapsedMs * limit) / MINUTE_MS : 0));
}

/** Milliseconds until `level` can give `demand` at `limit` a minute (a whole bucket at most); Infinity for a limit of 0. */
function waitMs(level: number, demand: number, limit: number): number {
  if (limit === 0) return demand > 0 ? Infinity : 0;
  const need = Math.min(demand, limit);
  return level >= need ? 0 : ((need - level) * MINUTE_MS) / limit;
}

/** The longest wait any of a scope's three buckets asks for `demand`, as a refusal, if longer than `worst`'s. */
export function refusalOf(levels: Levels, limits: RateLimits, demand: Demand, scope: number, worst: Rejection | undefined): Rejection | undefined {
  for (const name of LIMIT_NAMES) {
    const wait = waitMs(levels[name], demand[name], perMinute(limits, name));
    if (wait > 0 && (!worst || wait > worst.retryAfterMs)) worst = { ok: false, limit: name, scope, retryAfterMs: wait === Infinity ? Infinity : Math.ceil(wait) };
  }
  return worst;
}

/** Limits divided among `replicas`: each replica's share while they cannot share one bucket (Redis unreachable). */
export function shareOf(limits: RateLimits, replicas: number): RateLimits {
  return replicas <= 1 ? limits : { rpm: limits.rpm / replicas, itpm: limits.itpm / replicas, otpm: limits.otpm / replicas };
}

/**
 * A reservation that settles once, whichever comes first: `reconcile` with the usage the reply reported, or
 * `release` of all of it. Every limiter (in process, Redis, the cluster's primary) hands these out.
 */
export function settledOnce(settle: { reconcile(actual: { input: number; output: number }): void; release(): void }): Reservation {
  let settled = false;
  return {
    ok: true,
    reconcile(actual) {
      if (settled) return;
      settled = true;
      settle.reconcile(actual);
    },
    release() {
      if (settled) return;
      settled = true;
      settle.release();
    },
  };
}
