// The cluster primary's side of the workers' shared limits: one in-process limiter (bucket.ts) for every worker,
// so `serve --workers N` on the embedded store admits exactly what one process would. Each worker's batch of
// items is answered in one message, synchronously from the buckets.
//
// Leases: after admitting a worker's request, while the scope's bucket stays at least half full, the primary
// lends that worker 1/64 of the scope's limits; the worker then admits locally what the slice covers (cluster.ts).
// What is lent is taken from the bucket, and until repaid the bucket refills only up to its limit less the loans,
// so everything the workers can admit is still what one bucket holds: never more than the limit plus one
// reservation. A request the bucket would refuse while other workers hold slices of its scopes is parked, the
// slices are recalled, and it is decided again once they are repaid (or after `recallMs`), so a lease never
// causes a refusal one process would not have made.
// A worker that exits leaves its open reservations and leases spent (the estimate stands, as for an aborted request).
import type { Cluster, Worker } from 'node:cluster';
import { createMemoryLimiter, type MemoryLimiter } from './bucket.ts';
import { type Batch, CHANNEL, isLimitsMessage, type PrimaryItem, type WorkerItem } from './cluster-messages.ts';
import type { Scope } from './index.ts';
import { covers, KEEP_SHARE, LEASE_SHARE, type Levels, limitsTimes, NONE } from './math.ts';


export interface ClusterLimiterService {
  /** What the primary has decided and lent so far, for tests and diagnostics; `outstanding`: leases not yet repaid (of `key` only, if given). */
  stats(key?: string): { reserves: number; leases: number; recalls: number; outstanding: number };
  /** Stops answering (the limiter's buckets go with it). */
  close(): void;
}

export interface ClusterLimiterServiceOptions {
  limiter?: MemoryLimiter;
  /** How long a parked request waits for recalled leases; default 100 ms. */
  recallMs?: number;
}

type Reserve = Extract<WorkerItem, { op: 'reserve' }>;
interface Loan {
  id: number;
  scope: Scope;
  amounts: Levels;
}
interface Recall {
  waiting: Set<Worker>;
  parked: Array<{ worker: Worker; item: Reserve }>;
  timer: NodeJS.Timeout;
}

