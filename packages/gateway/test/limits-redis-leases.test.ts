// Leases from Redis (limits/redis.ts): with large limits a replica's admission also takes a slice of the bucket,
// and requests the slice covers are admitted with no command at all. Against a real Redis and several replicas
// (connections): what every replica admits together stays within the limit plus one reservation, the slices are
// taken out of the Redis bucket when lent and come back when idle (with what they did not spend), settlements of
// lease-funded requests go into the slice, each replica's loan is a field of its own, so a loan nobody repays (its
// replica died) stops counting after its own hold while others keep borrowing, and slices a replica dropped on a
// failed command stop counting at its next script; `leaseMs: 0` or a fail-closed deployment lends nothing.
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

async function replica(prefix: string, leaseMs = LEASE_MS, whenDown: RedisDownMode = 'local', commandTimeoutMs = 2_000): Promise<{ limiter: Limiter; redis: SharedRedis }> {
  const redis = connectRedis({ url: server.url, commandTimeoutMs, keyPrefix: prefix });
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

/** A bucket's hash: its levels (r, i, o, t) and its loans, one field per replica: `l:{replica}:{generation}` → [requests, input, output, deadline]. */
async function bucket(redis: SharedRedis, key: string): Promise<{ levels: Record<string, number>; loans: Record<string, number[]> }> {
  const levels: Record<string, number> = {};
  const loans: Record<string, number[]> = {};
  for (const [field, value] of Object.entries(await redis.client.hgetall(key))) {
    if (field.startsWith('l:')) loans[field] = value.split(' ').map(Number);
    else levels[field] = Number(value);
  }
  return { levels, loans };
}

/** The bucket's loan fields. */
const loanFields = async (redis: SharedRedis, key: string) => Object.keys((await bucket(redis, key)).loans);

/** Redis's clock, in ms (the scripts' `now`). */
async function redisNow(redis: SharedRedis): Promise<number> {
  const [s, us] = await redis.client.time();
  return Number(s) * 1000 + Number(us) / 1000;
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
  const loans = Object.entries(lent.loans);
  assert.equal(loans.length, 1, 'one loan, in a field of its own');
  const [field, [requests, input, output, deadline]] = loans[0]!;
  assert.match(field, /^l:[1-9A-HJ-NP-Za-km-z]{12}:0$/, "the replica's id and generation");
  assert.deepEqual([requests, input, output], [1_000, 1_000_000, 100_000], 'a slice of 1/64 of each limit is out on loan');
  const holds = deadline! - (await redisNow(redis));
  assert.ok(holds > 10_000 && holds <= 11_000, `counted until the lease's life plus a second: ${holds} ms from now`);
  assert.equal(lent.levels['r'], 64_000 - 1 - 1_000, 'and taken out of the bucket with the request');
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
    // Time passes between bursts: the renewal's reply lands. Not a fixed sleep (on a loaded machine 20 ms was once
    // not enough): a PING on the limiter's connection is answered after the renewal sent before it, then one turn
    // of the event loop runs the reply's callbacks.
    if (i % 400 === 399) {
      await redis.client.ping();
      await sleep(1);
    }
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
  const { levels: b, loans } = await bucket(redis, 'idle:lim:res/d');
  assert.deepEqual(loans, {}, 'no loan is out');
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
  assert.deepEqual(await loanFields(replicas[0]!.redis, 'burst:lim:res/burst'), [], 'every slice repaid');
});

test('a loan its replica never repays (it died) is forgotten once its hold passes: the bucket is whole again', async () => {
  const { limiter, redis } = await replica('dead:', 200);
  const scopes: Scope[] = [{ key: 'res/dead', limits: { rpm: 6_400, itpm: 640_000, otpm: 640_000 } }];
  assert.equal((await limiter.reserve(scopes, ask(0, 0))).ok, true);
  // The replica goes away without repaying: its connection closes, so its repayment is never sent.
  await redis.close();
  const other = await replica('dead:', 200);
  const lent = Object.values((await bucket(other.redis, 'dead:lim:res/dead')).loans);
  assert.deepEqual(lent.map((loan) => loan[1]), [10_000], 'its slice is out');
  // A demand of the whole input bucket fits a full bucket only: not while the slice counts as out.
  const whole = { requests: 0, input: 640_000, output: 0 };
  assert.equal((await other.limiter.reserve(scopes, whole)).ok, false);
  // The hold is the lease's life plus a second.
  await sleep(200 + 1_000 + 100);
  assert.equal((await other.limiter.reserve(scopes, whole)).ok, true);
});

// The bucket of the two tests below: slices of 100 requests and 10,000 tokens; a refill of 10,000 tokens takes 0.94 s.
const plenty: Scope[] = [{ key: 'res/d', limits: { rpm: 6_400, itpm: 640_000, otpm: 640_000 } }];
/** Fits only while no more than one slice counts as out (and the bucket has refilled the rest). */
const allButOneSlice: Demand = { requests: 0, input: 625_000, output: 0 };

