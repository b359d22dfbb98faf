// Leases from Redis (limits/redis.ts): with large limits a replica's admission also takes a slice of the bucket,
// and requests the slice covers are admitted with no command at all. Against a real Redis and several replicas
// (connections): what every replica admits together stays within the limit plus one reservation, the slices are
// taken out of the Redis bucket when lent and come back when idle (with what they did not spend), settlements of
// lease-funded requests go into the slice, a loan nobody repays is forgotten after its hold, and `leaseMs: 0` or a
// fail-closed deployment lends nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Demand, Limiter, Reservation, Scope } from '../src/limits/index.ts';
import { connectRedis, type SharedRedis } from '../src/limits/redis-client.ts';
import { createRedisLimiter, type RedisDownMode } from '../src/limits/redis.ts';
import { startRedis, type RedisServer } from './services/redis.ts';

const LEASE_MS = 300;
let server: RedisServer;
const connections: SharedRedis[] = [];
const limiters: Limiter[] = [];

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const l of limiters) await l.close();
  for (const c of connections) await c.close();
  await server.stop();
});

async function replica(prefix: string, leaseMs = LEASE_MS, whenDown: RedisDownMode = 'local'): Promise<{ limiter: Limiter; redis: SharedRedis }> {
  const redis = connectRedis({ url: server.url, commandTimeoutMs: 2_000, keyPrefix: prefix });
  connections.push(redis);
  const until = Date.now() + 5_000;
  while (!redis.ready()) {
    if (Date.now() > until) throw new Error('Redis did not connect');
    await new Promise((r) => setTimeout(r, 20));
  }
  const limiter = createRedisLimiter({ redis, whenDown: () => whenDown, replicas: 3, leaseMs });
  limiters.push(limiter);
  return { limiter, redis };
}

/** How many scripts Redis has run so far (EVALSHA, and EVAL when the script cache was empty). */
async function scriptsRun(redis: SharedRedis): Promise<number> {
  const info = await redis.client.info('commandstats');
  return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

async function bucket(redis: SharedRedis, key: string): Promise<Record<string, number>> {
  const h = await redis.client.hgetall(key);
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
}

const ask = (input: number, output = 1): Demand => ({ requests: 1, input, output });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('after one round trip, requests the slice covers are admitted here, synchronously, with no command', async () => {
  // A long life: no renewal within the test, however slow the machine.
  const { limiter, redis } = await replica('sync:', 10_000);
  const scopes: Scope[] = [
    { key: 'res/d@1', limits: { rpm: 64_000, itpm: 64_000_000, otpm: 6_400_000 } },
    { key: 'pool:sub/m', limits: { rpm: 128_000, itpm: 128_000_000, otpm: 12_800_000 } },
  ];
  const first = limiter.reserve(scopes, ask(100, 50));
  assert.ok(first instanceof Promise, 'the first admission asks Redis');
  assert.equal((await first).ok, true);
  const lent = await bucket(redis, 'sync:lim:res/d');
  assert.deepEqual([lent['a'], lent['b'], lent['c']], [1_000, 1_000_000, 100_000], 'a slice of 1/64 of each limit is out on loan');
  assert.equal(lent['r'], 64_000 - 1 - 1_000, 'and taken out of the bucket with the request');
  const before = await scriptsRun(redis);
  // 400 of the slice's 1,000 requests: under half spent, so no renewal either.
  for (let i = 0; i < 400; i++) {
    const outcome = limiter.reserve(scopes, ask(100, 50));
    assert.ok(!(outcome instanceof Promise), `request ${i} waited for Redis`);
    assert.equal(outcome.ok, true);
    (outcome as Reservation).reconcile({ input: 100, output: 10 });
  }
  assert.equal(await scriptsRun(redis), before, 'no script ran for the 400 leased admissions');
  // Different limits (the deployment was changed): the slice lent under the old ones is not spent.
  const changed = limiter.reserve([{ ...scopes[0]!, limits: { rpm: 32_000, itpm: 32_000_000, otpm: 3_200_000 } }, scopes[1]!], ask(100, 50));
  assert.ok(changed instanceof Promise);
  assert.equal((await changed).ok, true);
});

test('a slice half spent is replaced in the background: under steady traffic no request waits for Redis', async () => {
  const { limiter, redis } = await replica('renew:', 10_000);
  const scopes: Scope[] = [{ key: 'res/renew', limits: { rpm: 64_000, itpm: 64_000_000, otpm: 6_400_000 } }];
  assert.equal((await limiter.reserve(scopes, ask(10))).ok, true);
  const before = await scriptsRun(redis);
  // Slices of 1,000 requests: 2,500 admissions need two fresh slices, each asked while the last is half spent.
  for (let i = 0; i < 2_500; i++) {
    const outcome = limiter.reserve(scopes, ask(10));
    assert.ok(!(outcome instanceof Promise), `request ${i} waited for Redis`);
    assert.equal(outcome.ok, true);
    if (i % 400 === 399) await sleep(20); // the renewal's reply lands
  }
  const ran = (await scriptsRun(redis)) - before;
  assert.ok(ran >= 2 && ran <= 8, `${ran} scripts for 2,500 admissions (renewals and repayments)`);
});

test('idle slices go back with what they did not spend; the settlements of the requests they funded come back into them', async () => {
  const { limiter, redis } = await replica('idle:');
  const scopes: Scope[] = [{ key: 'res/d', limits: { rpm: 6_400, itpm: 6_400_000, otpm: 640_000 } }];
  const admitted: Reservation[] = [];
  for (let i = 0; i < 50; i++) {
    const o = await limiter.reserve(scopes, ask(1_000, 1_000));
    assert.equal(o.ok, true);
    admitted.push(o as Reservation);
  }
  // Every request used nothing in the end: their tokens go back into the slice (or to Redis for the first one).
  for (const r of admitted) r.reconcile({ input: 0, output: 0 });
  await sleep(LEASE_MS * 2 + 100);
  const b = await bucket(redis, 'idle:lim:res/d');
  assert.deepEqual([b['a'], b['b'], b['c']], [0, 0, 0], 'no loan is out');
  // 50 requests taken (less the refill since); all their tokens back: input and output full again.
  assert.ok(b['r']! <= 6_400 - 50 + 6_400 * 2 / 60 && b['r']! >= 6_400 - 50, `requests level ${b['r']}`);
  assert.ok(b['i']! >= 6_400_000 - 1e-6 && b['o']! >= 640_000 - 1e-6, `tokens given back: ${b['i']} ${b['o']}`);
});

test('three replicas leasing from one bucket admit together at most the limit plus one reservation; every refusal has a retry-after', async () => {
  const replicas = await Promise.all([replica('burst:'), replica('burst:'), replica('burst:')]);
  // RPM 1,280: slices of 20 requests; 3,000 requests in waves from all three, faster than any refill matters.
  const scopes: Scope[] = [{ key: 'res/burst', limits: { rpm: 1_280, itpm: 1_280_000_000, otpm: 1_280_000_000 } }];
  const began = performance.now();
  let admitted = 0;
  let refused = 0;
  for (let wave = 0; wave < 30; wave++) {
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => replicas[i % 3]!.limiter.reserve(scopes, ask(10))));
    for (const o of outcomes) {
      if (o.ok) admitted++;
      else {
        refused++;
        assert.ok(o.retryAfterMs > 0 && o.retryAfterMs < 60_000, `retry-after ${o.retryAfterMs}`);
      }
    }
  }
  const refill = Math.ceil((1_280 * (performance.now() - began)) / 60_000);
  assert.ok(admitted <= 1_280 + refill + 1, `${admitted} admitted of 1,280 (+${refill} refilled)`);
  // Under-admission is bounded by the other replicas' unused slices (20 requests each).
  assert.ok(admitted >= 1_280 - 2 * 20, `${admitted} admitted: the limit was used`);
  assert.ok(refused > 0);
  // The slices go back: afterwards the bucket alone decides, exactly.
  await sleep(LEASE_MS * 2 + 100);
  const b = await bucket(replicas[0]!.redis, 'burst:lim:res/burst');
  assert.deepEqual([b['a'], b['b'], b['c']], [0, 0, 0], 'every slice repaid');
});

