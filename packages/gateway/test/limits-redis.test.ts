// The Redis limiter against a real Redis (test/services/redis.ts): the same decisions as the in-process limiter
// step for step, exact under concurrency from several connections (as replicas), namespaced expiring keys, and
// what each deployment does while Redis is away — 503 at once or per-replica buckets of limit/N — then exact again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GatewayError } from '../src/errors/index.ts';
import { createMemoryLimiter, type Demand, type Limiter, type Rejection, type Reservation, type Scope } from '../src/limits/index.ts';
import { connectRedis, type SharedRedis } from '../src/limits/redis-client.ts';
import { createRedisLimiter, type RedisDownMode } from '../src/limits/redis.ts';
import { startRedis, type RedisServer } from './services/redis.ts';

let server: RedisServer;
const connections: SharedRedis[] = [];

async function replica(prefix: string, whenDown: RedisDownMode = 'local', replicas = 3): Promise<{ limiter: Limiter; redis: SharedRedis }> {
  const redis = connectRedis({ url: server.url, commandTimeoutMs: 200, keyPrefix: prefix });
  connections.push(redis);
  await waitReady(redis);
  return { limiter: createRedisLimiter({ redis, whenDown: () => whenDown, replicas }), redis };
}

async function waitReady(redis: SharedRedis, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!redis.ready()) {
    if (Date.now() > until) throw new Error('Redis did not connect');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ask = (input: number, output = 1): Demand => ({ requests: 1, input, output });

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of connections) await c.close();
  await server.stop();
});

