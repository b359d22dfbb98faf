// Budgets shared by the workers of `serve --workers N` on the embedded store, through the cluster's primary:
// the primary keeps the month-to-date spend per resource (workers add up their priced requests' costs and send
// the sums every 100 ms, one message for all resources, never one per request; the primary sends the totals
// that changed to every worker every 500 ms) and relays budget changes, on which each worker
// re-reads the budgets from the request-log store the workers share. Alerts are claimed from the primary, so one
// worker records each. With Redis configured, budgets-redis.ts does all this instead.
import type { Cluster, Worker } from 'node:cluster';
import { logger } from '../log/index.ts';
import type { BudgetBook, BudgetSharing } from './budgets.ts';
import type { RequestLogStore } from './log-store.ts';

const CHANNEL = 'claude-foundry:budgets';
const BROADCAST_MS = 500;
/** A worker sends the spend it added up at most this often. */
const SEND_SPEND_MS = 100;

type ToPrimary =
  | { channel: typeof CHANNEL; op: 'add'; spend: [month: string, resource: string, pico: string][] }
  | { channel: typeof CHANNEL; op: 'seed'; month: string; resource: string; pico: string }
  | { channel: typeof CHANNEL; op: 'changed' }
  | { channel: typeof CHANNEL; op: 'claim'; id: number; key: string };

type ToWorker =
  | { channel: typeof CHANNEL; op: 'totals'; totals: [month: string, resource: string, pico: string][] }
  | { channel: typeof CHANNEL; op: 'changed' }
  | { channel: typeof CHANNEL; op: 'claimed'; id: number; mine: boolean };

const ours = (m: unknown): boolean => typeof m === 'object' && m !== null && (m as { channel?: unknown }).channel === CHANNEL;

/** The primary's side; call before forking. */
export function serveClusterBudgets(cluster: Cluster): { close(): void } {
  const totals = new Map<string, bigint>(); // `${month} ${resource}`
  const changed = new Set<string>();
  const claimed = new Set<string>();
  const send = (worker: Worker | undefined, m: ToWorker) => {
    // With a callback: a channel that closed after the check (the worker exiting) is no error of the primary's.
    if (worker?.isConnected()) worker.send(m, () => {});
  };
  const everyone = (m: ToWorker, except?: Worker) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w !== except) send(w, m);
  };
  const onMessage = (worker: Worker, message: unknown) => {
    if (!ours(message)) return;
    const m = message as ToPrimary;
    if (m.op === 'add') {
      for (const [month, resource, pico] of m.spend) {
        const key = `${month} ${resource}`;
        totals.set(key, (totals.get(key) ?? 0n) + BigInt(pico));
        changed.add(key);
      }
    } else if (m.op === 'seed') {
      const key = `${m.month} ${m.resource}`;
      if (totals.has(key)) return;
      totals.set(key, BigInt(m.pico));
      changed.add(key);
    } else if (m.op === 'changed') {
      everyone({ channel: CHANNEL, op: 'changed' }, worker);
    } else if (m.op === 'claim') {
      const mine = !claimed.has(m.key);
      claimed.add(m.key);
      send(worker, { channel: CHANNEL, op: 'claimed', id: m.id, mine });
    }
  };
  const timer = setInterval(() => {
    if (changed.size === 0) return;
    const list = [...changed].map((key) => {
      const [month, resource] = key.split(' ') as [string, string];
      return [month, resource, totals.get(key)!.toString()] as [string, string, string];
    });
    changed.clear();
    everyone({ channel: CHANNEL, op: 'totals', totals: list });
  }, BROADCAST_MS);
  timer.unref();
  cluster.on('message', onMessage);
  return {
    close() {
      clearInterval(timer);
      cluster.off('message', onMessage);
    },
  };
}

/** A worker's side: the book's spend and budget changes go to the primary, and the others' come back. */
export function shareBudgetsInCluster(book: BudgetBook, store: Pick<RequestLogStore, 'budgets'>, channel: Pick<NodeJS.Process, 'send' | 'on' | 'off'> = process): { close(): void } {
  if (typeof channel.send !== 'function') throw new Error('shareBudgetsInCluster() runs in a cluster worker; this process has no IPC channel.');
  // A closed channel (the primary gone: the whole server is stopping) reports to the callback instead of raising
  // 'error' on the process; its totals go with it, and the request log has the spend.
  const post = (m: ToPrimary) => channel.send!(m, undefined, undefined, () => {});
  const claims = new Map<number, (mine: boolean) => void>();
  let next = 1;
  // Spend added up per month and resource since the last send.
  const unsent = new Map<string, { month: string; resource: string; pico: bigint }>();
  const sendSpend = () => {
    if (unsent.size === 0) return;
    const spend = [...unsent.values()].map((u) => [u.month, u.resource, u.pico.toString()] as [string, string, string]);
    unsent.clear();
    post({ channel: CHANNEL, op: 'add', spend });
  };
  const timer = setInterval(sendSpend, SEND_SPEND_MS);
  timer.unref();
  const sharing: BudgetSharing = {
    added(resource, month, pico) {
      const key = `${month.key} ${resource.toLowerCase()}`;
      const sum = unsent.get(key);
      if (sum) sum.pico += pico;
      else unsent.set(key, { month: month.key, resource: resource.toLowerCase(), pico });
    },
    changed: () => post({ channel: CHANNEL, op: 'changed' }),
    claimAlert: (resource, month, threshold) =>
      new Promise((resolve) => {
        const id = next++;
        // No answer within a second: record it here rather than lose it.
        const timer = setTimeout(() => claims.delete(id) && resolve(true), 1000);
        claims.set(id, (mine) => {
          clearTimeout(timer);
          resolve(mine);
        });
        post({ channel: CHANNEL, op: 'claim', id, key: `${month.key} ${resource.toLowerCase()} ${threshold}` });
      }),
  };
  const onMessage = (message: unknown) => {
    if (!ours(message)) return;
    const m = message as ToWorker;
    if (m.op === 'totals') for (const [month, resource, pico] of m.totals) book.sharedSpent(resource, month, BigInt(pico));
    else if (m.op === 'claimed') {
      claims.get(m.id)?.(m.mine);
      claims.delete(m.id);
    } else if (m.op === 'changed') {
      store.budgets().then(
        (budgets) => book.replaceBudgets(budgets),
        (err: unknown) => logger().error({ err }, 'budgets not re-read after a change on another worker'),
      );
    }
  };
  channel.on('message', onMessage);
  // What this worker read from the store seeds the primary's totals (the first worker's figure; they share the store).
  for (const [resource, pico] of book.spentByResource()) post({ channel: CHANNEL, op: 'seed', month: book.month.key, resource, pico: pico.toString() });
  book.share(sharing);
  return {
    close() {
      clearInterval(timer);
      sendSpend();
      channel.off('message', onMessage);
    },
  };
}
