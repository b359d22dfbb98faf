// A worker's limiter under `serve --workers N`: the primary (primary.ts) holds the one set of buckets all workers
// share, so the limits stay exact across workers. While a bucket is plentiful the primary lends this worker a
// slice of it (a lease), and requests that fit the lease are admitted here, synchronously, with no message at
// all; the rest (no lease, the lease too small, a bucket running low) are asked of the primary, batched with every
// other reserve and settlement of the same event-loop turn into one message. A lease goes back when it no longer
// covers a request, when it is `leaseMs` old, or when the primary recalls it (another worker would be refused
// without it). A primary that does not answer within the timeout gets the request a 503 saying the rate limiter
// is unreachable (the primary is gone only when the whole server is going down).
import { GatewayError } from '../errors/index.ts';
import { batcher, isLimitsMessage, type PrimaryItem, type WorkerItem } from './cluster-messages.ts';
import type { Demand, Limiter, RateLimits, Rejection, Reservation, Scope } from './index.ts';
import { addTo, covers as coversLevels, type Levels, sameLimits, settlementOf } from './math.ts';

export interface ClusterLimiterOptions {
  /** How long a reserve waits for the primary; default 1000 ms. */
  timeoutMs?: number;
  /** A lease is repaid once this old (so spent capacity returns to refilling at the primary); default 1000 ms. */
  leaseMs?: number;
  /** The IPC channel; default this process's (a cluster worker's). */
  channel?: Pick<NodeJS.Process, 'send' | 'on' | 'off'>;
}

interface Lease {
  id: number;
  key: string;
  limits: RateLimits;
  /** What was lent. */
  size: Levels;
  /** What this worker may still take; settlements of reservations it funded come back here. */
  left: Levels;
  at: number;
}

type Waiter = (answer: PrimaryItem | undefined) => void;

const covers = (lease: Lease | undefined, scope: Scope, demand: Demand): boolean =>
  lease !== undefined && coversLevels(lease.left, demand) && sameLimits(lease.limits, scope.limits);

export function createClusterLimiter(options: ClusterLimiterOptions = {}): Limiter {
  const channel = options.channel ?? process;
  const timeoutMs = options.timeoutMs ?? 1000;
  const leaseMs = options.leaseMs ?? 1000;
  if (typeof channel.send !== 'function') throw new Error('createClusterLimiter() runs in a cluster worker (or a child with an IPC channel); this process has none.');
  const waiting = new Map<number, Waiter>();
  const leases = new Map<string, Lease>();
  // A channel closed under us (the primary gone: the whole server is stopping) reports to the callback instead of
  // raising 'error' on the process; what was not sent has no one left to receive it.
  const out = batcher<WorkerItem>((batch) => channel.send!(batch, undefined, undefined, () => {}));
  let next = 1;

  const repay = (lease: Lease) => {
    leases.delete(lease.key);
    out.push({ op: 'repay', key: lease.key, lease: lease.id, unspent: lease.left });
  };

  const onMessage = (message: unknown) => {
    if (!isLimitsMessage(message)) return;
    for (const item of message.items as PrimaryItem[]) {
      if (item.op === 'lease') {
        const held = leases.get(item.key);
        if (held) repay(held);
        leases.set(item.key, { id: item.lease, key: item.key, limits: item.limits, size: item.amounts, left: { ...item.amounts }, at: performance.now() });
      } else if (item.op === 'recall') {
        for (const key of item.keys) {
          const lease = leases.get(key);
          if (lease) repay(lease);
        }
        out.flush();
      } else {
        const waiter = waiting.get(item.id);
        waiting.delete(item.id);
        waiter?.(item);
      }
    }
  };
  channel.on('message', onMessage);

  // Old leases go back, so what was spent from them returns to refilling at the primary.
  const expiry = setInterval(() => {
    const now = performance.now();
    for (const lease of leases.values()) if (now - lease.at >= leaseMs) repay(lease);
  }, Math.max(10, leaseMs / 2));
  expiry.unref();

  function ask(item: WorkerItem & { id: number }): Promise<PrimaryItem | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(item.id);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(item.id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      out.push(item);
    });
  }

  /** Settles `amounts` of a reservation: into the leases that funded it while they are held, else to the primary. */
  function giveBack(scopes: readonly Scope[], funded: readonly (Lease | undefined)[], amounts: Levels): void {
    let toPrimary: Scope[] | undefined;
    for (let i = 0; i < scopes.length; i++) {
      const lease = funded[i];
      if (lease && leases.get(lease.key) === lease) addTo(lease.left, amounts);
      else (toPrimary ??= []).push(scopes[i]!);
    }
    if (toPrimary) out.push({ op: 'give', scopes: toPrimary, amounts });
  }

  function settlement(scopes: readonly Scope[], demand: Demand, funded: readonly (Lease | undefined)[]): Reservation {
    return settlementOf(demand, (amounts) => giveBack(scopes, funded, amounts));
  }

  async function askPrimary(scopes: readonly Scope[], demand: Demand): Promise<Reservation | Rejection> {
    const answer = await ask({ op: 'reserve', id: next++, scopes: scopes as Scope[], demand });
    if (!answer) throw new GatewayError('rate_limiter_unavailable', `The rate limiter is unreachable (the primary process did not answer within ${timeoutMs} ms). Retry shortly.`, { 'retry-after': '1' });
    if (answer.op === 'refused') return { ok: false, limit: answer.limit, scope: answer.scope, retryAfterMs: answer.retryAfterMs < 0 ? Infinity : answer.retryAfterMs };
    if (answer.op !== 'reserved') throw new Error(`unexpected answer '${answer.op}' from the primary to a reserve`);
    return settlement(scopes, demand, []);
  }

  return {
    reserve(scopes: readonly Scope[], demand: Demand): Reservation | Promise<Reservation | Rejection> {
      let local = true;
      for (const scope of scopes) if (!covers(leases.get(scope.key), scope, demand)) local = false;
      if (local) {
        const funded = scopes.map((scope) => leases.get(scope.key)!);
        for (const lease of funded) addTo(lease.left, demand, -1);
        return settlement(scopes, demand, funded);
      }
      // A slice too spent to cover the request goes back before the ask, so the primary decides on the whole
      // bucket (and may lend a fresh one). One that no slice could cover (a large max_tokens) leaves it be.
      for (const scope of scopes) {
        const lease = leases.get(scope.key);
        if (lease && !covers(lease, scope, demand) && coversLevels(lease.size, demand)) repay(lease);
      }
      return askPrimary(scopes, demand);
    },
    async ping() {
      const answer = await ask({ op: 'ping', id: next++ });
      if (!answer) throw new Error(`the primary process did not answer within ${timeoutMs} ms`);
    },
    async close() {
      clearInterval(expiry);
      for (const lease of leases.values()) repay(lease);
      out.flush();
      channel.off('message', onMessage);
      for (const waiter of waiting.values()) waiter(undefined);
      waiting.clear();
    },
  };
}
