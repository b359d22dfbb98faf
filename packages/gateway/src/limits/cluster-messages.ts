// What the workers of `serve --workers N` and their primary say to each other about rate limits, over the
// cluster's IPC channel (JSON: Infinity travels as -1). One request, one answer; settlements are not answered.
import type { Demand, LimitName, Scope } from './index.ts';

/** Marks the limiter's messages among whatever else the cluster sends. */
export const CHANNEL = 'claude-foundry:limits';

export type WorkerMessage =
  | { channel: typeof CHANNEL; op: 'reserve'; id: number; scopes: Scope[]; demand: Demand }
  | { channel: typeof CHANNEL; op: 'reconcile'; reservation: number; actual: { input: number; output: number } }
  | { channel: typeof CHANNEL; op: 'release'; reservation: number }
  | { channel: typeof CHANNEL; op: 'ping'; id: number };

export type PrimaryMessage =
  | { channel: typeof CHANNEL; op: 'reserved'; id: number; reservation: number }
  | { channel: typeof CHANNEL; op: 'refused'; id: number; limit: LimitName; scope: number; retryAfterMs: number }
  | { channel: typeof CHANNEL; op: 'pong'; id: number };

export function isLimitsMessage(message: unknown): message is { channel: typeof CHANNEL; op: string } {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}
