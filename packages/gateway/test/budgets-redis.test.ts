// Budgets shared through Redis (telemetry/budgets-redis.ts), replica by replica: each a BudgetBook on its own
// request-log store (real SQLite) and its own Redis connection. Spend adds up across them (sent every 100 ms, added
// up), a budget set on one reaches the others within a poll, an alert is recorded once, and Redis away then back loses nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectRedis, type SharedRedis } from '../src/limits/redis-client.ts';
import { BudgetBook } from '../src/telemetry/budgets.ts';
import { shareBudgets, type SharedBudgets } from '../src/telemetry/budgets-redis.ts';
import { SqliteLogStore } from '../src/telemetry/sqlite-store.ts';
import { GatewayError } from '../src/errors/index.ts';
import { startRedis, type RedisServer } from './services/redis.ts';

const POLL_MS = 100;
const dir = mkdtempSync(join(tmpdir(), 'cf-budgets-redis-'));
let server: RedisServer;
const cleanup: (() => unknown)[] = [];

before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function replica(name: string, prefix: string): Promise<{ book: BudgetBook; store: SqliteLogStore; redis: SharedRedis; shared: SharedBudgets }> {
  const store = new SqliteLogStore(join(dir, `${prefix}${name}.db`));
  const redis = connectRedis({ url: server.url, commandTimeoutMs: 2_000, keyPrefix: prefix });
  await until(() => redis.ready());
  const book = new BudgetBook(store, Date.now);
  await book.load(['acct']);
  const shared = await shareBudgets(book, redis, { pollMs: POLL_MS, resources: ['acct'] });
  cleanup.push(() => store.close(), () => redis.close(), () => shared.close());
  return { book, store, redis, shared };
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const budget = (amountPico: bigint, enforce = true) => ({ instance: 'acct', resource: 'acct', amountPico, thresholds: [50, 100], enforce, updatedAt: Date.now() });
const refused = (book: BudgetBook) => {
  try {
    book.admit('acct');
    return false;
  } catch (err) {
    assert.ok(err instanceof GatewayError && err.status === 403);
    return true;
  }
};

test('spend adds up across replicas; a budget set on one is enforced on the others within a poll', async () => {
  const [a, b, c] = await Promise.all([replica('a', 'sum:'), replica('b', 'sum:'), replica('c', 'sum:')]);
  a!.book.add('acct', 400_000);
  b!.book.add('acct', 500_000);
  await until(() => c!.book.spent('acct') === 900_000n);
  c!.book.set(budget(1_000_000n));
  await c!.store.putBudget(budget(1_000_000n));
  const t = Date.now();
  await until(() => a!.book.budget('acct') !== undefined && b!.book.budget('acct') !== undefined);
  assert.ok(Date.now() - t < 1_000, `learnt in ${Date.now() - t} ms`);
  assert.equal(refused(a!.book), false);
  b!.book.add('acct', 100_000);
  await until(() => refused(a!.book) && refused(c!.book), 2_000);
  c!.book.delete('acct');
  await until(() => a!.book.budget('acct') === undefined && !refused(b!.book));
});

test('spend is sent added up, not per request: 200 priced requests on a replica cost a few INCRBYs, and the counter expires', async () => {
  const [a, b] = await Promise.all([replica('a', 'batch:'), replica('b', 'batch:')]);
  const calls = async () => Number(/cmdstat_incrby:calls=(\d+)/.exec(await a!.redis.client.info('commandstats'))?.[1] ?? 0);
  const before = await calls();
  for (let i = 0; i < 200; i++) a!.book.add('acct', 1_000);
  assert.equal(a!.book.spent('acct'), 200_000n, 'its own spend counts at once');
  await until(() => b!.book.spent('acct') === 200_000n);
  assert.ok((await calls()) - before <= 2, `${(await calls()) - before} INCRBY for 200 requests`);
  const ttl = await a!.redis.client.pttl(`batch:spend:${a!.book.month.key}:acct`);
  assert.ok(ttl > 39 * 86_400_000, `the counter expires after its month: ${ttl} ms`);
});

test('a threshold crossed on several replicas is recorded once', async () => {
  const [a, b] = await Promise.all([replica('a', 'alert:'), replica('b', 'alert:')]);
  a!.book.set(budget(1_000n, false));
  await until(() => b!.book.budget('acct') !== undefined);
  a!.book.add('acct', 600);
  await until(() => b!.book.spent('acct') === 600n);
  await new Promise((r) => setTimeout(r, 200));
  const alerts = [...(await a!.store.alerts(['acct'], 0)), ...(await b!.store.alerts(['acct'], 0))];
  assert.deepEqual(alerts.map((x) => x.threshold), [50]);
});

test('Redis away: spend and budget changes wait, then are sent; a restarted Redis is seeded from the replicas', async () => {
  const [a, b] = await Promise.all([replica('a', 'down:'), replica('b', 'down:')]);
  a!.book.add('acct', 1_000);
  await until(() => b!.book.spent('acct') === 1_000n);
  await server.pause();
  try {
    await until(() => !a!.redis.ready() && !b!.redis.ready());
    a!.book.add('acct', 2_000); // kept locally
    b!.book.set(budget(10_000n));
    assert.equal(a!.book.spent('acct'), 3_000n, 'its own spend counts at once');
  } finally {
    await server.resume();
  }
  // The restarted Redis is empty: seeded with each replica's figure (the first one's kept), then the versions meet.
  await until(() => a!.redis.ready() && b!.redis.ready());
  await until(() => a!.book.budget('acct')?.amountPico === 10_000n);
  const total = BigInt((await a!.redis.client.get(`down:spend:${a!.book.month.key}:acct`)) ?? '0');
  assert.ok(total === 3_000n || total === 1_000n, `seeded with a replica's figure: ${total}`);
  // Whichever replica seeded it, the spend made while Redis was away is counted once: 1,000 + 2,000.
  await until(() => a!.book.spent('acct') === 3_000n && b!.book.spent('acct') === 3_000n);
  await new Promise((r) => setTimeout(r, POLL_MS * 4));
  assert.equal(BigInt((await a!.redis.client.get(`down:spend:${a!.book.month.key}:acct`)) ?? '0'), 3_000n, 'the counter, settled');
  assert.deepEqual([a!.book.spent('acct'), b!.book.spent('acct')], [3_000n, 3_000n]);
});

test('a Redis that kept budgets by resource name (before instances): the first replica drops those and shares its own, loaded from the log', async () => {
  const prefix = 'by-name:';
  const seed = connectRedis({ url: server.url, commandTimeoutMs: 2_000, keyPrefix: prefix });
  await until(() => seed.ready());
  await seed.client.hset(`${prefix}budgets`, 'acct', JSON.stringify({ resource: 'acct', amountPico: '1', thresholds: [100], enforce: true, updatedAt: 1 }));
  await seed.client.set(`${prefix}budgets:version`, '7');
  seed.close();
  const store = new SqliteLogStore(join(dir, 'by-name.db'));
  await store.putBudget({ instance: 'i-acct', resource: 'acct', amountPico: 10_000n, thresholds: [100], enforce: true, updatedAt: Date.now() });
  const redis = connectRedis({ url: server.url, commandTimeoutMs: 2_000, keyPrefix: prefix });
  await until(() => redis.ready());
  const book = new BudgetBook(store, Date.now);
  await book.load(['i-acct']);
  const shared = await shareBudgets(book, redis, { pollMs: POLL_MS, resources: ['i-acct'] });
  cleanup.push(() => store.close(), () => redis.close(), () => shared.close());
  await new Promise((r) => setTimeout(r, POLL_MS * 4));
  assert.equal(book.budget('i-acct')?.amountPico, 10_000n, 'the polls keep the budget the log holds');
  assert.deepEqual(Object.keys(await redis.client.hgetall(`${prefix}budgets`)), ['i-acct'], 'the budget kept by name is gone');
});
