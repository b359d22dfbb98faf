// The in-process limiter: two token buckets per key (requests and tokens), each holding one minute's
// limit and refilling continuously at limit/60 s, as Anthropic describes its own limits.
//
// Admission takes the whole demand (estimated input + max_tokens) up front, synchronously: in one
// Node process nothing runs between the check and the take, so concurrent requests cannot overdraw.
// A demand larger than a whole bucket is admitted only when the bucket is full (then it goes below
// zero and later requests wait it out), so no request is refused forever and the overshoot is at
// most that one request. Reconciling gives back (or takes) the difference with the real usage.
import type { Demand, Limiter, RateLimits, Rejection, Reservation } from './index.ts';

const MINUTE_MS = 60_000;

interface Bucket {
  requests: number;
  tokens: number;
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

  function refill(bucket: Bucket, limits: RateLimits, now: number): void {
    const elapsed = now - bucket.at;
    if (elapsed > 0) {
      bucket.requests = Math.min(limits.rpm, bucket.requests + (elapsed * limits.rpm) / MINUTE_MS);
      bucket.tokens = Math.min(limits.tpm, bucket.tokens + (elapsed * limits.tpm) / MINUTE_MS);
      bucket.at = now;
    } else {
      // Limits may have been lowered since the last refill.
      bucket.requests = Math.min(limits.rpm, bucket.requests);
      bucket.tokens = Math.min(limits.tpm, bucket.tokens);
    }
  }

  /** Milliseconds until `level` reaches `need` at `perMinute`. */
  function waitMs(level: number, need: number, perMinute: number): number {
    return level >= need ? 0 : ((need - level) * MINUTE_MS) / perMinute;
  }

  function adjust(key: string, limits: RateLimits, requests: number, tokens: number): void {
    const bucket = buckets.get(key);
    if (!bucket) return;
    refill(bucket, limits, clock());
    bucket.requests = Math.min(limits.rpm, bucket.requests + requests);
    bucket.tokens = Math.min(limits.tpm, bucket.tokens + tokens);
  }

  return {
    reserve(key: string, limits: RateLimits, demand: Demand): Reservation | Rejection {
      const now = clock();
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { requests: limits.rpm, tokens: limits.tpm, at: now };
        buckets.set(key, bucket);
      } else {
        refill(bucket, limits, now);
      }
      const requestWait = waitMs(bucket.requests, Math.min(demand.requests, limits.rpm), limits.rpm);
      const tokenWait = waitMs(bucket.tokens, Math.min(demand.tokens, limits.tpm), limits.tpm);
      if (requestWait > 0 || tokenWait > 0) {
        return { ok: false, limit: tokenWait >= requestWait ? 'tokens' : 'requests', retryAfterMs: Math.ceil(Math.max(requestWait, tokenWait)) };
      }
      bucket.requests -= demand.requests;
      bucket.tokens -= demand.tokens;
      let settled = false;
      return {
        ok: true,
        tokens: demand.tokens,
        reconcile(actualTokens: number) {
          if (settled) return;
          settled = true;
          if (actualTokens !== demand.tokens) adjust(key, limits, 0, demand.tokens - actualTokens);
        },
        release() {
          if (settled) return;
          settled = true;
          adjust(key, limits, demand.requests, demand.tokens);
        },
      };
    },
  };
}