describe('the Redis limiter decides as the in-process one', () => {
  test('a random sequence of reserves, reconciles and releases on a deployment and its pool: the same outcomes and retry-after', async () => {
    const { limiter: shared } = await replica('same:');
    const local = createMemoryLimiter();
    // Limits low enough that the refill during the run (well under a second) cannot change a decision.
    const scopes = (i: number): Scope[] => [
      { key: `dep${i % 2}`, limits: { rpm: 12, itpm: 9_000, otpm: 3_000 } },
      { key: 'pool', limits: { rpm: 20, itpm: 12_000, otpm: 6_000 } },
    ];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const open: [Reservation, Reservation][] = [];
    let admitted = 0;
    // The two clocks read each step a little apart (a round trip to Redis, more on a loaded machine): a bucket's
    // level, hence a wait, can differ by about the longest such gap so far.
    let gap = 0;
    for (let step = 0; step < 120; step++) {
      const began = performance.now();
      const op = random(10);
      if (op < 6 || open.length === 0) {
        const demand = ask(random(3_000) + 1, random(900) + 1);
        const a = local.reserve(scopes(step), demand);
        const b = await shared.reserve(scopes(step), demand);
        gap = Math.max(gap, performance.now() - began);
        assert.equal(b.ok, a.ok, `step ${step}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        if (a.ok && b.ok) {
          admitted++;
          open.push([a, b]);
        } else {
          const [x, y] = [a as Rejection, b as Rejection];
          assert.equal(y.limit, x.limit, `step ${step}`);
          assert.equal(y.scope, x.scope, `step ${step}`);
          assert.ok(Math.abs(y.retryAfterMs - x.retryAfterMs) <= 2 * gap + 10, `step ${step}: ${x.retryAfterMs} vs ${y.retryAfterMs} (gap ${gap.toFixed(1)} ms)`);
        }
      } else {
        const [a, b] = open.splice(random(open.length), 1)[0]!;
        if (op < 9) {
          const actual = { input: random(2_000), output: random(500) };
          a.reconcile(actual);
          b.reconcile(actual);
        } else {
          a.release();
          b.release();
        }
        await new Promise((r) => setTimeout(r, 5)); // the settlement is sent without waiting: let it land
        gap = Math.max(gap, performance.now() - began);
      }
    }
    assert.ok(admitted > 10 && admitted < 110, `both admitted and refused (${admitted} admitted)`);
  });

  test('a demand larger than a whole bucket passes a full bucket only, as in process', async () => {
    const { limiter } = await replica('big:');
    const scopes = [{ key: 'd', limits: { rpm: 10, itpm: 1_000, otpm: 1_000 } }];
    assert.equal((await limiter.reserve(scopes, ask(5_000))).ok, true);
    const next = (await limiter.reserve(scopes, ask(1))) as Rejection;
    assert.equal(next.ok, false);
    assert.equal(next.limit, 'input');
    assert.ok(next.retryAfterMs > 4 * 60_000, `it waits out the overshoot: ${next.retryAfterMs} ms`);
  });

  test('a limit of 0 refuses with no retry-after (Infinity)', async () => {
    const { limiter } = await replica('zero:');
    assert.deepEqual(await limiter.reserve([{ key: 'p', limits: { rpm: 0, itpm: 0, otpm: 0 } }], ask(1)), { ok: false, limit: 'requests', scope: 0, retryAfterMs: Infinity });
  });
});

describe('shared by replicas', () => {
  test('100 concurrent reserves from three connections against RPM 30: exactly 30 admitted, every refusal with a retry-after', async () => {
    const replicas = await Promise.all([replica('rpm:'), replica('rpm:'), replica('rpm:')]);
    const scopes = [{ key: 'res/rpm30', limits: { rpm: 30, itpm: 10_000_000, otpm: 10_000_000 } }];
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => replicas[i % 3]!.limiter.reserve(scopes, ask(10))));
    assert.equal(outcomes.filter((o) => o.ok).length, 30);
    for (const o of outcomes) if (!o.ok) assert.ok(o.retryAfterMs > 0 && o.retryAfterMs <= 2_000, `retry-after ${o.retryAfterMs}`);
  });

  test('ITPM from three connections: admitted input within the limit plus one reservation; reconciling gives the rest back', async () => {
    const replicas = await Promise.all([replica('itpm:'), replica('itpm:'), replica('itpm:')]);
    const scopes = [{ key: 'res/itpm', limits: { rpm: 100_000, itpm: 20_000, otpm: 10_000_000 } }];
    const demands = Array.from({ length: 100 }, (_, i) => 300 + ((i * 37) % 700));
    const outcomes = await Promise.all(demands.map((input, i) => replicas[i % 3]!.limiter.reserve(scopes, ask(input))));
    const admitted = demands.filter((_, i) => outcomes[i]!.ok).reduce((a, b) => a + b, 0);
    assert.ok(admitted <= 20_000 + 1_000 && admitted > 20_000 - 1_000, `admitted ${admitted} input tokens of 20,000`);
    // Every admitted request used 0 input in the end: its tokens come back, and as many again fit.
    for (const o of outcomes) if (o.ok) o.reconcile({ input: 0, output: 0 });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await replicas[0]!.limiter.reserve(scopes, ask(15_000))).ok, true);
  });

  test('keys carry the prefix and expire once the bucket would be full again', async () => {
    const { limiter, redis } = await replica('ns:');
    await limiter.reserve([{ key: 'res/d', limits: { rpm: 60, itpm: 60_000, otpm: 60_000 } }], ask(30_000, 6_000));
    const keys = await redis.client.keys('ns:*');
    assert.deepEqual(keys, ['ns:lim:res/d']);
    const ttl = await redis.client.pttl('ns:lim:res/d');
    // Half the input bucket taken: full again in 30 s (+1 s slack).
    assert.ok(ttl > 29_000 && ttl <= 31_000, `ttl ${ttl}`);
  });
});

describe('while Redis is away', () => {
  test('fail-closed answers 503 at once; local admits limit/N; back again, admissions are exact (a restarted Redis starts full)', async () => {
    const closed = await replica('down:', 'fail-closed');
    const local = await replica('down:', 'local', 3);
    const scopes = [{ key: 'res/d', limits: { rpm: 30, itpm: 10_000_000, otpm: 10_000_000 } }];
    assert.equal((await closed.limiter.reserve(scopes, ask(1))).ok, true);
    await server.pause();
    try {
      const t = performance.now();
      await assert.rejects(Promise.resolve(closed.limiter.reserve(scopes, ask(1))), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.status, 503);
        assert.match(err.message, /rate limiter is unreachable/);
        return true;
      });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => local.limiter.reserve(scopes, ask(1))));
      assert.equal(outcomes.filter((o) => o.ok).length, 10, 'RPM 30 over 3 replicas: 10 here');
      assert.ok(performance.now() - t < 1_000, `no wait for Redis: ${Math.round(performance.now() - t)} ms`);
      await assert.rejects(closed.redis.ping(), /^Error: Redis at 127\.0\.0\.1:\d+ (is unreachable|did not answer PING)/);
    } finally {
      await server.resume();
    }
    await Promise.all([waitReady(closed.redis), waitReady(local.redis)]);
    await closed.redis.ping();
    const after = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? closed : local).limiter.reserve(scopes, ask(1))));
    assert.equal(after.filter((o) => o.ok).length, 30);
  });

  test('a command that is not answered in time counts as Redis away (a paused process, not a closed socket)', async () => {
    const { limiter, redis } = await replica('slow:', 'fail-closed');
    const scopes = [{ key: 'res/d', limits: { rpm: 30, itpm: 1_000, otpm: 1_000 } }];
    // CLIENT PAUSE holds every client's commands for 1 s: the connection stays up, the script is not answered.
    await redis.client.call('CLIENT', 'PAUSE', '1000', 'ALL');
    const t = performance.now();
    await assert.rejects(Promise.resolve(limiter.reserve(scopes, ask(1))), (err: unknown) => err instanceof GatewayError && err.status === 503);
    const waited = performance.now() - t;
    assert.ok(waited >= 150 && waited < 900, `refused after the 200 ms command timeout: ${Math.round(waited)} ms`);
    await redis.client.call('CLIENT', 'UNPAUSE').catch(() => undefined);
  });
});
