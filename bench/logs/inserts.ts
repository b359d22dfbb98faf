// What the request_id index costs an insert as logs.db grows, when request ids are random (an upstream's own, as
// Anthropic's are), and what a request-id lookup costs with each index layout. Not a test:
//   node bench/logs/inserts.ts [layout] [rows] [records per second]
// layout: `now` (request_id alone), `none` (no request_id index: the floor), `hour` or `minute` (the bucket of
// `time`, then request_id: inserts stay in the current bucket's part of the index; a lookup seeks once per bucket).
// Prints CPU µs per record per 100,000 rows (process CPU around each 500-record append, as the log worker commits),
// then a lookup of a missing id and of the oldest id over the whole range. docs/benchmarks.md has the figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { RequestLogRecord } from '../../packages/gateway/src/telemetry/record.ts';
import { SqliteLogStore } from '../../packages/gateway/src/telemetry/sqlite-store.ts';

const LAYOUTS = { now: undefined, none: '', hour: 3_600_000, minute: 60_000 } as const;
const layout = (process.argv[2] ?? 'now') as keyof typeof LAYOUTS;
if (!(layout in LAYOUTS)) throw new Error(`layout is one of ${Object.keys(LAYOUTS).join(', ')}`);
const ROWS = Number(process.argv[3] ?? 300_000);
const RATE = Number(process.argv[4] ?? 1500);
const BATCH = 500;
const WINDOW = 100_000;
const bucket = LAYOUTS[layout];

const dir = mkdtempSync(join(tmpdir(), 'cf-bench-inserts-'));
try {
  const path = join(dir, 'logs.db');
  await new SqliteLogStore(path).close(); // the schema, migrated
  const db = new DatabaseSync(path);
  if (bucket !== undefined) db.exec('DROP INDEX request_log_request_id');
  if (typeof bucket === 'number') db.exec(`CREATE INDEX request_log_bucket_request_id ON request_log (time / ${bucket}, request_id)`);
  db.close();
  const store = new SqliteLogStore(path);
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const randomId = () => `req_011C${[...randomBytes(24)].map((b) => alphabet[b % 58]).join('')}`;
  const start = Date.UTC(2026, 10, 1);
  const end = start + Math.floor((ROWS / RATE) * 1000);
  let oldest = '';
  let cpu = 0;
  const windows: string[] = [];
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch: RequestLogRecord[] = [];
    for (let j = i; j < Math.min(ROWS, i + BATCH); j++) {
      const time = start + Math.floor((j / RATE) * 1000);
      batch.push({
        time, resource: 'bench', instance: 'bench', deployment: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: null, attempts: null,
        operation: 'messages', principal: 'key1', appId: null, clientIp: '10.0.0.12', userAgent: 'Anthropic/JS 0.54.0', status: 200, errorCode: null,
        stream: false, ttfbMs: 300, ttftMs: null, durationMs: 900, overheadMs: 0.3, inputTokens: 200, outputTokens: 50, cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0, cacheReadTokens: 0, costPico: 1_350_000_000, requestId: randomId(),
        // Ours: a version-7 GUID, in time order.
        apimRequestId: `${time.toString(16).padStart(12, '0')}-7000-8000-${String(j).padStart(12, '0')}`, clientRequestId: null,
      });
    }
    if (i === 0) oldest = batch[0]!.requestId;
    const before = process.cpuUsage();
    store.appendSync(batch);
    const used = process.cpuUsage(before);
    cpu += used.user + used.system;
    if ((i + BATCH) % WINDOW === 0) {
      windows.push(`${(i + BATCH) / 1000}k ${(cpu / WINDOW).toFixed(1)}`);
      cpu = 0;
    }
  }
  console.log(`${layout}, ${ROWS} rows at ${RATE}/s: CPU µs per record by rows so far: ${windows.join(' | ')}`);
  const sql =
    typeof bucket === 'number'
      ? `WITH RECURSIVE b(k) AS (SELECT ? UNION ALL SELECT k - 1 FROM b WHERE k > ?) SELECT l.id FROM b JOIN request_log l ON l.time / ${bucket} = b.k AND l.request_id = ? LIMIT 1`
      : 'SELECT id FROM request_log WHERE request_id = ? LIMIT 1';
  for (const [what, id] of [['a missing id', 'req_011Cmissing'], ['the oldest id', oldest]] as const) {
    const args = typeof bucket === 'number' ? [Math.floor(end / bucket), Math.floor(start / bucket), id] : [id];
    const t = performance.now();
    let found = 0;
    for (let k = 0; k < 5; k++) found = store.querySync(sql, args).length;
    console.log(`lookup of ${what} over ${Math.round((end - start) / 60_000)} minutes: ${((performance.now() - t) / 5).toFixed(2)} ms (found ${found})`);
  }
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
