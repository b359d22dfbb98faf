// node:cluster test helper: a worker forked from the test (the primary) and awaited until it says it is ready.
import cluster, { type Worker } from 'node:cluster';

/** Forks a worker with `env`, adds it to `workers` (for the file's cleanup) and resolves once it sends `{ ready: true }`. */
export async function forkReady(workers: Worker[], env: Record<string, string> = {}): Promise<Worker> {
  const worker = cluster.fork(env);
  workers.push(worker);
  await new Promise<void>((resolve, reject) => {
    worker.on('message', function ready(m: { ready?: boolean }) {
      if (!m.ready) return;
      worker.off('message', ready);
      resolve();
    });
    worker.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
  return worker;
}
