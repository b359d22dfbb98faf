// The request-log store: raw records, per-minute and per-hour rollups, budgets and their alerts. One
// asynchronous interface, so the SQLite file of the embedded gateway (sqlite-store.ts, run in a worker by
// worker-store.ts) and PostgreSQL (postgres/store.ts, shared by replicas) serve the same callers.
import type { FollowCursor } from './follow-cursor.ts';
import type { RequestLogRecord } from './record.ts';

export type Interval = 'minute' | 'hour' | 'day';
export type UsageDimension = 'deployment' | 'model' | 'principal';

export interface LogQuery {
  /** Inclusive, ms since the epoch. */
  from: number;
  /** Exclusive. */
  to: number;
  /** The instances of the resources to read (record.ts `instance`; '' for records of none); empty means none. */
  instances: string[];
  deployment?: string;
  /** An exact status (429), or a class ('4xx'). */
  status?: number | `${1 | 2 | 3 | 4 | 5}xx`;
  principal?: string;
  /** Matches `request-id`, `apim-request-id` or `x-ms-client-request-id`. */
  requestId?: string;
  /** Keyset pagination, newest first: records strictly older than this (time, id). */
  before?: { time: number; id: number };
  /** Follow mode: records committed after this cursor (a previous answer's), oldest first (`before` is ignored). */
  after?: FollowCursor;
  limit: number;
  includeContent: boolean;
}

export interface StoredRecord extends RequestLogRecord {
  id: number;
}

export interface LogPage {
  records: StoredRecord[];
  /** Where following resumes: after these records in follow mode, else at the snapshot the page was read in. */
  cursor: FollowCursor;
}

export interface UsageQuery {
  from: number;
  to: number;
  /** As LogQuery's. */
  instances: string[];
  interval: Interval;
  groupBy: UsageDimension[];
  deployment?: string;
  model?: string;
  principal?: string;
}

export interface UsageRow {
  /** Bucket start, ms since the epoch (UTC minutes, hours, days). */
  time: number;
  resource: string;
  deployment?: string;
  model?: string;
  principal?: string;
  requests: number;
  errors: number;
  throttled: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  costPico: bigint;
  durationMsSum: number;
}

export interface Budget {
  /** The resource's instance the budget belongs to; a resource created again under the name has none. */
  instance: string;
  resource: string;
  amountPico: bigint;
  /** Percentages of the amount, ascending, e.g. [50, 80, 100]. */
  thresholds: number[];
  /** Refuse requests (403) once the month's cost reaches the amount. */
  enforce: boolean;
  updatedAt: number;
}

export interface BudgetAlert {
  instance: string;
  resource: string;
  /** `YYYY-MM`, UTC. */
  month: string;
  threshold: number;
  spentPico: bigint;
  amountPico: bigint;
  time: number;
}

export interface RetentionPolicy {
  /** Days of raw records and minute rollups per resource; others get `defaultDays`. */
  days: Record<string, number>;
  defaultDays: number;
  /** Hour rollups are kept longer: budgets and forecasts read whole months from them. */
  hourRollupDays: number;
  /** Rows per DELETE statement. */
  batchRows: number;
}

export interface RequestLogStore {
  /** The SQL dialect `query` takes (kql/compile.ts compiles to it). */
  readonly dialect: 'sqlite' | 'postgres';
  /** Writes records and their rollups in one transaction. */
  append(records: RequestLogRecord[]): Promise<void>;
  logs(query: LogQuery): Promise<LogPage>;
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Cost per instance since `from` (the month so far), from the hour rollups. */
  costSince(from: number, instances?: string[]): Promise<Record<string, bigint>>;
  /** The earliest hour bucket with traffic at or after `from`, per instance. */
  firstActivity(from: number, instances: string[]): Promise<Record<string, number>>;
  /** Deletes what `policy` says is older than `now` allows, in bounded batches; returns rows deleted. */
  sweep(now: number, policy: RetentionPolicy): Promise<number>;
  budgets(): Promise<Budget[]>;
  putBudget(budget: Budget): Promise<void>;
  deleteBudget(instance: string): Promise<boolean>;
  /** Records an alert once; false when this (instance, month, threshold) was already recorded. */
  recordAlert(alert: BudgetAlert): Promise<boolean>;
  alerts(instances: string[], from: number): Promise<BudgetAlert[]>;
  /**
   * Gives rows written before records carried an instance (log migration 4, `instance` NULL or '-name') to the
   * resource's current instance where they are its own: at or after its creation. Older rows stay unreadable.
   */
  adopt(resources: ReadonlyArray<{ name: string; instance: string; createdAt: number }>): Promise<void>;
  /** A compiled KQL query (kql/compile.ts): parameterized SQL, read only; rows as arrays. */
  query(sql: string, params: ReadonlyArray<string | number | null>): Promise<unknown[][]>;
  close(): Promise<void>;
}
