// Budgets across the workers of `serve --workers N` without Redis (telemetry/budgets-cluster.ts): real
// node:cluster workers on one shared request-log store; the primary adds up their spend and relays budget changes.
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { forkReady } from './cluster-helpers.ts';
import { serveClusterBudgets } from '../src/telemetry/budgets-cluster.ts';
import { SqliteLogStore } from '../src/telemetry/sqlite-store.ts';

type Seen = { spent: string; budget: string | null; refused: boolean };

const dir = mkdtempSync(join(tmpdir(), 'cf-budgets-cluster-'));
const LOG_DB = join(dir, 'logs.db');
await new SqliteLogStore(LOG_DB).close(); // created (and migrated) once, before the workers open it
cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/cluster-budgets-worker.ts', import.meta.url)), silent: true });
const service = serveClusterBudgets(cluster);
const workers: Worker[] = [];

after(async () => {
  service.close();
  for (const w of workers) {
    if (w.isDead()) continue;
    const exited = new Promise((r) => w.once('exit', r));
    w.kill();
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});


function ask(worker: Worker, command: object): Promise<Seen> {
  return new Promise((resolve) => {
    worker.on('message', function answer(m: Seen & { channel?: string }) {
      if (m.channel) return; // the budgets' own messages pass by here too
      worker.off('message', answer);
      resolve(m);
    });
    worker.send(command);
  });
}

async function until(worker: Worker, done: (s: Seen) => boolean, ms = 3_000): Promise<Seen> {
  const end = Date.now() + ms;
  for (;;) {
    const seen = await ask(worker, { see: true });
    if (done(seen)) return seen;
    assert.ok(Date.now() < end, `not seen within ${ms} ms: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('two workers: spend adds up in the primary, a budget set on one is enforced on the other within about a second', async () => {
  const [a, b] = await Promise.all([forkReady(workers, { LOG_DB }), forkReady(workers, { LOG_DB })]);
  await ask(a!, { add: 400_000 });
  await ask(b!, { add: 500_000 });
  await until(a!, (s) => s.spent === '900000');
  await until(b!, (s) => s.spent === '900000');
  const t = Date.now();
  assert.equal((await ask(a!, { budget: '1000000', enforce: true })).refused, false);
  await until(b!, (s) => s.budget === '1000000');
  assert.ok(Date.now() - t < 1_500, `learnt in ${Date.now() - t} ms`);
  await ask(b!, { add: 100_000 });
  await until(a!, (s) => s.refused);
});
