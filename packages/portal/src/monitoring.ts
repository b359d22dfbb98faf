// The monitoring API the CLI's usage, cost and logs commands use (docs/monitoring.md), with the signed-in user's
// token: RBAC at each resource decides what the charts and the log table may show.
import type { PriceRates, PriceTier } from '../../gateway/src/models/types.ts';
import type { RecordView, UsageView } from '../../gateway/src/telemetry/views.ts';
import { call } from './api.ts';

export type UsageRow = UsageView;
export type LogRecord = RecordView;

export type Range = '1h' | '24h' | '7d' | '30d';
export const RANGES: readonly Range[] = ['1h', '24h', '7d', '30d'];
export const RANGE_MS: Record<Range, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
/** The bucket each range is drawn with: about 24 to 720 points, each within the API's span limit for it. */
export const RANGE_INTERVAL: Record<Range, 'minute' | 'hour' | 'day'> = { '1h': 'minute', '24h': 'hour', '7d': 'hour', '30d': 'day' };
export const INTERVAL_KQL: Record<'minute' | 'hour' | 'day', string> = { minute: '1m', hour: '1h', day: '1d' };

export interface CostView {
  resource: string;
  month: string;
  monthToDateUsd: string;
  runRatePerHourUsd: string;
  forecastUsd: string;
  budget: { amountUsd: string; percentUsed: number | null; enforce: boolean } | null;
}

export interface KqlTable {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

export interface PricedModel {
  model: string;
  displayName: string;
  lifecycle: string;
  contextWindow: number;
  maxOutputTokens: number;
  thinking: string[];
  prices: PriceRates & { tiers: PriceTier[] };
}

const query = (params: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')).toString();

export const usage = (params: { from: string; interval: string; groupBy?: string }) =>
  call<{ value: UsageRow[] }>('GET', `/monitoring/usage?${query(params)}`).then((r) => r.value);

export const cost = () => call<{ value: CostView[] }>('GET', '/monitoring/cost').then((r) => r.value);

export interface LogFilters {
  resource?: string;
  deployment?: string;
  status?: string;
  principal?: string;
  requestId?: string;
  from: string;
}

export const logs = (filters: LogFilters, limit: number, cursor?: string) =>
  call<{ value: LogRecord[]; nextLink: string | null }>('GET', `/monitoring/logs?${query({ ...filters, limit: String(limit), cursor })}`);

/** One record with its stored content (when its resource stores content), found by any of its request ids. */
export const logRecord = (requestId: string, resource: string) =>
  call<{ value: LogRecord[] }>('GET', `/monitoring/logs?${query({ requestId, resource, from: '30d', includeContent: 'true', limit: '1' })}`).then((r) => r.value[0]);

export const kql = (text: string) => call<{ tables: KqlTable[] }>('POST', '/monitoring/query', { query: text }).then((r) => r.tables[0]!);

export const prices = () => call<{ value: PricedModel[] }>('GET', '/monitoring/prices').then((r) => r.value);

/** The cursor a nextLink carries: the page after this one. */
export const cursorOf = (nextLink: string) => new URLSearchParams(nextLink.split('?')[1] ?? '').get('cursor') ?? undefined;
