// One batch of request-log records as PostgreSQL statements, inside the caller's transaction: one INSERT for the
// records whatever their number (each column an array parameter, unnested into rows), one for their content, and one
// upsert per rollup table.
import type { PoolClient } from 'pg';
import { addToRollups, emptyRollups, type Sum } from '../log-rows.ts';
import type { RequestLogRecord } from '../record.ts';

const COLUMNS = [
  ['time', 'bigint'], ['resource', 'text'], ['instance', 'text'], ['deployment', 'text'], ['model', 'text'], ['backend', 'text'], ['operation', 'text'],
  ['principal', 'text'], ['app_id', 'text'], ['client_ip', 'text'], ['user_agent', 'text'], ['status', 'integer'], ['error_code', 'text'],
  ['stream', 'smallint'], ['ttfb_ms', 'double precision'], ['ttft_ms', 'double precision'], ['duration_ms', 'double precision'],
  ['overhead_ms', 'double precision'], ['input_tokens', 'bigint'], ['output_tokens', 'bigint'], ['cache_write_5m_tokens', 'bigint'],
  ['cache_write_1h_tokens', 'bigint'], ['cache_read_tokens', 'bigint'], ['cost_pico', 'bigint'], ['request_id', 'text'],
  ['apim_request_id', 'text'], ['client_request_id', 'text'], ['upstream', 'text'], ['attempts', 'text'],
] as const;

function columnsOf(r: RequestLogRecord): unknown[] {
  return [
    r.time, r.resource, r.instance, r.deployment, r.model, r.backend, r.operation, r.principal, r.appId, r.clientIp, r.userAgent, r.status, r.errorCode,
    r.stream ? 1 : 0, r.ttfbMs, r.ttftMs, r.durationMs, r.overheadMs, r.inputTokens, r.outputTokens, r.cacheWrite5mTokens,
    r.cacheWrite1hTokens, r.cacheReadTokens, r.costPico, r.requestId, r.apimRequestId, r.clientRequestId, r.upstream, r.attempts,
  ];
}

const unnest = (cols: ReadonlyArray<readonly [string, string]>) => cols.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
const INSERT = `INSERT INTO request_log (${COLUMNS.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${unnest(COLUMNS)})`;
const WITH_ID: ReadonlyArray<readonly [string, string]> = [['id', 'bigint'], ...COLUMNS];
const INSERT_WITH_ID = `INSERT INTO request_log (${WITH_ID.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${unnest(WITH_ID)})`;
const INSERT_CONTENT = 'INSERT INTO request_content (log_id, time, request, response, truncated) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::smallint[])';
const ROLLUP_SUMS = ['requests', 'errors', 'throttled', 'input_tokens', 'output_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cache_read_tokens', 'cost_pico', 'duration_ms'];
const upsert = (table: string) => `INSERT INTO ${table} AS u (bucket, instance, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')})
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],
    $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::double precision[])
  ON CONFLICT (instance, bucket, deployment, model, principal) DO UPDATE SET ${ROLLUP_SUMS.map((c) => `${c} = u.${c} + excluded.${c}`).join(', ')}`;

/** Rollup rows as column arrays, in key order: replicas upserting the same rows lock them in one order, never deadlock. */
function rollupColumns(sums: Iterable<Sum>): unknown[][] {
  const rows = [...sums].sort((a, b) => a.key.join('\u0000').localeCompare(b.key.join('\u0000')) || a.bucket - b.bucket);
  const cols: unknown[][] = Array.from({ length: 16 }, () => []);
  for (const s of rows) {
    const values = [s.bucket, ...s.key, s.requests, s.errors, s.throttled, ...s.tokens, s.cost.toString(), s.durationMs];
    values.forEach((v, i) => cols[i]!.push(v));
  }
  return cols;
}

export async function insertBatch(client: PoolClient, records: RequestLogRecord[]): Promise<void> {
  const withContent = records.some((r) => r.content);
  let ids: number[] | undefined;
  if (withContent) {
    const { rows } = await client.query<{ id: number }>("SELECT nextval('request_log_id_seq') AS id FROM generate_series(1, $1)", [records.length]);
    ids = rows.map((r) => r.id);
  }
  const cols: unknown[][] = Array.from({ length: COLUMNS.length }, () => []);
  const rollups = emptyRollups();
  for (const r of records) {
    columnsOf(r).forEach((v, i) => cols[i]!.push(v));
    addToRollups(rollups, r);
  }
  await client.query(ids ? INSERT_WITH_ID : INSERT, ids ? [ids, ...cols] : cols);
  if (ids) {
    const content: unknown[][] = [[], [], [], [], []];
    records.forEach((r, i) => {
      if (!r.content) return;
      [ids[i], r.time, r.content.request, r.content.response, r.content.truncated ? 1 : 0].forEach((v, j) => content[j]!.push(v));
    });
    await client.query(INSERT_CONTENT, content);
  }
  for (const [table, sums] of Object.entries(rollups)) await client.query(upsert(table), rollupColumns(sums.values()));
}
