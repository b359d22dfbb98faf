// The Monitor page's series, from the monitoring API the CLI uses: usage by deployment (requests, tokens by type,
// cost), KQL over the request log for what the rollups do not keep (latency percentiles, time to first token,
// errors by status), and the month-end forecast. Every series is laid on the same whole UTC buckets.
import type { ChartSeries } from './components/TimeChart.tsx';
import { cost, type CostView, INTERVAL_KQL, kql, type KqlTable, type Range, RANGE_INTERVAL, RANGE_MS, usage, type UsageRow } from './monitoring.ts';

export interface MonitorData {
  times: number[];
  requests: ChartSeries[];
  tokens: ChartSeries[];
  latency: ChartSeries[];
  errors: ChartSeries[];
  costs: ChartSeries[];
  forecast: CostView[];
}

const STEP_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** One series per key over the buckets: the sum of `value` of the rows in each bucket (0 where none). */
function sumBy<T>(buckets: Map<number, number>, rows: T[], timeOf: (r: T) => number, keyOf: (r: T) => string, value: (r: T) => number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const i = buckets.get(timeOf(r));
    if (i === undefined) continue;
    const key = keyOf(r);
    let values = out.get(key);
    if (!values) out.set(key, (values = Array.from({ length: buckets.size }, () => 0)));
    values[i]! += value(r);
  }
  return out;
}

const column = (table: KqlTable, name: string) => table.columns.findIndex((c) => c.name === name);

export async function loadMonitor(range: Range, now = Date.now()): Promise<MonitorData> {
  const interval = RANGE_INTERVAL[range];
  const step = STEP_MS[interval];
  const from = Math.floor((now - RANGE_MS[range]) / step) * step;
  const times: number[] = [];
  for (let t = from; t <= now; t += step) times.push(t);
  const buckets = new Map(times.map((t, i) => [t, i]));
  const since = new Date(from).toISOString();
  const bin = INTERVAL_KQL[interval];
  const [rows, latency, errors, forecast] = await Promise.all([
    usage({ from: since, interval, groupBy: 'deployment' }),
    kql(`RequestLogs | where TimeGenerated >= datetime("${since}") and OperationName == "Messages_Create" | summarize p50 = percentile(DurationMs, 50), p95 = percentile(DurationMs, 95), ttft50 = percentile(TimeToFirstTokenMs, 50), ttft95 = percentile(TimeToFirstTokenMs, 95) by bin(TimeGenerated, ${bin})`),
    kql(`RequestLogs | where TimeGenerated >= datetime("${since}") and ResultSignature >= 400 | summarize n = count() by bin(TimeGenerated, ${bin}), ResultSignature`),
    cost(),
  ]);
  const at = (r: UsageRow) => Date.parse(r.time);
  const all = () => 'all';
  const total = (f: (r: UsageRow) => number) => sumBy(buckets, rows, at, all, f).get('all') ?? Array.from({ length: times.length }, () => 0);

  const perDeployment = sumBy(buckets, rows, at, (r) => `${r.resource}/${r.deployment ?? ''}`, (r) => Number(r.costUsd));
  const kqlTime = (table: KqlTable) => column(table, 'TimeGenerated');
  const lat = (name: string): Array<number | null> => {
    const values = Array.from({ length: times.length }, (): number | null => null);
    const t = kqlTime(latency), c = column(latency, name);
    for (const row of latency.rows) {
      const i = buckets.get(Date.parse(String(row[t])));
      if (i !== undefined && typeof row[c] === 'number') values[i] = row[c] as number;
    }
    return values;
  };
  const status = column(errors, 'ResultSignature'), n = column(errors, 'n');
  const byStatus = sumBy(buckets, errors.rows, (r) => Date.parse(String(r[kqlTime(errors)])), (r) => String(r[status]), (r) => Number(r[n]));

  return {
    times: times.map((t) => t / 1000),
    requests: [{ label: 'Requests', values: total((r) => r.requests) }, { label: 'Errors', values: total((r) => r.errors) }, { label: 'Throttled (429)', values: total((r) => r.throttled) }],
    tokens: [
      { label: 'Input', values: total((r) => r.inputTokens) },
      { label: 'Output', values: total((r) => r.outputTokens) },
      { label: 'Cache write', values: total((r) => r.cacheWrite5mTokens + r.cacheWrite1hTokens) },
      { label: 'Cache read', values: total((r) => r.cacheReadTokens) },
    ],
    latency: [
      { label: 'p50', values: lat('p50') }, { label: 'p95', values: lat('p95') },
      { label: 'Time to first token p50', values: lat('ttft50') }, { label: 'Time to first token p95', values: lat('ttft95') },
    ],
    errors: [...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values })),
    costs: [...perDeployment].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values })),
    forecast,
  };
}
