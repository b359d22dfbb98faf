// Rate limits per deployment: the limiter interface the data plane admits requests through.
// The in-process limiter (bucket.ts) is the one that exists; a shared (Redis) one implements the same
// interface, with `reserve` done atomically in one script and `reconcile`/`release` fire-and-forget.

import type { RateLimits } from '../control/types.ts';

export type { RateLimits };

/** What one request takes from its deployment's budget. */
export interface Demand {
  requests: number;
  tokens: number;
}

export interface Reservation {
  readonly ok: true;
  /** The tokens taken at admission. */
  readonly tokens: number;
  /** Settles the tokens at what the request really used: the difference goes back (or is taken). Once. */
  reconcile(actualTokens: number): void;
  /** Gives back the request and all its tokens, as if it never came. Once. */
  release(): void;
}

export interface Rejection {
  readonly ok: false;
  /** Which limit refused it. */
  readonly limit: 'requests' | 'tokens';
  /** When the demand will fit, from now. */
  readonly retryAfterMs: number;
}

export interface Limiter {
  /** Takes `demand` from `key`'s budget if it fits now, atomically; else says when it will. */
  reserve(key: string, limits: RateLimits, demand: Demand): Reservation | Rejection | Promise<Reservation | Rejection>;
}

export { createMemoryLimiter, type MemoryLimiterOptions } from './bucket.ts';
export { deploymentLimits, limitsFromCapacity } from './capacity.ts';
