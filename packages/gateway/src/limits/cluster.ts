// A worker's limiter under `serve --workers N`: every reserve is asked of the primary (primary.ts), which holds
// the one set of buckets all workers share, so the limits stay exact across workers. Settlements are sent and
// not awaited. A primary that does not answer within the timeout gets the request a 503 saying the rate limiter
// is unreachable (the primary is gone only when the whole server is going down).
import { GatewayError } from '../errors/index.ts';
import { CHANNEL, isLimitsMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.ts';
import type { Demand, Limiter, Rejection, Reservation, Scope } from './index.ts';
import { settledOnce } from './math.ts';

export interface ClusterLimiterOptions {
  /** How long a reserve waits for the primary; default 1000 ms. */
  timeoutMs?: number;
  /** The IPC channel; default this process's (a cluster worker's). */
  channel?: Pick<NodeJS.Process, 'send' | 'on' | 'off'>;
}

type Waiter = (answer: PrimaryMessage | undefined) => void;

export function createClusterLimiter(options: ClusterLimiterOptions = {}): Limiter {
  const channel = options.channel ?? process;
  const timeoutMs = options.timeoutMs ?? 1000;
  if (typeof channel.send !== 'function') throw new Error('createClusterLimiter() runs in a cluster worker (or a child with an IPC channel); this process has none.');
  const waiting = new Map<number, Waiter>();
  let next = 1;

  const onMessage = (message: unknown) => {
    if (!isLimitsMessage(message)) return;
    const m = message as PrimaryMessage;
    const waiter = waiting.get(m.id);
    waiting.delete(m.id);
    waiter?.(m);
  };
  channel.on('message', onMessage);

  const post = (message: WorkerMessage) => channel.send!(message);

  function ask(message: WorkerMessage & { id: number }): Promise<PrimaryMessage | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(message.id);
        resolve(undefined);
      }, timeoutMs);
      waiting.set(message.id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      post(message);
    });
  }

  return {
    async reserve(scopes: readonly Scope[], demand: Demand): Promise<Reservation | Rejection> {
      const answer = await ask({ channel: CHANNEL, op: 'reserve', id: next++, scopes: scopes as Scope[], demand });
      if (!answer) throw new GatewayError('rate_limiter_unavailable', `The rate limiter is unreachable (the primary process did not answer within ${timeoutMs} ms). Retry shortly.`, { 'retry-after': '1' });
      if (answer.op === 'refused') return { ok: false, limit: answer.limit, scope: answer.scope, retryAfterMs: answer.retryAfterMs < 0 ? Infinity : answer.retryAfterMs };
      if (answer.op !== 'reserved') throw new Error(`unexpected answer '${answer.op}' from the primary to a reserve`);
      const reservation = answer.reservation;
      return settledOnce({
        reconcile: (actual) => post({ channel: CHANNEL, op: 'reconcile', reservation, actual }),
        release: () => post({ channel: CHANNEL, op: 'release', reservation }),
      });
    },
    async ping() {
      const answer = await ask({ channel: CHANNEL, op: 'ping', id: next++ });
      if (!answer) throw new Error(`the primary process did not answer within ${timeoutMs} ms`);
    },
    async close() {
      channel.off('message', onMessage);
      for (const waiter of waiting.values()) waiter(undefined);
      waiting.clear();
    },
  };
}
