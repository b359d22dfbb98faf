// The request log on PostgreSQL, what only it does: day partitions that retention drops whole, one replica sweeping
// at a time, follow mode that sees each record once while replicas commit out of id order, and a writer that keeps
// records while PostgreSQL is down (up to its capacity, then drops and counts them) and writes them when it is back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { FollowCursor } from '../src/telemetry/follow-cursor.ts';
import type { LogQuery } from '../src/telemetry/log-store.ts';
import { LogWriter } from '../src/telemetry/log-writer.ts';
import { PostgresLogStore } from '../src/telemetry/postgres/store.ts';
import type { RequestLogRecord } from '../src/telemetry/record.ts';
import { HELLO, messages, raw, startTestGateway } from './helpers.ts';
import { postgresDatabase, postgresServer } from './log-stores.ts';
import { managementToken, monitoring, ROLES } from './telemetry-helpers.ts';

const DAY = 86_400_000;
let n = 0;
function record(time: number, over: Partial<RequestLogRecord> = {}): RequestLogRecord {
  n++;
  return {
    time, resource: 'alpha', deployment: 'sonnet', model: 'claude-sonnet-4-5', backend: 'simulator', upstream: null, attempts: null, operation: 'messages',
    principal: 'key1', appId: null, clientIp: '127.0.0.1', userAgent: 'test', status: 200, errorCode: null, stream: false,
    ttfbMs: 1, ttftMs: null, durationMs: 2, overheadMs: 0.5, inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0, cacheReadTokens: 0, costPico: 105_000_000, requestId: `req_${n}`, apimRequestId: `apim-${n}`, clientRequestId: null,
    ...over,
    instance: over.instance ?? over.resource ?? 'alpha',
  };
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

const partitions = async (url: string) =>
  (await sql(url, "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'request_log' ORDER BY 1")).map((r) => String(r['name']));

describe('day partitions and retention', () => {
  test('a batch creates its days\' partitions; retention drops the days older than every resource keeps whole, deletes the rest row by row, and keeps the hour rollups', async () => {
    const url = await postgresDatabase();
    const store = await PostgresLogStore.open(url);
    try {
      const now = Date.UTC(2026, 10, 25, 12);
      // 40, 35 and 10 days old; alpha keeps 30 days, beta 7 (its 10-day-old rows go one by one).
      await store.append([
        record(now - 40 * DAY), record(now - 40 * DAY + 1000), record(now - 35 * DAY, { resource: 'beta' }),
        record(now - 10 * DAY), record(now - 10 * DAY, { resource: 'beta' }), record(now - 10 * DAY + 5, { resource: 'beta', content: { request: 'q', response: 'a', truncated: false } }),
      ]);
      const names = await partitions(url);
      for (const day of ['20261016', '20261021', '20261115']) assert.ok(names.includes(`request_log_p${day}`), `${day} in ${names.join(', ')}`);
      const deleted = await store.sweep(now, { days: { alpha: 30, beta: 7 }, defaultDays: 30, hourRollupDays: 400, batchRows: 1 });
      assert.equal(deleted, 5, 'two partitions dropped (3 rows), two beta rows deleted');
      const after = await partitions(url);
      assert.ok(!after.includes('request_log_p20261016') && !after.includes('request_log_p20261021'), after.join(', '));
      assert.ok(after.includes('request_log_p20261115'), 'the 10-day-old partition stays: alpha keeps it');
      assert.ok(!(await partitions(url)).some((p) => p.startsWith('request_content_p20261016')));
      const left = (await store.logs({ from: 0, to: now, instances: ['alpha', 'beta'], limit: 100, includeContent: true })).records;
      assert.deepEqual(left.map((r) => r.resource), ['alpha']);
      assert.deepEqual(await sql(url, 'SELECT count(*)::int AS n FROM request_content'), [{ n: 0 }], "beta's content went with its row");
      const usage = await store.usage({ from: 0, to: now, instances: ['alpha', 'beta'], interval: 'hour', groupBy: [] });
      assert.equal(usage.reduce((t, r) => t + r.requests, 0), 6, 'hour rollups outlive the raw rows');
      // A record for a day retention has dropped is written all the same: its partition is made again.
      await store.append([record(now - 40 * DAY)]);
      assert.ok((await partitions(url)).includes('request_log_p20261016'));
    } finally {
      await store.close();
    }
  });

  test('retention runs on one replica at a time: while another holds the lock a sweep does nothing; then it does the work', async () => {
    const url = await postgresDatabase();
    const store = await PostgresLogStore.open(url);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const now = Date.UTC(2026, 10, 25, 12);
      await store.append([record(now - 40 * DAY), record(now - 40 * DAY)]);
      const policy = { days: {}, defaultDays: 30, hourRollupDays: 400, batchRows: 100 };
      await other.query('SELECT pg_advisory_lock($1)', [0x43465254]);
      assert.equal(await store.sweep(now, policy), 0);
      assert.ok((await partitions(url)).includes('request_log_p20261016'), 'nothing dropped while the other replica sweeps');
      await other.query('SELECT pg_advisory_unlock($1)', [0x43465254]);
      assert.equal(await store.sweep(now, policy), 2);
    } finally {
      await other.end();
      await store.close();
    }
  });
});

