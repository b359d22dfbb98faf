// The request-log benchmark: 1,000,000 records over 30 days in logs.db, then the queries the API and the
// dashboards make, each timed several times; then the same on PostgreSQL (a throwaway server from Debian's
// package, as the tests start it; BENCH_PG_ROWS records, `0` skips it), plus a follow-mode poll. Not a test:
// `node bench/logs/run.ts` (or `npm run bench:logs`) writes bench/results/logs.json and bench/results/logs.md.
// The method is in docs/benchmarks.md.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import type { RequestLogRecord } from '../../packages/gateway/src/telemetry/record.ts';
import type { LogQuery, RequestLogStore, UsageQuery } from '../../packages/gateway/src/telemetry/log-store.ts';
import { PostgresLogStore } from '../../packages/gateway/src/telemetry/postgres/store.ts';
import { SqliteLogStore } from '../../packages/gateway/src/telemetry/sqlite-store.ts';
import { startPostgres } from '../../packages/gateway/test/services/postgres.ts';

const ROWS = Number(process.env['BENCH_LOG_ROWS'] ?? 1_000_000);
// Fewer than SQLite's by default: ten indexes per day partition make PostgreSQL's load the slow part, and the run
// stays within about two minutes on a loaded two-core machine. BENCH_PG_ROWS=1000000 for the same size.
const PG_ROWS = Number(process.env['BENCH_PG_ROWS'] ?? 200_000);
const RUNS = 9;
const BATCH = 10_000;
const TARGET_MS = 200;
const DAY = 86_400_000;
const RESOURCES = ['contoso-prod', 'contoso-dev', 'fabrikam', 'northwind', 'adventure-works'];
const DEPLOYMENTS = [['claude-sonnet-4-6', 'claude-sonnet-4-6'], ['claude-haiku-4-5', 'claude-haiku-4-5'], ['claude-opus-4-1', 'claude-opus-4-1'], ['sonnet-dz', 'claude-sonnet-4-6']] as const;
const PRINCIPALS = ['key1', 'key2', ...Array.from({ length: 8 }, (_, i) => `0000000${i}-aaaa-4bbb-8ccc-${String(i).padStart(12, '0')}`)];

/** A deterministic spread of realistic records: mostly 200s, some 429s and 5xx, streams, cache use. */
function record(i: number, now: number, rows = ROWS): RequestLogRecord {
  const h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  const [deployment, model] = DEPLOYMENTS[h % DEPLOYMENTS.length]!;
  const status = h % 50 === 0 ? 429 : h % 97 === 0 ? 529 : 200;
  const input = 200 + (h % 4000);
  const output = status === 200 ? 50 + ((h >>> 8) % 800) : 0;
  const read = h % 3 === 0 ? 2000 + ((h >>> 4) % 20_000) : 0;
  return {
    // Spread evenly over the last 30 days, newest last.
    time: now - 30 * DAY + Math.floor((i / rows) * 30 * DAY),
    resource: RESOURCES[(h >>> 3) % RESOURCES.length]!,
    // The bench's instances are its resource names: the store keys by whatever string it is given.
    instance: RESOURCES[(h >>> 3) % RESOURCES.length]!,
    deployment, model, backend: 'anthropic', upstream: null, attempts: null, operation: 'messages',
    principal: PRINCIPALS[(h >>> 5) % PRINCIPALS.length]!, appId: null, clientIp: '10.0.0.12', userAgent: 'Anthropic/JS 0.54.0',
    status, errorCode: status === 429 ? 'deployment_rate_limited' : status === 529 ? 'http_529' : null, stream: h % 2 === 0,
    ttfbMs: 300 + (h % 500), ttftMs: h % 2 === 0 ? 320 + (h % 500) : null, durationMs: 900 + (h % 9000), overheadMs: 0.2 + (h % 100) / 100,
    inputTokens: input, outputTokens: output, cacheWrite5mTokens: h % 11 === 0 ? 1500 : 0, cacheWrite1hTokens: h % 13 === 0 ? 3000 : 0, cacheReadTokens: read,
    costPico: (input * 3 + output * 15) * 1_000_000 + read * 300_000,
    requestId: `req_011CBench${String(i).padStart(14, '0')}`, apimRequestId: `0000bench-${String(i).padStart(10, '0')}`, clientRequestId: h % 5 === 0 ? `client-${i}` : null,
  };
}