/** Serves the workers of `cluster` from one in-process limiter; call in the primary before forking. */
export function serveClusterLimiter(cluster: Cluster, options: ClusterLimiterServiceOptions = {}): ClusterLimiterService {
  const limiter = options.limiter ?? createMemoryLimiter();
  const recallMs = options.recallMs ?? 100;
  const loans = new Map<Worker, Map<string, Loan>>();
  const recalls = new Map<string, Recall>();
  const counts = { reserves: 0, leases: 0, recalls: 0 };
  let nextLease = 1;

  const loansOf = (worker: Worker) => {
    let mine = loans.get(worker);
    if (!mine) loans.set(worker, (mine = new Map()));
    return mine;
  };

  function lendTo(worker: Worker, scope: Scope, demand: Reserve['demand'], out: PrimaryItem[]): void {
    const mine = loansOf(worker);
    if (mine.has(scope.key) || recalls.has(scope.key)) return;
    const amounts = limitsTimes(scope.limits, LEASE_SHARE);
    // A slice that cannot cover even this request would only cost messages.
    if (!covers(amounts, demand)) return;
    if (!limiter.lend(scope, amounts, limitsTimes(scope.limits, KEEP_SHARE))) return;
    const id = nextLease++;
    mine.set(scope.key, { id, scope, amounts });
    counts.leases++;
    out.push({ op: 'lease', key: scope.key, lease: id, limits: scope.limits, amounts });
  }

  /** Decides a reserve, or parks it behind a recall of the leases that would let it fit. */
  function decide(worker: Worker, item: Reserve, out: PrimaryItem[], mayRecall: boolean): void {
    const pending = item.scopes.find((s) => recalls.has(s.key));
    if (pending) return void recalls.get(pending.key)!.parked.push({ worker, item });
    counts.reserves++;
    const outcome = limiter.reserve(item.scopes, item.demand);
    if (outcome.ok) {
      out.push({ op: 'reserved', id: item.id });
      for (const scope of item.scopes) lendTo(worker, scope, item.demand, out);
      return;
    }
    const lent = mayRecall ? item.scopes.filter((s) => holders(s.key).length > 0) : [];
    if (lent.length > 0) return recall(lent, { worker, item });
    out.push({ op: 'refused', id: item.id, limit: outcome.limit, scope: outcome.scope, retryAfterMs: outcome.retryAfterMs === Infinity ? -1 : outcome.retryAfterMs });
  }

  const holders = (key: string) => [...loans].filter(([, mine]) => mine.has(key)).map(([worker]) => worker);

  function recall(scopes: Scope[], parked: { worker: Worker; item: Reserve }): void {
    const byWorker = new Map<Worker, string[]>();
    for (const scope of scopes) {
      const waiting = new Set(holders(scope.key));
      for (const w of waiting) byWorker.set(w, [...(byWorker.get(w) ?? []), scope.key]);
      const timer = setTimeout(() => finishRecall(scope.key), recallMs);
      recalls.set(scope.key, { waiting, parked: [], timer });
      counts.recalls++;
    }
    recalls.get(scopes[0]!.key)!.parked.push(parked);
    for (const [worker, keys] of byWorker) send(worker, [{ op: 'recall', keys }]);
  }

  function finishRecall(key: string): void {
    const done = recalls.get(key);
    if (!done) return;
    clearTimeout(done.timer);
    recalls.delete(key);
    const answers = new Map<Worker, PrimaryItem[]>();
    for (const { worker, item } of done.parked) {
      let out = answers.get(worker);
      if (!out) answers.set(worker, (out = []));
      decide(worker, item, out, false);
    }
    for (const [worker, out] of answers) send(worker, out);
  }

  function repaid(worker: Worker, key: string, lease: number, unspent: Levels): void {
    const mine = loans.get(worker);
    const loan = mine?.get(key);
    if (!loan || loan.id !== lease) return;
    mine!.delete(key);
    limiter.repaid(loan.scope, loan.amounts, unspent);
    const pending = recalls.get(key);
    if (pending?.waiting.delete(worker) && pending.waiting.size === 0) finishRecall(key);
  }

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isLimitsMessage(message)) return;
    const out: PrimaryItem[] = [];
    for (const item of message.items as WorkerItem[]) {
      if (item.op === 'reserve') decide(worker, item, out, true);
      else if (item.op === 'give') limiter.give(item.scopes, item.amounts);
      else if (item.op === 'repay') repaid(worker, item.key, item.lease, item.unspent);
      else if (item.op === 'ping') out.push({ op: 'pong', id: item.id });
    }
    send(worker, out);
  };
  const onExit = (worker: Worker) => {
    // Its leases count as spent: what it admitted from them may still be running upstream.
    for (const loan of loans.get(worker)?.values() ?? []) repaid(worker, loan.scope.key, loan.id, NONE);
    loans.delete(worker);
    for (const [key, pending] of recalls) if (pending.waiting.delete(worker) && pending.waiting.size === 0) finishRecall(key);
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  return {
    stats: (key) => ({ ...counts, outstanding: [...loans.values()].reduce((n, mine) => n + (key === undefined ? mine.size : mine.has(key) ? 1 : 0), 0) }),
    close() {
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
      for (const pending of recalls.values()) clearTimeout(pending.timer);
      recalls.clear();
      loans.clear();
    },
  };
}

function send(worker: Worker, items: PrimaryItem[]): void {
  // A worker that is exiting cannot be answered; its request went with it. The callback takes the error of a channel
  // that closed after the check (EPIPE): without one, Node emits it on the worker, and unheard it ends the primary.
  if (items.length > 0 && worker.isConnected()) worker.send({ channel: CHANNEL, items } satisfies Batch<PrimaryItem>, ignoreGone);
}

/** A send to a worker that went away meanwhile: nothing to do, the supervisor handles its exit (process/cluster.ts). */
function ignoreGone(): void {}