describe('follow mode with replicas writing', () => {
  let url: string;
  const replicas: PostgresLogStore[] = [];
  before(async () => {
    url = await postgresDatabase();
    for (let i = 0; i < 3; i++) replicas.push(await PostgresLogStore.open(url, { poolSize: 2 }));
  });
  after(async () => {
    for (const r of replicas) await r.close();
  });
  const base = (): LogQuery => ({ from: 0, to: Date.now() + DAY, instances: ['alpha'], limit: 1000, includeContent: false });

  test('a record whose smaller id commits after a larger one is still returned, where following by "id > last" skips it', async () => {
    const [a, b] = replicas as [PostgresLogStore, PostgresLogStore];
    const start = await a.logs({ ...base(), limit: 1 });
    // A slow writer: takes its id first and commits last.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      const { rows } = await slow.query(
        `INSERT INTO request_log (time, resource, instance, status, stream, duration_ms, overhead_ms, input_tokens, output_tokens, cache_write_5m_tokens,
          cache_write_1h_tokens, cache_read_tokens, cost_pico, request_id, apim_request_id) VALUES ($1, 'alpha', 'alpha', 200, 0, 1, 1, 0, 0, 0, 0, 0, 0, 'slow', 'slow') RETURNING id`,
        [Date.now()],
      );
      const slowId = Number(rows[0]!['id']);
      await b.append([record(Date.now()), record(Date.now())]);
      const first = await a.logs({ ...base(), after: start.cursor });
      const firstIds = first.records.map((r) => r.id);
      assert.equal(firstIds.length, 2);
      assert.ok(firstIds.every((id) => id > slowId), 'the fast writer committed larger ids first');
      await slow.query('COMMIT');
      const second = await a.logs({ ...base(), after: first.cursor });
      assert.deepEqual(second.records.map((r) => r.id), [slowId], 'the late commit is followed');
      const naive = await a.logs({ ...base(), after: { id: Math.max(...firstIds) } });
      assert.ok(!naive.records.some((r) => r.id === slowId), 'an id cursor would have skipped it: the test can tell');
      assert.deepEqual((await a.logs({ ...base(), after: second.cursor })).records, [], 'and nothing twice');
    } finally {
      await slow.end();
    }
  });

  test('a record stamped by a replica whose clock runs 5 s ahead is still followed by one whose `to` is its own now', async () => {
    const [a, b] = replicas as [PostgresLogStore, PostgresLogStore];
    const start = await a.logs({ ...base(), limit: 1 });
    await b.append([record(Date.now() + 5000, { requestId: 'from-the-future' })]);
    const next = await a.logs({ ...base(), to: Date.now(), after: start.cursor });
    assert.deepEqual(next.records.map((r) => r.requestId), ['from-the-future']);
  });

  test('three replicas appending concurrently, a follower reading 7 at a time: every record exactly once', async () => {
    const start = (await replicas[0]!.logs({ ...base(), limit: 1 })).cursor;
    const written = new Set<string>();
    let writing = true;
    const writers = replicas.map(async (store, w) => {
      for (let batch = 0; batch < 30; batch++) {
        const size = 1 + ((batch * 7 + w * 3) % 11);
        const rows = Array.from({ length: size }, () => record(Date.now(), { requestId: `w${w}-${n}` }));
        for (const r of rows) written.add(r.requestId);
        await store.append(rows);
        await new Promise((r) => setTimeout(r, (batch * 13 + w * 5) % 4));
      }
    });
    const seen: string[] = [];
    let cursor: FollowCursor = start;
    let continuations = 0;
    const follower = (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const page = await replicas[(seen.length % 3)]!.logs({ ...base(), limit: 7, after: cursor });
        seen.push(...page.records.map((r) => r.requestId));
        if ('upTo' in page.cursor) continuations++;
        cursor = page.cursor;
        if ((!writing && page.records.length === 0) || Date.now() > deadline) return;
        if (page.records.length < 7) await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await Promise.all(writers);
    writing = false;
    await follower;
    assert.equal(new Set(seen).size, seen.length, 'no record twice');
    assert.equal(seen.length, written.size, 'every record once');
    assert.deepEqual(new Set(seen), written);
    assert.ok(continuations > 0, 'windows larger than a page were continued');
  });
});

