// The in-process limiter: three token buckets per scope (requests, input tokens, output tokens), each holding
// one minute's limit and refilling continuously at limit/60 s, as Anthropic describes its own limits (math.ts).
//
// Admission takes the whole demand (1 request, estimated input, max_tokens) from every scope at once,
// synchronously: in one Node process nothing runs between the check and the take, so concurrent requests cannot
// overdraw. A demand larger than a whole bucket is admitted only when the bucket is full (then it goes below zero
// and later requests wait it out), so no request is refused forever and the overshoot is at most that one request.
// A limit of 0 (a free trial's quota) admits nothing. Reconciling gives back (or takes) the difference.
import type { Demand, Limiter, Rejection, Reservation, Scope } from './index.ts';
import { addTo, capAt, covers, fullLevels, isSpent, type Levels, minus, refillAll, refusalOf, settlementOf } from './math.ts';

interface Bucket extends Levels {
  /** When the levels were last refilled (clock ms). */
  at: number;
  /** Out on loan to `--workers` workers (cluster-leases.ts): the bucket holds at most its limit less this. */
  lent?: Levels;
}

export interface MemoryLimiterOptions {
  /** Milliseconds; defaults to performance.now (monotonic). */
  clock?: () => number;
}

/** The in-process limiter's operations, synchronous: what the cluster primary (primary.ts) serves its workers from. */
export interface MemoryLimiter extends Limiter {
  reserve(scopes: readonly Scope[], demand: Demand): Reservation | Rejection;
  /** Gives `amounts` back to every scope (negative: takes more), as settling a reservation does; a worker's settlement. */
  give(scopes: readonly Scope[], amounts: Levels): void;
  /**
   * Lends `amounts` out of the scope's bucket if every level stays at or above `keep` after it. Until `repaid`, the
   * bucket refills only up to its limit less what is out, so what is lent and what remains never exceed the limit.
   */
  lend(scope: Scope, amounts: Levels, keep: Levels): boolean;
  /** A loan ends: `lent` is no longer out, and `unspent` of it comes back into the bucket. */
  repaid(scope: Scope, lent: Levels, unspent: Levels): void;
}

export function createMemoryLimiter(options: MemoryLimiterOptions = {}): MemoryLimiter {
  const clock = options.clock ?? (() => performance.now());
  const buckets = new Map<string, Bucket>();

  function bucketOf(scope: Scope, now: number): Bucket {
    const { limits } = scope;
    let bucket = buckets.get(scope.key);
    if (!bucket) {
      bucket = { ...fullLevels(limits), at: now };
      buckets.set(scope.key, bucket);
      return bucket;
    }
    refillAll(bucket, now - bucket.at, limits);
    if (bucket.lent) capAt(bucket, limits, bucket.lent);
    if (now > bucket.at) bucket.at = now;
    return bucket;
  }

  function give(scopes: readonly Scope[], amounts: Levels): void {
    const now = clock();
    for (const scope of scopes) {
      const bucket = bucketOf(scope, now);
      addTo(bucket, amounts);
      capAt(bucket, scope.limits, bucket.lent);
    }
  }

  return {
    reserve(scopes: readonly Scope[], demand: Demand): Reservation | Rejection {
      const now = clock();
      let refusal: Rejection | undefined;
      for (let i = 0; i < scopes.length; i++) refusal = refusalOf(bucketOf(scopes[i]!, now), scopes[i]!.limits, demand, i, refusal);
      if (refusal) return refusal;
      for (const scope of scopes) addTo(buckets.get(scope.key)!, demand, -1);
      return settlementOf(demand, (amounts) => give(scopes, amounts));
    },
    give,
    lend(scope, amounts, keep) {
      const bucket = bucketOf(scope, clock());
      if (!covers(minus(bucket, amounts), keep)) return false;
      addTo(bucket, amounts, -1);
      addTo((bucket.lent ??= { requests: 0, input: 0, output: 0 }), amounts);
      return true;
    },
    repaid(scope, lent, unspent) {
      const bucket = bucketOf(scope, clock());
      if (bucket.lent) {
        addTo(bucket.lent, lent, -1);
        if (isSpent(bucket.lent)) delete bucket.lent;
      }
      give([scope], unspent);
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