test('a replica that dies holding a slice: its loan stops counting after its own hold, although another replica keeps borrowing', async () => {
  // Lends nothing: it only asks whether the bucket holds a demand.
  const { limiter: probe } = await replica('gone:', 0);
  const dying = await replica('gone:', 200);
  assert.equal((await dying.limiter.reserve(plenty, ask(0, 0))).ok, true);
  // Its loan counts until 200 ms + 1 s after it was lent, on Redis's clock: before this.
  const holdEnds = (await redisNow(dying.redis)) + 1_200;
  await dying.redis.close(); // it never repays
  // A long life (a hold of 11 s): this replica's slice is renewed when half spent (every 50 requests), never
  // repaid by age in the test.
  const living = await replica('gone:', 10_000);
  assert.equal((await living.limiter.reserve(plenty, ask(0, 0))).ok, true);
  assert.equal((await probe.reserve(plenty, allButOneSlice)).ok, false, 'two slices out: the demand does not fit');
  // The living replica keeps borrowing, about 250 requests a second, until it has lent past the dead one's hold
  // and 800 ms have passed since: while the dead one's slice counted, the bucket could not refill beyond the limit
  // less two slices; from then on it refills, and 5,000 tokens take 0.47 s.
  let lentLast = 0;
  for (const until = performance.now() + 5_000; (lentLast <= holdEnds + 100 || (await redisNow(living.redis)) < holdEnds + 800) && performance.now() < until; ) {
    for (let i = 0; i < 5; i++) assert.equal((await living.limiter.reserve(plenty, ask(0, 0))).ok, true);
    await sleep(20);
    for (const loan of Object.values((await bucket(living.redis, 'gone:lim:res/d')).loans)) lentLast = Math.max(lentLast, loan[3]! - 11_000);
  }
  // Its last renewal lands (a PING on its connection answers after it), then the repayment of the slice it replaced.
  await living.redis.client.ping();
  await sleep(1);
  await living.redis.client.ping();
  assert.equal((await probe.reserve(plenty, allButOneSlice)).ok, true, "the dead replica's slice no longer counts");
  assert.ok(lentLast > holdEnds, 'the living replica lent after the dead one\'s hold');
  assert.equal((await loanFields(living.redis, 'gone:lim:res/d')).length, 1, "one loan field: the living replica's");
});

test('slices a replica dropped on a failed command, and one lent by a script it gave up on, stop counting at its next script once Redis answers again', async () => {
  const { limiter: probe } = await replica('failed:', 0);
  // A hold of 11 s: were the dropped slices left to expire, they would count throughout the test. Commands time out after 200 ms.
  const { limiter, redis } = await replica('failed:', 10_000, 'local', 200);
  assert.equal((await limiter.reserve(plenty, ask(0, 0))).ok, true);
  const before = await bucket(redis, 'failed:lim:res/d');
  // Redis holds every command for 600 ms. The slice funds 60 requests meanwhile; past half spent it asks for a
  // fresh one, which is not answered in time: the replica drops its slice. Redis runs that script once the pause
  // ends, lending a second slice the replica never learns of.
  await redis.client.call('CLIENT', 'PAUSE', '600', 'ALL');
  for (let i = 0; i < 60; i++) {
    const o = limiter.reserve(plenty, ask(0, 0));
    assert.ok(!(o instanceof Promise) && o.ok, `request ${i} is the slice's`);
  }
  await sleep(650);
  const dropped = await bucket(redis, 'failed:lim:res/d');
  assert.equal((await limiter.reserve(plenty, ask(0, 0))).ok, true);
  const after = await loanFields(redis, 'failed:lim:res/d');
  // The three slices lent so far were taken from the bucket: 15,000 of those 30,000 tokens refill in 1.4 s.
  await sleep(1_800);
  assert.equal((await probe.reserve(plenty, allButOneSlice)).ok, true, 'only the fresh slice counts');
  const [field] = Object.keys(before.loans);
  assert.equal(Object.keys(before.loans).length, 1, 'a slice was out');
  assert.deepEqual(Object.keys(dropped.loans), [field], 'the dropped slices count until the replica speaks to Redis again');
  assert.equal(dropped.loans[field!]![1], 20_000, 'the one lent after the replica gave up on its script too');
  assert.equal(after.length, 1, `one loan, the fresh slice: ${after.join(', ')}`);
  assert.notEqual(after[0], field, 'lent under a new field: the dropped one is gone');
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
    const { levels: b, loans } = await bucket(redis, `none-${leaseMs}:lim:res/none`);
    assert.deepEqual(loans, {});
    assert.ok(b['r']! >= 640 - 5 && b['r']! < 640 - 4, `only the five requests were taken: ${b['r']}`);
  });
}
