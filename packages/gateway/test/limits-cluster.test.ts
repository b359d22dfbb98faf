// `serve --workers N` on the embedded store: the workers share one set of buckets held by the primary
// (limits/primary.ts) and reserve over the cluster's IPC channel (limits/cluster.ts). Real node:cluster workers.
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { forkReady } from './cluster-helpers.ts';
import { serveClusterLimiter } from '../src/limits/primary.ts';
import type { Demand, Rejection, Scope } from '../src/limits/index.ts';

type Outcome = { ok: true } | Rejection;
type Answer = { outcomes: Outcome[] } | { error: { status: number; message: string } };

cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/cluster-limits-worker.ts', import.meta.url)), silent: true });
const service = serveClusterLimiter(cluster);
const workers: Worker[] = [];


function run(worker: Worker, scopes: Scope[], demand: Demand, count: number, settle?: { input: number; output: number }): Promise<Answer> {
  return new Promise((resolve) => {
    worker.on('message', function answer(m: Answer & { ready?: boolean; channel?: string }) {
      if (m.ready || m.channel) return; // the limiter's own messages pass by here too
      worker.off('message', answer);
      resolve(m);
    });
    worker.send({ run: { scopes, demand, count, ...(settle ? { settle } : {}) } });
  });
}

const outcomes = (a: Answer) => {
  assert.ok('outcomes' in a, JSON.stringify(a));
  return a.outcomes;
};

after(async () => {
  service.close();
  for (const w of workers) {
    if (w.isDead()) continue;
    const exited = new Promise((r) => w.once('exit', r));
    w.kill();
    await exited;
  }
});

test('three workers, 40 concurrent reserves each, against RPM 30: exactly 30 admitted across them, every refusal with a retry-after', async () => {
  const three = await Promise.all([forkReady(workers), forkReady(workers), forkReady(workers)]);
  const scopes = [{ key: 'res/rpm30', limits: { rpm: 30, itpm: 10_000_000, otpm: 10_000_000 } }];
  const answers = (await Promise.all(three.map((w) => run(w, scopes, { requests: 1, input: 10, output: 10 }, 40)))).map(outcomes);
  assert.equal(answers.flat().filter((o) => o.ok).length, 30);
  for (const o of answers.flat()) if (!o.ok) assert.ok(o.limit === 'requests' && o.retryAfterMs > 0 && o.retryAfterMs <= 2_000, JSON.stringify(o));
  assert.ok(answers.every((a) => a.length === 40));
});

test('reconciles from the workers give tokens back on the shared buckets; a limit of 0 travels as no retry-after', async () => {
  const [a, b] = await Promise.all([forkReady(workers), forkReady(workers)]);
  const scopes = [{ key: 'res/itpm', limits: { rpm: 100_000, itpm: 10_000, otpm: 10_000_000 } }];
  const before = service.open();
  const first = outcomes(await run(a!, scopes, { requests: 1, input: 1_000, output: 1 }, 15, { input: 0, output: 0 }));
  assert.equal(first.filter((o) => o.ok).length, 10);
  await new Promise((r) => setTimeout(r, 100)); // the reconciles are sent, not awaited
  assert.equal(service.open(), before, 'every reservation of this run settled');
  const second = outcomes(await run(b!, scopes, { requests: 1, input: 1_000, output: 1 }, 15));
  assert.equal(second.filter((o) => o.ok).length, 10, 'the input came back: 10 fit again');
  const trial = outcomes(await run(b!, [{ key: 'pool:trial', limits: { rpm: 0, itpm: 0, otpm: 0 } }], { requests: 1, input: 1, output: 1 }, 1));
  assert.deepEqual(trial, [{ ok: false, limit: 'requests', scope: 0, retryAfterMs: 'Infinity' }]);
});

test('a primary that does not answer: the worker answers 503 after its timeout, never hangs', async () => {
  const worker = await forkReady(workers, { LIMITS_TIMEOUT_MS: '200' });
  service.close();
  const t = performance.now();
  const answer = await run(worker, [{ key: 'res/x', limits: { rpm: 10, itpm: 10, otpm: 10 } }], { requests: 1, input: 1, output: 1 }, 1);
  assert.ok('error' in answer, JSON.stringify(answer));
  assert.equal(answer.error.status, 503);
  assert.match(answer.error.message, /rate limiter is unreachable \(the primary process did not answer within 200 ms\)/);
  assert.ok(performance.now() - t < 2_000);
});
