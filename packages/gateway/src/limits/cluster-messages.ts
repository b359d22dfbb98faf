// What the workers of `serve --workers N` and their primary say to each other about rate limits, over the
// cluster's IPC channel (JSON: Infinity travels as -1). Each side sends at most one message per event-loop turn,
// a batch of items: every reserve, settlement and repaid lease of that turn, and every answer to them.
import type { Demand, LimitName, RateLimits, Scope } from './index.ts';
import type { Levels } from './math.ts';

/** Marks the limiter's messages among whatever else the cluster sends. */
export const CHANNEL = 'claude-foundry:limits';

export type WorkerItem =
  /** Asks the primary's buckets; answered with `reserved` or `refused` (and maybe a `lease`). */
  | { op: 'reserve'; id: number; scopes: Scope[]; demand: Demand }
  /** Settles a reservation the primary's buckets granted (or one a repaid lease funded): `amounts` go back. */
  | { op: 'give'; scopes: Scope[]; amounts: Levels }
  /** Ends a lease: what is left of it goes back to the primary's bucket. */
  | { op: 'repay'; key: string; lease: number; unspent: Levels }
  | { op: 'ping'; id: number };

export type PrimaryItem =
  | { op: 'reserved'; id: number }
  | { op: 'refused'; id: number; limit: LimitName; scope: number; retryAfterMs: number }
  /** A slice of the scope's bucket the worker may spend locally until it repays it. */
  | { op: 'lease'; key: string; lease: number; limits: RateLimits; amounts: Levels }
  /** Repay these scopes' leases now: another worker's request would be refused without them. */
  | { op: 'recall'; keys: string[] }
  | { op: 'pong'; id: number };

export interface Batch<Item> {
  channel: typeof CHANNEL;
  items: Item[];
}

export function isLimitsMessage(message: unknown): message is Batch<unknown> {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}

/**
 * Items queued during one event-loop turn, sent as one message when the turn's I/O callbacks are done
 * (setImmediate), so N requests parsed in one turn cost one IPC message, not N.
 */
export function batcher<Item>(send: (batch: Batch<Item>) => void): { push(item: Item): void; flush(): void } {
  let items: Item[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (items.length === 0) return;
    const batch = { channel: CHANNEL, items } as const;
    items = [];
    send(batch);
  };
  return {
    push(item) {
      items.push(item);
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
