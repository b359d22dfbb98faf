// What both request-log stores do alike with rows: sum a batch into its minute, hour and day rollups before the
// upserts, and turn a selected row back into a record. The SQL differs per dialect; this does not.
import type { StoredRecord } from './log-store.ts';
import { isError, type RequestLogRecord } from './record.ts';

const DAY_MS = 86_400_000;

/** The rollup tables and the width of their buckets (ms). */
export const ROLLUP_WIDTHS = [['usage_minute', 60_000], ['usage_hour', 3_600_000], ['usage_day', DAY_MS]] as const;

/** The summed columns of a rollup row, in the order both stores write them. */
export const ROLLUP_SUMS = ['requests', 'errors', 'throttled', 'input_tokens', 'output_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cache_read_tokens', 'cost_pico', 'duration_ms'] as const;

/** An upsert's conflict clause: a row already in the bucket gets the new sums added. `table` is how the SQL names the existing row's table (PostgreSQL's alias `u.`; SQLite: ''). */
export const mergeRollupSums = (table: string) =>
  `ON CONFLICT (instance, bucket, deployment, model, principal) DO UPDATE SET ${ROLLUP_SUMS.map((c) => `${c} = ${table}${c} + excluded.${c}`).join(', ')}`;

/** A rollup row being summed in memory before its upsert. */
export interface Sum {
  bucket: number;
  key: [string, string, string, string, string];
  requests: number;
  errors: number;
  throttled: number;
  tokens: [number, number, number, number, number];
  cost: bigint;
  durationMs: number;
}

export interface Rollups {
  usage_minute: Map<string, Sum>;
  usage_hour: Map<string, Sum>;
  usage_day: Map<string, Sum>;
}

/** A rollup row's instance, resource and dimensions; '' for none, so the primary key holds (SQLite treats NULLs as distinct). */
function rollupKeys(r: RequestLogRecord): [string, string, string, string, string] {
  return [r.instance, r.resource, r.deployment ?? '', r.model ?? '', r.principal ?? ''];
}

function addTo(sums: Map<string, Sum>, bucket: number, r: RequestLogRecord): void {
  const key = rollupKeys(r);
  const id = `${bucket}\u0000${key.join('\u0000')}`;
  let sum = sums.get(id);
  if (!sum) {
    sum = { bucket, key, requests: 0, errors: 0, throttled: 0, tokens: [0, 0, 0, 0, 0], cost: 0n, durationMs: 0 };
    sums.set(id, sum);
  }
  sum.requests++;
  if (isError(r)) sum.errors++;
  if (r.status === 429) sum.throttled++;
  sum.tokens[0] += r.inputTokens;
  sum.tokens[1] += r.outputTokens;
  sum.tokens[2] += r.cacheWrite5mTokens;
  sum.tokens[3] += r.cacheWrite1hTokens;
  sum.tokens[4] += r.cacheReadTokens;
  sum.cost += BigInt(r.costPico);
  sum.durationMs += r.durationMs;
}

/** Adds one record to the batch's rollups. */
export function addToRollups(rollups: Rollups, r: RequestLogRecord): void {
  for (const [table, width] of ROLLUP_WIDTHS) addTo(rollups[table], r.time - (r.time % width), r);
}

export function emptyRollups(): Rollups {
  return { usage_minute: new Map(), usage_hour: new Map(), usage_day: new Map() };
}

/** A selected request_log row (with content columns when joined) as a record. */
export function recordOf(row: Record<string, unknown>, withContent: boolean): StoredRecord {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const record: StoredRecord = {
    id: Number(row['id']),
    time: Number(row['time']),
    resource: String(row['resource']),
    instance: String(row['instance'] ?? ''),
    deployment: s(row['deployment']),
    model: s(row['model']),
    backend: s(row['backend']),
    upstream: s(row['upstream']),
    attempts: s(row['attempts']),
    operation: s(row['operation']) as StoredRecord['operation'],
    principal: s(row['principal']),
    appId: s(row['app_id']),
    clientIp: s(row['client_ip']),
    userAgent: s(row['user_agent']),
    status: Number(row['status']),
    errorCode: s(row['error_code']),
    stream: Number(row['stream']) === 1,
    ttfbMs: n(row['ttfb_ms']),
    ttftMs: n(row['ttft_ms']),
    durationMs: Number(row['duration_ms']),
    overheadMs: Number(row['overhead_ms']),
    inputTokens: Number(row['input_tokens']),
    outputTokens: Number(row['output_tokens']),
    cacheWrite5mTokens: Number(row['cache_write_5m_tokens']),
    cacheWrite1hTokens: Number(row['cache_write_1h_tokens']),
    cacheReadTokens: Number(row['cache_read_tokens']),
    costPico: Number(row['cost_pico']),
    requestId: String(row['request_id']),
    apimRequestId: String(row['apim_request_id']),
    clientRequestId: s(row['client_request_id']),
  };
  if (withContent && row['request'] !== null && row['request'] !== undefined) {
    record.content = { request: String(row['request']), response: String(row['response']), truncated: Number(row['truncated']) === 1 || row['truncated'] === true };
  }
  return record;
}
