// The cluster primary's side of the workers' shared limits: one in-process limiter (bucket.ts) for every worker,
// so `serve --workers N` on the embedded store admits exactly what one process would. Each worker's reserve is a
// message answered synchronously from the buckets; its reconcile and release settle the reservation it names.
// A worker that exits leaves its open reservations as they are (the estimate stands, as for an aborted request).
import type { Cluster, Worker } from 'node:cluster';
import { createMemoryLimiter, type MemoryLimiter } from './bucket.ts';
import { CHANNEL, isLimitsMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.ts';
import type { Reservation } from './index.ts';

export interface ClusterLimiterService {
  /** Reservations granted and not yet settled, for tests and diagnostics. */
  open(): number;
  /** Stops answering (the limiter's buckets go with it). */
  close(): void;
}

/** Serves the workers of `cluster` from one in-process limiter; call in the primary before forking. */
export function serveClusterLimiter(cluster: Cluster, limiter: MemoryLimiter = createMemoryLimiter()): ClusterLimiterService {
  const open = new Map<Worker, Map<number, Reservation>>();
  let next = 1;

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isLimitsMessage(message)) return;
    const m = message as WorkerMessage;
    let mine = open.get(worker);
    if (!mine) open.set(worker, (mine = new Map()));
    if (m.op === 'reserve') {
      const outcome = limiter.reserve(m.scopes, m.demand);
      let answer: PrimaryMessage;
      if (outcome.ok) {
        const reservation = next++;
        mine.set(reservation, outcome);
        answer = { channel: CHANNEL, op: 'reserved', id: m.id, reservation };
      } else {
        answer = { channel: CHANNEL, op: 'refused', id: m.id, limit: outcome.limit, scope: outcome.scope, retryAfterMs: outcome.retryAfterMs === Infinity ? -1 : outcome.retryAfterMs };
      }
      send(worker, answer);
    } else if (m.op === 'reconcile' || m.op === 'release') {
      const reservation = mine.get(m.reservation);
      mine.delete(m.reservation);
      if (m.op === 'reconcile') reservation?.reconcile(m.actual);
      else reservation?.release();
    } else if (m.op === 'ping') {
      send(worker, { channel: CHANNEL, op: 'pong', id: m.id });
    }
  };
  const onExit = (worker: Worker) => open.delete(worker);
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    open: () => [...open.values()].reduce((n, m) => n + m.size, 0),
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      open.clear();
    },
  };
}

function send(worker: Worker, message: PrimaryMessage): void {
  // A worker that is exiting cannot be answered; its request went with it.
  if (worker.isConnected()) worker.send(message);
}
