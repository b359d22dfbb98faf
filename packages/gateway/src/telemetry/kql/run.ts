// A KQL query against the request log, answered as Log Analytics' query API answers: `tables` of `columns`
// and `rows` (PrimaryResult), datetimes as ISO 8601. At most MAX_ROWS rows; `truncated` says when there were more.
import { GatewayError } from '../../errors/index.ts';
import type { RequestLogStore } from '../log-store.ts';
import { compileKql } from './compile.ts';
import { KqlError } from './parse.ts';

export const MAX_ROWS = 10_000;
const MAX_QUERY_CHARS = 10_000;

export interface KqlResult {
  tables: Array<{ name: 'PrimaryResult'; columns: Array<{ name: string; type: string }>; rows: unknown[][] }>;
  render: 'timechart' | null;
  truncated: boolean;
}

/** `instances`: those of the resources the caller may read (record.ts `instance`; '' for records of none). */
export async function runKql(store: RequestLogStore, text: unknown, instances: readonly string[], now: number): Promise<KqlResult> {
  if (typeof text !== 'string' || text.trim() === '') throw new GatewayError('invalid_parameter', 'query is required: a KQL query such as "RequestLogs | where TimeGenerated > ago(1h) | summarize count() by ModelDeploymentName".');
  if (text.length > MAX_QUERY_CHARS) throw new GatewayError('invalid_parameter', `query is ${text.length} characters; at most ${MAX_QUERY_CHARS}.`);
  let compiled;
  try {
    compiled = compileKql(text, instances, now, MAX_ROWS, store.dialect);
  } catch (err) {
    if (err instanceof KqlError) throw new GatewayError('invalid_parameter', `The query is not understood: ${err.message}.`);
    throw err;
  }
  let rows: unknown[][];
  try {
    rows = await store.query(compiled.sql, compiled.params);
  } catch (err) {
    // PostgreSQL checks types where SQLite converts (a number compared with a string, lower() of a number): the
    // query's fault, said as such. Classes 22 (data) and 42 (syntax, types); 57014 is the statement timeout.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|42)/.test(code)) throw new GatewayError('invalid_parameter', `The query cannot run: ${(err as Error).message}.`);
    if (code === '57014') throw new GatewayError('invalid_parameter', 'The query ran longer than allowed; narrow its time range or summarize less.');
    throw err;
  }
  const truncated = rows.length > MAX_ROWS;
  if (truncated) rows.length = MAX_ROWS;
  const dates = compiled.columns.map((c) => c.type === 'datetime');
  const bools = compiled.columns.map((c) => c.type === 'bool');
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (dates[i] && typeof v === 'number') row[i] = new Date(v).toISOString();
      else if (bools[i] && typeof v === 'number') row[i] = v !== 0;
    }
  }
  return { tables: [{ name: 'PrimaryResult', columns: compiled.columns, rows }], render: compiled.render ?? null, truncated };
}