describe('PostgreSQL unreachable', () => {
  test('a request log that cannot be reached at start is a StoreOpenError naming the database, never its password', async () => {
    await assert.rejects(PostgresLogStore.open('postgres://cf:s3cret-pass@127.0.0.1:9/logs'), (err: Error) => {
      assert.equal(err.name, 'StoreOpenError');
      assert.match(err.message, /The request log in postgres:\/\/127\.0\.0\.1:9\/logs cannot be opened \(.*ECONNREFUSED.*\)\. Check store\.postgres \/ DATABASE_URL/);
      assert.ok(!err.message.includes('s3cret-pass'));
      return true;
    });
  });


  test('the writer keeps records up to its capacity, drops and counts the rest, and writes what it kept once PostgreSQL is back', async () => {
    const server = await postgresServer();
    const url = await postgresDatabase();
    const store = await PostgresLogStore.open(url);
    const troubles: string[] = [];
    const writer = new LogWriter(store, { capacity: 20, flushRecords: 5, flushIntervalMs: 20, keepFailed: true, onTrouble: (what) => troubles.push(what) });
    try {
      writer.enqueue(record(Date.now(), { requestId: 'before' }));
      await writer.drain();
      server.pause();
      for (let i = 0; i < 30; i++) writer.enqueue(record(Date.now(), { requestId: `during-${i}` }));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(writer.dropped, 10, 'past the capacity: dropped and counted');
      assert.equal(writer.depth, 20, 'the rest wait');
      assert.ok(troubles.includes('kept') && troubles.includes('dropped'), troubles.join(', '));
      server.resume();
      await writer.drain();
      assert.equal(writer.written, 21);
      assert.equal(writer.failed, 0);
      const ids = (await store.logs({ from: 0, to: Date.now() + DAY, instances: ['alpha'], limit: 100, includeContent: false })).records.map((r) => r.requestId);
      assert.deepEqual(ids.sort(), ['before', ...Array.from({ length: 20 }, (_, i) => `during-${i}`)].sort());
    } finally {
      server.resume();
      await writer.close();
      await store.close();
    }
  });

  test('a gateway on PostgreSQL keeps serving while it is down; /metrics counts what was dropped; the log has the rest once it is back', async () => {
    const server = await postgresServer();
    const url = await postgresDatabase();
    const token = 'metrics-token-0123456789';
    const gw = await startTestGateway({ store: { postgres: url }, monitoring: { queueCapacity: 3, flushRecords: 1, flushIntervalMs: 20, metricsToken: token } });
    try {
      const reader = await managementToken(gw, ROLES.reader);
      assert.equal((await messages(gw, HELLO)).status, 200);
      await gw.telemetry.flush();
      server.pause();
      for (let i = 0; i < 5; i++) assert.equal((await messages(gw, HELLO)).status, 200, 'the data plane never waits on the log');
      await new Promise((r) => setTimeout(r, 100));
      const metrics = (await raw(gw, { method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${token}` } })).text;
      assert.match(metrics, /^claude_foundry_request_log_dropped_total 2$/m);
      assert.match(metrics, /^claude_foundry_request_log_queue_depth 3$/m);
      server.resume();
      await gw.telemetry.flush();
      const logs = await monitoring(gw, '/monitoring/logs', reader);
      assert.equal(logs.status, 200, logs.text);
      assert.equal((logs.json() as { value: unknown[] }).value.length, 4, 'one before, three kept');
    } finally {
      server.resume();
      await gw.close();
    }
  });
});
