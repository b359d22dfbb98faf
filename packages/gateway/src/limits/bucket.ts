// The in-process limiter: three token buckets per scope (requests, input tokens, output tokens), each holding
// one minute's limit and refilling continuously at limit/60 s, as Anthropic describes its own limits.
//
// Admission takes the whole demand (1 request, estimated input, max_tokens) from every scope at once,
// synchronously: in one Node process nothing runs between the check and the take, so concurrent requests cannot
// overdraw. A demand larger than a whole bucket is admitted only when the bucket is full (then it goes below zero
// and later requests wait it out), so no request is refused forever and the overshoot is at most that one request.
// A limit of 0 (a free trial's quota) admits nothing. Reconciling gives back (or takes) the difference.
import type { Demand, LimitName, Limiter, RateLimits, Rejection, Reservation, Scope } from './index.ts';

const MINUTE_MS = 60_000;
const DIMENSIONS: ReadonlyArray<[LimitName, keyof RateLimits]> = [['requests', 'rpm'], ['input', 'itpm'], ['output', 'otpm']];

type Levels = Record<LimitName, number>;

interface Bucket extends Levels {
  /** When the levels were last refilled (clock ms). */
  at: number;
}

export interface MemoryLimiterOptions {
  /** Milliseconds; defaults to performance.now (monotonic). */
  clock?: () => number;
}

export function createMemoryLimiter(options: MemoryLimiterOptions = {}): Limiter {
  const clock = options.clock ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();

  function bucketOf({ key, limits }: Scope, now: number): Bucket {
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { requests: limits.rpm, input: limits.itpm, output: limits.otpm, at: now };
      buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.at);
    // Also caps the levels when the limits were lowered since the last refill.
    for (const [name, limit] of DIMENSIONS) bucket[name] = Math.min(limits[limit], bucket[name] + (elapsed * limits[limit]) / MINUTE_MS);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  /** Milliseconds until `level` can give `demand` at `perMinute` (a whole bucket at most); Infinity for a limit of 0. */
  function waitMs(level: number, demand: number, perMinute: number): number {
    if (perMinute === 0) return demand > 0 ? Infinity : 0;
    const need = Math.min(demand, perMinute);
    return level >= need ? 0 : ((need - level) * MINUTE_MS) / perMinute;
  }

  function give(scopes: readonly Scope[], back: Levels): void {
    const now = clock();
    for (const scope of scopes) {
      const bucket = bucketOf(scope, now);
      for (const [name, limit] of DIMENSIONS) bucket[name] = Math.min(scope.limits[limit], bucket[name] + back[name]);
    }
  }

  return {
    reserve(scopes: readonly Scope[], demand: Demand): Reservation | Rejection {
      const now = clock();
      const found = scopes.map((scope) => bucketOf(scope, now));
      let refusal: Rejection | undefined;
      found.forEach((bucket, index) => {
        const limits = scopes[index]!.limits;
        for (const [name, limit] of DIMENSIONS) {
          const wait = waitMs(bucket[name], demand[name], limits[limit]);
          if (wait > 0 && (!refusal || wait > refusal.retryAfterMs)) refusal = { ok: false, limit: name, scope: index, retryAfterMs: wait === Infinity ? Infinity : Math.ceil(wait) };
        }
      });
      if (refusal) return refusal;
      for (const bucket of found) for (const [name] of DIMENSIONS) bucket[name] -= demand[name];
      let settled = false;
      return {
        ok: true,
        reconcile(actual) {
          if (settled) return;
          settled = true;
          if (actual.input !== demand.input || actual.output !== demand.output) {
            give(scopes, { requests: 0, input: demand.input - actual.input, output: demand.output - actual.output });
          }
        },
        release() {
          if (settled) return;
          settled = true;
          give(scopes, demand);
        },
      };
    },
  };
}
