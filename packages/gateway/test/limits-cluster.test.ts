// `serve --workers N` on the embedded store: the workers share one set of buckets held by the primary
// (limits/primary.ts), reserve over the cluster's IPC channel or from a lease the primary lent them
// (limits/cluster.ts). Real node:cluster workers. The primary's clock stands still (no refill during a test),
// so every count below is exact.
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { forkReady } from './cluster-helpers.ts';
import { createMemoryLimiter, type Demand, type Rejection, type Scope } from '../src/limits/index.ts';
import { serveClusterLimiter } from '../src/limits/primary.ts';

type Outcome = { ok: true } | Rejection;
type Answer = { outcomes: Outcome[] } | { error: { status: number; message: string } };

cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/cluster-limits-worker.ts', import.meta.url)), silent: true });
// A generous recall wait: on a loaded machine a worker may take a while to repay; the test is about the count.
const service = serveClusterLimiter(cluster, { limiter: createMemoryLimiter({ clock: () => 0 }), recallMs: 5_000 });
const workers: Worker[] = [];

function run(worker: Worker, scopes: Scope[], demand: Demand, count: number, settle?: { input: number; output: number }, sequential = false): Promise<Answer> {
  return new Promise((resolve) => {
    worker.on('message', function answer(m: Answer & { ready?: boolean; channel?: string }) {
      if (m.ready || m.channel) return; // the limiter's own messages pass by here too
      worker.off('message', answer);
      resolve(m);
    });
    worker.send({ run: { scopes, demand, count, sequential, ...(settle ? { settle } : {}) } });
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
  const first = outcomes(await run(a!, scopes, { requests: 1, input: 1_000, output: 1 }, 15, { input: 0, output: 0 }));
  assert.equal(first.filter((o) => o.ok).length, 10);
  await new Promise((r) => setTimeout(r, 100)); // the reconciles are sent, not awaited
  const second = outcomes(await run(b!, scopes, { requests: 1, input: 1_000, output: 1 }, 15));
  assert.equal(second.filter((o) => o.ok).length, 10, 'the input came back: 10 fit again');
  const trial = outcomes(await run(b!, [{ key: 'pool:trial', limits: { rpm: 0, itpm: 0, otpm: 0 } }], { requests: 1, input: 1, output: 1 }, 1));
  assert.deepEqual(trial, [{ ok: false, limit: 'requests', scope: 0, retryAfterMs: 'Infinity' }]);
});

const roomy = { itpm: 64_000_000, otpm: 64_000_000 };

test('a lease: after one reserve asked of the primary, a worker admits 200 more locally, and settlements go back into its lease', async () => {
  const worker = await forkReady(workers);
  // A lease is 1/64 of the limits: 1,000 requests, 1,000 input tokens; each request asks for 100 and uses none.
  const scopes = [{ key: 'res/leased', limits: { rpm: 64_000, itpm: 64_000, otpm: 64_000_000 } }];
  const before = service.stats();
  const answers = outcomes(await run(worker, scopes, { requests: 1, input: 100, output: 1 }, 201, { input: 0, output: 0 }, true));
  assert.equal(answers.filter((o) => o.ok).length, 201);
  const after = service.stats();
  assert.equal(after.reserves - before.reserves, 1, 'only the first reserve reached the primary');
  assert.equal(after.leases - before.leases, 1);
  // A request larger than any slice (2,000 input tokens) is the primary's to decide; the worker keeps its slice.
  assert.equal(outcomes(await run(worker, scopes, { requests: 1, input: 2_000, output: 1 }, 1, { input: 0, output: 0 }, true))[0]!.ok, true);
  assert.equal(outcomes(await run(worker, scopes, { requests: 1, input: 100, output: 1 }, 10, undefined, true)).filter((o) => o.ok).length, 10);
  assert.equal(service.stats().reserves - after.reserves, 1, 'the slice still served the small ones');
});

test('leases stay exact: two workers holding leases, 8,000 concurrent reserves against RPM 6,400 admit exactly 6,400', async () => {
  // Requests parked behind a recall wait for it: on a loaded machine that can take longer than the default 1 s.
  const patient = { LIMITS_TIMEOUT_MS: '30000' };
  const [a, b] = await Promise.all([forkReady(workers, patient), forkReady(workers, patient)]);
  const scopes = [{ key: 'res/rpm6400', limits: { rpm: 6_400, ...roomy } }];
  const demand = { requests: 1, input: 1, output: 1 };
  const before = service.stats();
  // One each first, so both hold a lease (100 requests) when the rush comes.
  const warm = [...outcomes(await run(a!, scopes, demand, 1, undefined, true)), ...outcomes(await run(b!, scopes, demand, 1, undefined, true))];
  assert.equal(service.stats().leases - before.leases, 2);
  const rush = (await Promise.all([run(a!, scopes, demand, 4_000), run(b!, scopes, demand, 4_000)])).map(outcomes).flat();
  assert.equal([...warm, ...rush].filter((o) => o.ok).length, 6_400, 'never more than the bucket, and no refusal while another worker held a slice');
  assert.ok(service.stats().recalls > before.recalls, 'the slices were recalled before refusing');
  for (const o of rush) if (!o.ok) assert.ok(o.limit === 'requests' && o.retryAfterMs > 0, JSON.stringify(o));
});

test("a lease goes back when it is old, and a dead worker's lease is dropped", async () => {
  const key = 'res/idle';
  const scopes = [{ key, limits: { rpm: 64_000, ...roomy } }];
  const demand = { requests: 1, input: 1, output: 1 };
  const idle = await forkReady(workers, { LEASE_MS: '200' });
  const before = service.stats();
  outcomes(await run(idle, scopes, demand, 1, undefined, true));
  assert.equal(service.stats().leases - before.leases, 1, 'lent');
  for (let i = 0; i < 100 && service.stats(key).outstanding > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(service.stats(key).outstanding, 0, 'repaid after its 200 ms');
  const doomed = await forkReady(workers, { LEASE_MS: '600000' });
  outcomes(await run(doomed, scopes, demand, 1, undefined, true));
  assert.equal(service.stats(key).outstanding, 1);
  const exited = new Promise((r) => doomed.once('exit', r));
  doomed.process.kill('SIGKILL');
  await exited;
  assert.equal(service.stats(key).outstanding, 0);
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
