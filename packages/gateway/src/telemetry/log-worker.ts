// The worker thread that owns logs.db: it applies appends in arrival order, answers queries, and runs the
// retention job, so no SQLite statement ever runs on the thread that serves requests.
import { readlinkSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { logger } from '../log/index.ts';
import type { RetentionPolicy } from './log-store.ts';
import { SqliteLogStore } from './sqlite-store.ts';
import type { ToWorker } from './worker-store.ts';

/**
 * This thread writes the log in the background at a lower CPU priority than the request thread (Linux: nice is
 * per thread there). Not the lowest: at nice 19 (CFS weight 15 against the request thread's 1024) a saturated
 * core gave it about 1.5 % of the request thread's time while it needs a tenth to a fifth of it (a record, inserted with its
 * rollups, costs ~20 µs: 55,000 rows/s in docs/benchmarks.md; a request 100-200 µs), so it fell behind by seconds and a kill -9 lost up to
 * 2,586 records, 0.86 s old. At nice 5 (weight 335, a third of the request thread's) it keeps up at any
 * saturation with room to spare, and still yields when both want a core.
 */
const WORKER_NICE = 5;

function yieldToRequests(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, WORKER_NICE);
  } catch (err) {
    logger().warn({ err }, 'request log worker: could not lower its CPU priority');
  }
}
yieldToRequests();

const { path, policy, retentionIntervalMs } = workerData as { path: string; policy: RetentionPolicy; retentionIntervalMs: number };
const port = parentPort!;

let store: SqliteLogStore;
try {
  store = new SqliteLogStore(path);
  port.postMessage({ type: 'ready' });
  // With the compile cache on (packages/cli/bin/compile-cache.js), keep this thread's stripped sources now:
  // the next start loads them without Node's TypeScript stripper.
  nodeModule.flushCompileCache?.();
} catch (err) {
  port.postMessage({ type: 'openFailed', message: (err as Error).message });
  process.exit(1);
}

let sweeping = false;
let closing = false;
async function sweep(): Promise<void> {
  if (sweeping) return;
  sweeping = true;
  try {
    await store.sweep(Date.now(), policy);
  } catch (err) {
    if (closing) return;
    logger().error({ err }, 'request log retention failed');
  } finally {
    sweeping = false;
  }
}
const firstSweep = setTimeout(() => void sweep(), Math.min(10_000, retentionIntervalMs));
const sweeps = setInterval(() => void sweep(), retentionIntervalMs);

port.on('message', (message: ToWorker) => {
  switch (message.op) {
    case 'append':
      try {
        store.appendSync(message.records);
        port.postMessage({ type: 'appended', count: message.records.length });
      } catch (err) {
        port.postMessage({ type: 'appendFailed', count: message.records.length, message: (err as Error).message });
      }
      return;
    case 'call': {
      const method = store[message.method] as (...args: unknown[]) => Promise<unknown>;
      method.apply(store, message.args).then(
        (value) => port.postMessage({ type: 'result', id: message.id, value }),
        (err: unknown) => port.postMessage({ type: 'error', id: message.id, message: (err as Error).message }),
      );
      return;
    }
    case 'close':
      closing = true;
      clearTimeout(firstSweep);
      clearInterval(sweeps);
      void store.close().then(() => {
        port.postMessage({ type: 'closed' });
        port.close();
      });
      return;
  }
});