test('a loan its replica never repays (it died) is forgotten once its hold passes: the bucket is whole again', async () => {
  const { limiter, redis } = await replica('dead:', 200);
  const scopes: Scope[] = [{ key: 'res/dead', limits: { rpm: 6_400, itpm: 640_000, otpm: 640_000 } }];
  assert.equal((await limiter.reserve(scopes, ask(0, 0))).ok, true);
  // The replica goes away without repaying: its connection closes, so its repayment is never sent.
  await redis.close();
  const other = await replica('dead:', 200);
  const lent = await bucket(other.redis, 'dead:lim:res/dead');
  assert.equal(lent['b'], 10_000, 'its slice is out');
  // A demand of the whole input bucket fits a full bucket only: not while the slice counts as out.
  const whole = { requests: 0, input: 640_000, output: 0 };
  assert.equal((await other.limiter.reserve(scopes, whole)).ok, false);
  // The hold is the lease's life plus a second.
  await sleep(200 + 1_000 + 100);
  assert.equal((await other.limiter.reserve(scopes, whole)).ok, true);
});

for (const [name, leaseMs, whenDown] of [['leaseMs 0', 0, 'local'], ['a fail-closed deployment', LEASE_MS, 'fail-closed']] as const) {
  test(`${name} lends nothing: every admission is a round trip`, async () => {
    const { limiter, redis } = await replica(`none-${leaseMs}:`, leaseMs, whenDown);
    // Slices of 10 requests would be lent (and refill is a hundredth of a request per millisecond).
    const scopes: Scope[] = [{ key: 'res/none', limits: { rpm: 640, itpm: 640_000, otpm: 64_000 } }];
    for (let i = 0; i < 5; i++) {
      const o = limiter.reserve(scopes, ask(10));
      assert.ok(o instanceof Promise);
      assert.equal((await o).ok, true);
    }
    const b = await bucket(redis, `none-${leaseMs}:lim:res/none`);
    assert.equal(b['a'], 0);
    assert.ok(b['r']! >= 640 - 5 && b['r']! < 640 - 4, `only the five requests were taken: ${b['r']}`);
  });
}
