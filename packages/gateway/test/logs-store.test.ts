// The request-log store (SQLite and PostgreSQL) and its writer: retention deletes exactly what is older, pages are
// newest first by keyset, a full queue drops and counts without blocking, and a crash loses no flushed record.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LogQuery } from '../src/telemetry/log-store.ts';
import { LogWriter } from '../src/telemetry/log-writer.ts';
import type { RequestLogRecord } from '../src/telemetry/record.ts';
import { SqliteLogStore } from '../src/telemetry/sqlite-store.ts';
import { stopChild, untilReady } from './child-helpers.ts';
import { HELLO, messages, raw, startTestGateway } from './helpers.ts';
import { DIALECTS, openLogStore } from './log-stores.ts';

const tmp = mkdtempSync(join(tmpdir(), 'cf-logs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const DAY = 86_400_000;
let n = 0;

function record(time: number, over: Partial<RequestLogRecord> = {}): RequestLogRecord {
  n++;
  return {
    time, resource: 'alpha', deployment: 'claude-sonnet-4-6', model: 'claude-sonnet-4-6', backend: 'simulator', upstream: null, attempts: null, operation: 'messages',
    principal: 'key1', appId: null, clientIp: '127.0.0.1', userAgent: 'test', status: 200, errorCode: null, stream: false,
    ttfbMs: 1, ttftMs: null, durationMs: 2, overheadMs: 0.5, inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0, cacheReadTokens: 0, costPico: 105_000_000, requestId: `req_${n}`, apimRequestId: `apim-${n}`, clientRequestId: null,
    ...over,
    instance: over.instance ?? over.resource ?? 'alpha',
  };
}

const POLICY = { days: { alpha: 30, beta: 7 }, defaultDays: 30, hourRollupDays: 400, batchRows: 50 };

for (const dialect of DIALECTS) test(`${dialect}: retention deletes exactly the records older than each resource keeps, in bounded batches, and nothing else`, async () => {
  const store = await openLogStore(dialect);
  const list = async (q: LogQuery) => (await store.logs(q)).records;
  const now = Date.UTC(2026, 10, 25, 12);
  const rows: RequestLogRecord[] = [];
  // alpha keeps 30 days, beta 7, gamma (unconfigured) the default 30: 120 rows each side of each cutoff.
  for (const [resource, days] of [['alpha', 30], ['beta', 7], ['gamma', 30]] as const) {
    const cutoff = now - days * DAY;
    for (let i = 1; i <= 120; i++) rows.push(record(cutoff - i * 1000, { resource }), record(cutoff + i * 1000, { resource }));
    rows.push(record(cutoff, { resource, requestId: `edge-${resource}` })); // exactly at the cutoff: kept
  }
  await store.append(rows);
  const deleted = await store.sweep(now, POLICY);
  assert.equal(deleted, 360, 'three resources × 120 rows older than their cutoff (in batches of 50)');
  for (const [resource, days] of [['alpha', 30], ['beta', 7], ['gamma', 30]] as const) {
    const left = await list({ from: 0, to: now, instances: [resource], limit: 1000, includeContent: false });
    assert.equal(left.length, 121, resource);
    assert.ok(left.every((r) => r.time >= now - days * DAY), resource);
    assert.ok(left.some((r) => r.requestId === `edge-${resource}`));
  }
  assert.equal(await store.sweep(now, POLICY), 0, 'a second sweep finds nothing more');
  await store.close();
});

for (const dialect of DIALECTS) test(`${dialect}: the log is paged newest first by keyset, filtered by status class, deployment, principal and any of the three request ids`, async () => {
  const store = await openLogStore(dialect);
  const list = async (q: LogQuery) => (await store.logs(q)).records;
  const t0 = Date.UTC(2026, 10, 25, 10);
  const rows = Array.from({ length: 250 }, (_, i) =>
    record(t0 + Math.floor(i / 2) * 1000, { status: i % 10 === 0 ? 529 : 200, principal: i % 3 === 0 ? 'key2' : 'key1', clientRequestId: i === 7 ? 'my-call-7' : null }),
  );
  await store.append(rows);
  const seen: number[] = [];
  let before: { time: number; id: number } | undefined;
  for (;;) {
    const page = await list({ from: t0, to: t0 + DAY, instances: ['alpha'], limit: 40, includeContent: false, ...(before ? { before } : {}) });
    seen.push(...page.map((r) => r.id));
    if (page.length < 40) break;
    before = { time: page.at(-1)!.time, id: page.at(-1)!.id };
  }
  assert.equal(seen.length, 250, 'every record once');
  assert.equal(new Set(seen).size, 250);
  const byId = new Map((await list({ from: t0, to: t0 + DAY, instances: ['alpha'], limit: 1000, includeContent: false })).map((r) => [r.id, r]));
  for (let i = 1; i < seen.length; i++) {
    const [a, b] = [byId.get(seen[i - 1]!)!, byId.get(seen[i]!)!];
    assert.ok(a.time > b.time || (a.time === b.time && a.id > b.id), 'newest first, ties by id');
  }
  const base = { from: t0, to: t0 + DAY, instances: ['alpha'], limit: 1000, includeContent: false };
  assert.equal((await list({ ...base, status: '5xx' })).length, 25);
  assert.equal((await list({ ...base, status: 529, principal: 'key2' })).length, 9);
  assert.equal((await list({ ...base, deployment: 'other' })).length, 0);
  assert.equal((await list({ ...base, requestId: 'my-call-7' }))[0]?.clientRequestId, 'my-call-7');
  assert.equal((await list({ ...base, requestId: rows[9]!.apimRequestId })).length, 1);
  assert.equal((await list({ ...base, instances: [] })).length, 0, 'no readable resource, no records');
  await store.close();
});

test('a full queue drops and counts records without blocking; the writer never holds more than its capacity', async () => {
  let release: () => void = () => undefined;
  const stalled = { append: () => new Promise<void>((resolve) => (release = resolve)) };
  const troubles: string[] = [];
  const writer = new LogWriter(stalled, { capacity: 10, flushRecords: 4, flushIntervalMs: 60_000, onTrouble: (what) => troubles.push(what) });
  const started = performance.now();
  const accepted = Array.from({ length: 25 }, (_, i) => writer.enqueue(record(i)));
  assert.ok(performance.now() - started < 50, 'enqueueing never waits on the store');
  assert.equal(accepted.filter(Boolean).length, 10);
  assert.equal(writer.dropped, 15);
  assert.equal(writer.depth, 10);
  assert.equal(troubles.length, 15);
  writer.flush();
  assert.equal(writer.depth, 10, 'records being written still count against the capacity');
  assert.equal(writer.enqueue(record(99)), false);
  release();
  await new Promise((r) => setImmediate(r));
  assert.equal(writer.written, 10, 'the batch is written once the store answers');
  assert.equal(writer.depth, 0);
  assert.equal(writer.enqueue(record(100)), true, 'room again');
  const closed = writer.close();
  release();
  await closed;
  assert.equal(writer.written, 11);
});

test('through the gateway, a queue of one drops and counts the rest, and the metric shows it', async () => {
  const gw = await startTestGateway({ monitoring: { queueCapacity: 1, flushRecords: 1000, flushIntervalMs: 60_000, metricsToken: 'metrics-token-0123456789' } });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await messages(gw, HELLO)).status, 200);
    await new Promise((r) => setTimeout(r, 20));
    const text = (await raw(gw, { method: 'GET', path: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).text;
    assert.match(text, /^claude_foundry_request_log_dropped_total 4$/m);
    assert.match(text, /^claude_foundry_request_log_queue_depth 1$/m);
  } finally {
    await gw.close();
  }
});

test('a gateway killed with SIGKILL right after a flush loses no flushed record', async () => {
  const dataDir = join(tmp, 'crash');
  const script = fileURLToPath(new URL('./fixtures/telemetry-crash.ts', import.meta.url));
  const child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out = await untilReady(child, (o) => (o.includes('flushed') ? o : undefined), { what: 'the telemetry fixture', timeoutMs: 30_000 });
  await stopChild(child);
  const ids = JSON.parse(out.split('\n')[0]!) as string[];
  const store = new SqliteLogStore(join(dataDir, 'logs.db'));
  const instances = store.querySync("SELECT DISTINCT instance FROM request_log WHERE resource = 'claude-local'", []).map((r) => String(r[0]));
  const found = store.logsSync({ from: 0, to: Date.now() + DAY, instances, limit: 1000, includeContent: false }).map((r) => r.requestId);
  await store.close();
  assert.equal(ids.length, 20);
  assert.deepEqual(found.sort(), [...ids].sort());
});

test('migrations 2 and 3 add the pool columns and the filter indexes to a version-1 log, and the API\'s filters use them rather than scanning the time range', async () => {
  const { DatabaseSync } = await import('node:sqlite');
  const { LOG_MIGRATIONS } = await import('../src/telemetry/log-migrations.ts');
  const path = join(tmp, 'v1.db');
  const v1 = new DatabaseSync(path);
  v1.exec(`PRAGMA application_id = ${0x43464c47}; ${LOG_MIGRATIONS[0]!.sql} PRAGMA user_version = 1;`);
  v1.close();
  const store = new SqliteLogStore(path);
  store.appendSync([record(Date.now(), { deployment: 'opus', principal: 'p-1', status: 529 })]);
  await store.close();
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, LOG_MIGRATIONS.length);
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String(r['detail'])).join('; ');
    // The SQL logsSync writes for these filters (the instance column is kept off its index with `+`).
    const range = "l.time >= 0 AND l.time < 9e15 AND +l.instance IN ('a','b')";
    assert.match(plan(`SELECT * FROM request_log l WHERE ${range} AND l.deployment = 'opus' ORDER BY l.time DESC LIMIT 100`), /request_log_deployment_time/);
    assert.match(plan(`SELECT * FROM request_log l WHERE ${range} AND l.principal = 'p-1' ORDER BY l.time DESC LIMIT 100`), /request_log_principal_time/);
    assert.match(plan(`SELECT * FROM request_log l WHERE +l.time >= 0 AND +l.time < 9e15 AND +l.instance IN ('a','b') AND l.status >= 500 AND l.status < 600 ORDER BY l.time DESC LIMIT 100`), /request_log_status_time/);
  } finally {
    db.close();
  }
});
