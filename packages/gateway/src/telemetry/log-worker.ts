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
 * This thread writes the log in the background: on Linux it takes the lowest CPU priority (nice 19; the
 * nice value is per thread there), so that when it and the request thread both want a core, requests
 * go first and the log catches up in the gaps. The bounded queue (log-writer.ts) caps what it may owe.
 */
function yieldToRequests(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
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
