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

/** A lease (from the `--workers` primary or from Redis) is this share of each of the scope's limits. */
export const LEASE_SHARE = 1 / 64;
/** Lent only while the bucket keeps at least this share of each limit. */
export const KEEP_SHARE = 1 / 2;

/** Nothing: a lease or a settlement with no amounts. */
export const NONE: Readonly<Levels> = Object.freeze({ requests: 0, input: 0, output: 0 });

/** A scope's limits as levels, each times `share` (a lease's size, or the level a lender keeps). */
export function limitsTimes(limits: RateLimits, share: number): Levels {
  return { requests: limits.rpm * share, input: limits.itpm * share, output: limits.otpm * share };
}

/** Adds `amounts` × `sign` to `into`, field by field (sign -1 takes them). */
export function addTo(into: Levels, amounts: Readonly<Levels>, sign = 1): void {
  into.requests += sign * amounts.requests;
  into.input += sign * amounts.input;
  into.output += sign * amounts.output;
}

/** `a` less `b`, field by field, as new levels. */
export function minus(a: Readonly<Levels>, b: Readonly<Levels>): Levels {
  return { requests: a.requests - b.requests, input: a.input - b.input, output: a.output - b.output };
}

/** Whether every level of `have` is at least `need`'s. */
export function covers(have: Readonly<Levels>, need: Readonly<Levels>): boolean {
  return have.requests >= need.requests && have.input >= need.input && have.output >= need.output;
}

/** Whether every level is zero or less (a loan fully repaid). */
export function isSpent(levels: Readonly<Levels>): boolean {
  return levels.requests <= 0 && levels.input <= 0 && levels.output <= 0;
}

/** Caps `levels` at `limits` less `lent` (what is out on loan), field by field. */
export function capAt(levels: Levels, limits: RateLimits, lent: Readonly<Levels> = NONE): void {
  levels.requests = Math.min(limits.rpm - lent.requests, levels.requests);
  levels.input = Math.min(limits.itpm - lent.input, levels.input);
  levels.output = Math.min(limits.otpm - lent.output, levels.output);
}

/** Refills `levels` by `elapsedMs` at `limits`, each capped at its limit. */
export function refillAll(levels: Levels, elapsedMs: number, limits: RateLimits): void {
  levels.requests = refilled(levels.requests, elapsedMs, limits.rpm);
  levels.input = refilled(levels.input, elapsedMs, limits.itpm);
  levels.output = refilled(levels.output, elapsedMs, limits.otpm);
}

/** Whether two scopes' limits are the same (a lease is spent only under the limits it was lent for). */
export function sameLimits(a: RateLimits, b: RateLimits): boolean {
  return a.rpm === b.rpm && a.itpm === b.itpm && a.otpm === b.otpm;
}

/** Limits divided among `replicas`: each replica's share while they cannot share one bucket (Redis unreachable). */
export function shareOf(limits: RateLimits, replicas: number): RateLimits {
  return replicas <= 1 ? limits : { rpm: limits.rpm / replicas, itpm: limits.itpm / replicas, otpm: limits.otpm / replicas };
}

/**
 * The reservation of `demand` every limiter hands out: settled once, reconciling gives back (or takes, when
 * negative) what the request did not use, releasing gives back all of it; `give` does the giving.
 */
export function settlementOf(demand: Readonly<Demand>, give: (amounts: Levels) => void): Reservation {
  return settledOnce({
    reconcile(actual) {
      if (actual.input !== demand.input || actual.output !== demand.output) give({ requests: 0, input: demand.input - actual.input, output: demand.output - actual.output });
    },
    release: () => give({ requests: demand.requests, input: demand.input, output: demand.output }),
  });
}

/**
 * A reservation that settles once, whichever comes first: `reconcile` with the usage the reply reported, or
 * `release` of all of it. Every limiter (in process, Redis, the cluster's primary) hands these out.
 */
function settledOnce(settle: { reconcile(actual: { input: number; output: number }): void; release(): void }): Reservation {
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
