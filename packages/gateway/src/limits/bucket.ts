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
const NAMES: readonly LimitName[] = ['requests', 'input', 'output'];

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

  function bucketOf(scope: Scope, now: number): Bucket {
    const { limits } = scope;
    let bucket = buckets.get(scope.key);
    if (!bucket) {
      bucket = { requests: limits.rpm, input: limits.itpm, output: limits.otpm, at: now };
      buckets.set(scope.key, bucket);
      return bucket;
    }
    // Refilled for the time since, and capped when the limits were lowered since the last refill.
    const elapsed = now > bucket.at ? now - bucket.at : 0;
    bucket.requests = Math.min(limits.rpm, bucket.requests + (elapsed * limits.rpm) / MINUTE_MS);
    bucket.input = Math.min(limits.itpm, bucket.input + (elapsed * limits.itpm) / MINUTE_MS);
    bucket.output = Math.min(limits.otpm, bucket.output + (elapsed * limits.otpm) / MINUTE_MS);
    if (now > bucket.at) bucket.at = now;
    return bucket;
  }

  /** Milliseconds until `level` can give `demand` at `perMinute` (a whole bucket at most); Infinity for a limit of 0. */
  function waitMs(level: number, demand: number, perMinute: number): number {
    if (perMinute === 0) return demand > 0 ? Infinity : 0;
    const need = Math.min(demand, perMinute);
    return level >= need ? 0 : ((need - level) * MINUTE_MS) / perMinute;
  }

  function give(scopes: readonly Scope[], requests: number, input: number, output: number): void {
    const now = clock();
    for (const scope of scopes) {
      const bucket = bucketOf(scope, now);
      bucket.requests = Math.min(scope.limits.rpm, bucket.requests + requests);
      bucket.input = Math.min(scope.limits.itpm, bucket.input + input);
      bucket.output = Math.min(scope.limits.otpm, bucket.output + output);
    }
  }

  /** The longest wait any of the scope's three buckets asks for `demand`, as a refusal; undefined when all fit. */
  function refusalOf(bucket: Bucket, limits: RateLimits, demand: Demand, scope: number, worst: Rejection | undefined): Rejection | undefined {
    for (const name of NAMES) {
      const perMinute = name === 'requests' ? limits.rpm : name === 'input' ? limits.itpm : limits.otpm;
      const wait = waitMs(bucket[name], demand[name], perMinute);
      if (wait > 0 && (!worst || wait > worst.retryAfterMs)) worst = { ok: false, limit: name, scope, retryAfterMs: wait === Infinity ? Infinity : Math.ceil(wait) };
    }
    return worst;
  }

  return {
    reserve(scopes: readonly Scope[], demand: Demand): Reservation | Rejection {
      const now = clock();
      let refusal: Rejection | undefined;
      for (let i = 0; i < scopes.length; i++) refusal = refusalOf(bucketOf(scopes[i]!, now), scopes[i]!.limits, demand, i, refusal);
      if (refusal) return refusal;
      for (const scope of scopes) {
        const bucket = buckets.get(scope.key)!;
        bucket.requests -= demand.requests;
        bucket.input -= demand.input;
        bucket.output -= demand.output;
      }
      let settled = false;
      return {
        ok: true,
        reconcile(actual) {
          if (settled) return;
          settled = true;
          if (actual.input !== demand.input || actual.output !== demand.output) {
            give(scopes, 0, demand.input - actual.input, demand.output - actual.output);
          }
        },
        release() {
          if (settled) return;
          settled = true;
          give(scopes, demand.requests, demand.input, demand.output);
        },
      };
    },
  };
}