async function time(fn: () => unknown): Promise<{ ms: number[]; rows: number }> {
  let rows = 0;
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    let out = await fn();
    if (out && typeof out === 'object' && 'records' in out) out = out.records;
    ms.push(performance.now() - t);
    rows = Array.isArray(out) ? out.length : rows;
  }
  return { ms, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (ms: number) => Math.round(ms * 100) / 100;

interface Query {
  name: string;
  what: string;
  run: () => unknown;
}

/** The monitoring API's queries, through the store interface both implementations share. */
function apiQueries(store: RequestLogStore, now: number, rows: number): Query[] {
  const monthAgo = now - 30 * DAY;
  const dayStart = (ms: number) => ms - (ms % DAY);
  const hourStart = (ms: number) => ms - (ms % 3_600_000);
  const logs = (q: Omit<LogQuery, 'includeContent'>) => () => store.logs({ ...q, includeContent: false });
  const usage = (q: UsageQuery) => () => store.usage(q);
  return [
    { name: 'last hour, newest 100', what: 'GET /monitoring/logs?from=1h (every resource)', run: logs({ from: now - 3_600_000, to: now, instances: RESOURCES, limit: 100 }) },
    { name: 'last hour, one resource', what: 'GET /monitoring/logs?resource=contoso-prod&from=1h&limit=1000', run: logs({ from: now - 3_600_000, to: now, instances: ['contoso-prod'], limit: 1000 }) },
    { name: 'last hour, 5xx of one resource', what: '...&status=5xx', run: logs({ from: now - 3_600_000, to: now, instances: ['contoso-prod'], status: '5xx', limit: 100 }) },
    { name: 'a request id, over 30 days', what: 'GET /monitoring/logs?requestId=…&from=30d', run: logs({ from: monthAgo, to: now, instances: RESOURCES, requestId: `req_011CBench${String(Math.floor(rows / 2)).padStart(14, '0')}`, limit: 100 }) },
    { name: 'one deployment across resources, 30 days', what: 'GET /monitoring/logs?deployment=claude-opus-4-1&from=30d&limit=1000', run: logs({ from: monthAgo, to: now, instances: RESOURCES, deployment: 'claude-opus-4-1', limit: 1000 }) },
    { name: 'one deployment, 429s, 7 days', what: '...&deployment=claude-opus-4-1&status=429&from=7d', run: logs({ from: now - 7 * DAY, to: now, instances: RESOURCES, deployment: 'claude-opus-4-1', status: 429, limit: 1000 }) },
    { name: '5xx across resources, 30 days', what: 'GET /monitoring/logs?status=5xx&from=30d&limit=1000', run: logs({ from: monthAgo, to: now, instances: RESOURCES, status: '5xx', limit: 1000 }) },
    { name: 'one principal, 30 days', what: 'GET /monitoring/logs?principal=…&from=30d&limit=1000', run: logs({ from: monthAgo, to: now, instances: RESOURCES, principal: PRINCIPALS[4]!, limit: 1000 }) },
    { name: 'an hour 10 days ago', what: 'GET /monitoring/logs?from=…&to=…&limit=1000', run: logs({ from: now - 10 * DAY, to: now - 10 * DAY + 3_600_000, instances: RESOURCES, limit: 1000 }) },
    { name: 'daily cost rollup, 30 days', what: 'GET /monitoring/usage?interval=day&from=30d (from usage_day)', run: usage({ from: dayStart(monthAgo), to: now, instances: RESOURCES, interval: 'day', groupBy: [] }) },
    { name: 'daily cost by deployment, 30 days', what: '...&groupBy=deployment', run: usage({ from: dayStart(monthAgo), to: now, instances: RESOURCES, interval: 'day', groupBy: ['deployment'] }) },
    { name: 'hourly usage by principal, 24 h', what: 'GET /monitoring/usage?interval=hour&groupBy=principal', run: usage({ from: hourStart(now - DAY), to: now, instances: RESOURCES, interval: 'hour', groupBy: ['principal'] }) },
  ];
}

async function measure(queries: Query[]) {
  const results = [];
  for (const q of queries) {
    const { ms, rows } = await time(q.run);
    results.push({ name: q.name, what: q.what, rows, medianMs: round(median(ms)), maxMs: round(Math.max(...ms)), underTarget: median(ms) < TARGET_MS });
  }
  return results;
}

type Results = Awaited<ReturnType<typeof measure>>;

async function batches(rows: number, now: number, each: (batch: RequestLogRecord[], last: boolean) => unknown): Promise<void> {
  for (let i = 0; i < rows; i += BATCH) {
    const batch: RequestLogRecord[] = [];
    for (let j = i; j < Math.min(rows, i + BATCH); j++) batch.push(record(j, now, rows));
    await each(batch, i + BATCH >= rows);
  }
}

async function sqliteRun(now: number) {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-logs-'));
  try {
    const path = join(dir, 'logs.db');
    const store = new SqliteLogStore(path);
    const started = performance.now();
    await batches(ROWS, now, (batch) => store.appendSync(batch));
    const insertMs = performance.now() - started;
    process.stderr.write(`SQLite: inserted ${ROWS} rows in ${Math.round(insertMs)} ms\n`);
    const raw = new DatabaseSync(path, { readOnly: true });
    const results = await measure([
      ...apiQueries(store, now, ROWS),
      {
        name: 'daily cost from raw rows (no rollup)', what: 'for contrast: what a rollup-less gateway scans',
        run: () => raw.prepare('SELECT time - time % 86400000 AS day, resource, SUM(cost_pico) FROM request_log WHERE time >= ? GROUP BY day, resource').all(now - 30 * DAY),
      },
    ]);
    raw.close();
    const sizeMb = Math.round(statSync(path).size / 1e5) / 10;
    await store.close();
    return { rows: ROWS, insert: { ms: Math.round(insertMs), rowsPerSecond: Math.round(ROWS / (insertMs / 1000)), batch: BATCH }, databaseMb: sizeMb, queries: results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresRun(now: number) {
  const server = await startPostgres();
  try {
    const url = server.createDatabase('bench_logs');
    const store = await PostgresLogStore.open(url);
    const started = performance.now();
    let cursor: Awaited<ReturnType<RequestLogStore['logs']>>['cursor'] | undefined;
    await batches(PG_ROWS, now, async (batch, last) => {
      // The cursor a follower holds before the last batch: its next poll reads that batch.
      if (last) cursor = (await store.logs({ from: 0, to: 1, instances: [], limit: 1, includeContent: false })).cursor;
      await store.append(batch);
    });
    const insertMs = performance.now() - started;
    process.stderr.write(`PostgreSQL: inserted ${PG_ROWS} rows in ${Math.round(insertMs)} ms\n`);
    // What autovacuum would do after a bulk load: planner statistics.
    server.sql('ANALYZE', 'bench_logs');
    const results = await measure([
      ...apiQueries(store, now, PG_ROWS),
      {
        name: 'follow: the next poll after a batch', what: 'GET /monitoring/logs?after=<cursor>&limit=1000',
        run: () => store.logs({ from: now - DAY, to: now + DAY, instances: RESOURCES, limit: 1000, includeContent: false, after: cursor! }),
      },
      {
        name: 'daily cost from raw rows (no rollup)', what: 'for contrast: what a rollup-less gateway scans',
        run: () => store.query('SELECT time - time % 86400000 AS day, resource, SUM(cost_pico) FROM request_log WHERE time >= $1 GROUP BY 1, 2', [now - 30 * DAY]),
      },
    ]);
    const sizeMb = Math.round(Number(server.sql("SELECT pg_database_size('bench_logs')")) / 1e5) / 10;
    const partitions = Number(server.sql("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'request_log'", 'bench_logs'));
    await store.close();
    return { rows: PG_ROWS, insert: { ms: Math.round(insertMs), rowsPerSecond: Math.round(PG_ROWS / (insertMs / 1000)), batch: BATCH }, databaseMb: sizeMb, partitions, queries: results };
  } finally {
    server.stop();
  }
}

const table = (results: Results) => [
  '| query | API call | rows | median ms | max ms | < 200 ms |',
  '|---|---|--:|--:|--:|:-:|',
  ...results.map((r) => `| ${r.name} | ${r.what} | ${r.rows} | ${r.medianMs} | ${r.maxMs} | ${r.underTarget ? 'yes' : 'no'} |`),
];

const now = Date.now();
const sqlite = ROWS > 0 ? await sqliteRun(now) : undefined;
const postgres = PG_ROWS > 0 ? await postgresRun(now) : undefined;
const report = { date: new Date(now).toISOString(), node: process.version, runs: RUNS, targetMs: TARGET_MS, sqlite, postgres };
const out = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'logs.json'), `${JSON.stringify(report, null, 2)}\n`);
const md = [
  `# Request-log benchmark (${report.date.slice(0, 10)}, Node ${report.node})`,
  '',
  `Records over 30 days, 5 resources × 4 deployments × 10 principals. Each query ran ${RUNS} times; target: median under ${TARGET_MS} ms.`,
  ...(sqlite
    ? [
        '',
        `## SQLite (logs.db)`,
        '',
        `${sqlite.rows.toLocaleString('en-US')} records; logs.db ${sqlite.databaseMb} MB. Inserted in ${sqlite.insert.ms.toLocaleString('en-US')} ms (${sqlite.insert.rowsPerSecond.toLocaleString('en-US')} rows/s, transactions of ${BATCH.toLocaleString('en-US')} with their rollups).`,
        '',
        ...table(sqlite.queries),
      ]
    : []),
  ...(postgres
    ? [
        '',
        '## PostgreSQL (a throwaway local server, fsync off as in the tests)',
        '',
        `${postgres.rows.toLocaleString('en-US')} records in ${postgres.partitions} day partitions; database ${postgres.databaseMb} MB. Inserted in ${postgres.insert.ms.toLocaleString('en-US')} ms (${postgres.insert.rowsPerSecond.toLocaleString('en-US')} rows/s, one unnest INSERT of ${BATCH.toLocaleString('en-US')} rows plus three rollup upserts per transaction), then ANALYZE.`,
        '',
        ...table(postgres.queries),
      ]
    : []),
  '',
].join('\n');
writeFileSync(join(out, 'logs.md'), md);
process.stdout.write(`${md}\n`);
