// Rate limits: the limiter interface the data plane admits requests through, against Foundry's three limits
// (requests, uncached input tokens, output tokens per minute) on a deployment and on its subscription's pool.
// Three implementations: in-process (bucket.ts), shared by replicas on Redis (redis.ts: `reserve` atomic in one
// script, `reconcile`/`release` fire-and-forget), and shared by `--workers` through the cluster's primary process
// (primary.ts serves the in-process one, cluster.ts is the workers' side). select.ts picks one from the config.

import type { RateLimits } from '../control/types.ts';

export type { RateLimits };

/** What one request takes: 1 request, its estimated uncached input, its max_tokens of output. */
export interface Demand {
  requests: number;
  input: number;
  output: number;
}

/** Which of the three limits refused a request. */
export type LimitName = 'requests' | 'input' | 'output';

/** A budget to draw from: a deployment's, or a pool several deployments share. */
export interface Scope {
  key: string;
  limits: RateLimits;
}

export interface Reservation {
  readonly ok: true;
  /** Settles the tokens at what the request really used: the difference goes back (or is taken). Once. */
  reconcile(actual: { input: number; output: number }): void;
  /** Gives back the request and all its tokens, as if it never came. Once. */
  release(): void;
}

export interface Rejection {
  readonly ok: false;
  /** Which limit refused it. */
  readonly limit: LimitName;
  /** The index of the scope that refused it. */
  readonly scope: number;
  /** When the demand will fit, from now; Infinity when the limit is 0. */
  readonly retryAfterMs: number;
}

export interface Limiter {
  /** Takes `demand` from every scope if it fits all of them now, atomically; else says which limit refused and when it will fit. */
  reserve(scopes: readonly Scope[], demand: Demand): Reservation | Rejection | Promise<Reservation | Rejection>;
  /** Resolves when the limiter can admit exactly (its Redis or its primary answers); rejects saying why not. For `/readyz`. */
  ping(): Promise<void>;
  /** Ends its connections; admissions after it are not served. */
  close(): Promise<void>;
}

export { createMemoryLimiter, type MemoryLimiter, type MemoryLimiterOptions } from './bucket.ts';
export { deploymentLimits } from './capacity.ts';
export { defaultCapacity, defaultQuota, limitsFromCapacity, poolKey, quotaUnits, SUBSCRIPTION_TYPES } from './quota.ts';
