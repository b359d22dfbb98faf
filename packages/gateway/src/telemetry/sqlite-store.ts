// The request-log store on node:sqlite: its own file (logs.db) in the data folder, WAL, STRICT tables,
// numbered migrations. Synchronous underneath: the gateway runs it in a worker thread (worker-store.ts);
// the benchmark and tests call it directly.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ensurePrivateFile } from '../store/data-dir.ts';
import { pragma, runMigrations, SQLITE_BUSY_TIMEOUT_MS } from '../store/migrate.ts';
import { StoreOpenError } from '../store/types.ts';
import type { Budget, BudgetAlert, LogPage, LogQuery, RequestLogStore, RetentionPolicy, StoredRecord, UsageQuery, UsageRow } from './log-store.ts';
import { addToRollups, emptyRollups, mergeRollupSums, recordOf, ROLLUP_SUMS } from './log-rows.ts';
import { adoptLegacy } from './sqlite-adopt.ts';
import { registerKqlFunctions } from './kql/functions.ts';
import { LOG_MIGRATIONS, LOG_SCHEMA_VERSION } from './log-migrations.ts';
import type { RequestLogRecord } from './record.ts';

/** `PRAGMA application_id`: "CFLG", so the log file is never mistaken for another. */
const APPLICATION_ID = 0x43464c47;
const DAY_MS = 86_400_000;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function open(path: string): DatabaseSync {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const existed = existsSync(path);
  let db: DatabaseSync;
  try {
    ensurePrivateFile(path);
    db = new DatabaseSync(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    if (existed) {
      const app = Number(pragma(db, 'application_id'));
      const version = Number(pragma(db, 'user_version'));
      if (app !== APPLICATION_ID && !(app === 0 && version === 0)) throw new StoreOpenError(`The file ${path} is not a claude-foundry request log (application_id ${app}); move it away. Nothing was modified.`);
      if (version > LOG_SCHEMA_VERSION) {
        throw new StoreOpenError(`The request log ${path} has schema version ${version}, newer than this claude-foundry understands (${LOG_SCHEMA_VERSION}). Upgrade, or move the file away. Nothing was modified.`);
      }
    }
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(`The request log ${path} cannot be opened (${(err as Error).message}). Move it away to start a new one. Nothing was modified.`);
  }
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;');
  runMigrations(db, LOG_MIGRATIONS, { applicationId: APPLICATION_ID, label: 'Request log', context: undefined });
  return db;
}

const INSERT = `INSERT INTO request_log (time, resource, instance, deployment, model, backend, operation, principal, app_id, client_ip, user_agent,
  status, error_code, stream, ttfb_ms, ttft_ms, duration_ms, overhead_ms, input_tokens, output_tokens, cache_write_5m_tokens,
  cache_write_1h_tokens, cache_read_tokens, cost_pico, request_id, apim_request_id, client_request_id, upstream, attempts)
  VALUES (${Array.from({ length: 29 }, () => '?').join(', ')})`;

const upsert = (table: string) => `INSERT INTO ${table} (bucket, instance, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')})
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ${mergeRollupSums('')}`;

export class SqliteLogStore implements RequestLogStore {
  readonly dialect = 'sqlite';
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    this.#db = open(path);
    registerKqlFunctions(this.#db);
  }

  /** A compiled KQL query (kql/compile.ts): rows as arrays, in the compiled column order. */
  querySync(sql: string, params: ReadonlyArray<string | number | null>): unknown[][] {
    return this.#prepare(sql).all(...params).map((row) => Object.values(row));
  }

  async query(sql: string, params: ReadonlyArray<string | number | null>): Promise<unknown[][]> {
    return this.querySync(sql, params);
  }

  #prepare(sql: string, bigints = false): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (bigints) statement.setReadBigInts(true);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Synchronous form of `append`, for the worker and the benchmark. */
  appendSync(records: readonly RequestLogRecord[]): void {
    const insert = this.#prepare(INSERT);
    const content = this.#prepare('INSERT INTO request_content (log_id, request, response, truncated) VALUES (?, ?, ?, ?)');
    const rollups = emptyRollups();
    this.#db.exec('BEGIN');
    try {
      for (const r of records) {
        const { lastInsertRowid } = insert.run(
          r.time, r.resource, r.instance, r.deployment, r.model, r.backend, r.operation, r.principal, r.appId, r.clientIp, r.userAgent,
          r.status, r.errorCode, r.stream ? 1 : 0, r.ttfbMs, r.ttftMs, r.durationMs, r.overheadMs, r.inputTokens, r.outputTokens,
          r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.cacheReadTokens, r.costPico, r.requestId, r.apimRequestId, r.clientRequestId,
          r.upstream, r.attempts,
        );
        if (r.content) content.run(lastInsertRowid, r.content.request, r.content.response, r.content.truncated ? 1 : 0);
        addToRollups(rollups, r);
      }
      for (const [table, sums] of Object.entries(rollups)) {
        const statement = this.#prepare(upsert(table));
        for (const s of sums.values()) statement.run(s.bucket, ...s.key, s.requests, s.errors, s.throttled, ...s.tokens, s.cost, s.durationMs);
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async append(records: RequestLogRecord[]): Promise<void> {
    this.appendSync(records);
  }

  logsSync(q: LogQuery): StoredRecord[] {
    if (q.instances.length === 0) return [];
    // With a request id, its indexes find the row: `+` keeps SQLite off the time and resource indexes. With a
    // deployment, status or principal, that filter's (filter, time) index walks only its rows, across resources:
    // SQLite, without statistics, would otherwise take (resource, time) and read the whole range.
    // An error status alone (rare rows) walks (status, time) and sorts what it finds; 2xx keeps the time index,
    // which reaches `limit` rows at once.
    const byColumn = q.deployment !== undefined || q.principal !== undefined;
    const byError = !byColumn && q.status !== undefined && (typeof q.status === 'number' ? q.status >= 400 : q.status[0] !== '2');
    const [time, instance] =
      q.requestId !== undefined || byError ? ['+l.time', '+l.instance'] : byColumn || q.status !== undefined ? ['l.time', '+l.instance'] : ['l.time', 'l.instance'];
    const where = [`${time} >= ?`, `${time} < ?`];
    const params: SQLInputValue[] = [q.from, q.to];
    if (q.instances.length === 1) where.push(`${instance} = ?`);
    else where.push(`${instance} IN (${q.instances.map(() => '?').join(', ')})`);
    params.push(...q.instances);
    if (q.deployment !== undefined) {
      where.push('l.deployment = ?');
      params.push(q.deployment);
    }
    if (typeof q.status === 'number') {
      where.push('l.status = ?');
      params.push(q.status);
    } else if (q.status !== undefined) {
      const floor = Number(q.status[0]) * 100;
      where.push('l.status >= ? AND l.status < ?');
      params.push(floor, floor + 100);
    }
    if (q.principal !== undefined) {
      where.push('l.principal = ?');
      params.push(q.principal);
    }
    if (q.requestId !== undefined) {
      // Three index lookups, so a request id is found in milliseconds however long the range.
      where.push(`l.id IN (SELECT id FROM request_log WHERE request_id = ? UNION ALL SELECT id FROM request_log WHERE apim_request_id = ?
        UNION ALL SELECT id FROM request_log WHERE client_request_id = ?)`);
      params.push(q.requestId, q.requestId, q.requestId);
    }
    let order = 'ORDER BY l.time DESC, l.id DESC';
    if (q.after !== undefined) {
      if (!('id' in q.after)) throw new Error('This follow cursor came from a PostgreSQL request log; start following again without it.');
      where.push('l.id > ?');
      params.push(q.after.id);
      order = 'ORDER BY l.id ASC';
    } else if (q.before) {
      where.push('(l.time < ? OR (l.time = ? AND l.id < ?))');
      params.push(q.before.time, q.before.time, q.before.id);
    }
    const join = q.includeContent ? 'LEFT JOIN request_content c ON c.log_id = l.id' : '';
    const columns = q.includeContent ? 'l.*, c.request, c.response, c.truncated' : 'l.*';
    const sql = `SELECT ${columns} FROM request_log l ${join} WHERE ${where.join(' AND ')} ${order} LIMIT ?`;
    params.push(q.limit);
    return this.#prepare(sql).all(...params).map((row) => recordOf(row, q.includeContent));
  }

  /** The page and its cursor from one read transaction: other processes on the same file (WAL) may commit between statements. */
  async logs(q: LogQuery): Promise<LogPage> {
    this.#db.exec('BEGIN');
    try {
      const records = this.logsSync(q);
      let cursor;
      if (q.after !== undefined) cursor = { id: records.length > 0 ? records[records.length - 1]!.id : (q.after as { id: number }).id };
      else cursor = { id: Number(this.#prepare('SELECT coalesce(max(id), 0) AS id FROM request_log').get()!['id']) };
      return { records, cursor };
    } finally {
      this.#db.exec('COMMIT');
    }
  }

  usageSync(q: UsageQuery): UsageRow[] {
    if (q.instances.length === 0) return [];
    const table = `usage_${q.interval}`;
    const where = ['bucket >= ?', 'bucket < ?', `instance IN (${q.instances.map(() => '?').join(', ')})`];
    const params: SQLInputValue[] = [q.from, q.to, ...q.instances];
    for (const dim of ['deployment', 'model', 'principal'] as const) {
      const value = q[dim];
      if (value !== undefined) {
        where.push(`${dim} = ?`);
        params.push(value);
      }
    }
    const dims = q.groupBy.map((d) => `, ${d}`).join('');
    const sql = `SELECT bucket AS time, resource${dims}, SUM(requests) AS requests, SUM(errors) AS errors, SUM(throttled) AS throttled,
      SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cache_write_5m_tokens) AS w5m, SUM(cache_write_1h_tokens) AS w1h,
      SUM(cache_read_tokens) AS cread, SUM(cost_pico) AS cost, SUM(duration_ms) AS duration
      FROM ${table} WHERE ${where.join(' AND ')} GROUP BY bucket, resource${dims} ORDER BY bucket, resource${dims}`;
    return this.#prepare(sql, true).all(...params).map((row) => {
      const out: UsageRow = {
        time: Number(row['time']),
        resource: String(row['resource']),
        requests: Number(row['requests']),
        errors: Number(row['errors']),
        throttled: Number(row['throttled']),
        inputTokens: Number(row['input']),
        outputTokens: Number(row['output']),
        cacheWrite5mTokens: Number(row['w5m']),
        cacheWrite1hTokens: Number(row['w1h']),
        cacheReadTokens: Number(row['cread']),
        costPico: BigInt(row['cost'] as bigint),
        durationMsSum: Number(row['duration']),
      };
      for (const d of q.groupBy) out[d] = String(row[d]);
      return out;
    });
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    return this.usageSync(q);
  }

  async costSince(from: number, instances?: string[]): Promise<Record<string, bigint>> {
    const rows = this.#prepare('SELECT instance, SUM(cost_pico) AS cost FROM usage_hour WHERE bucket >= ? GROUP BY instance', true).all(from);
    const out: Record<string, bigint> = {};
    for (const row of rows) {
      const instance = String(row['instance']);
      if (!instances || instances.includes(instance)) out[instance] = BigInt(row['cost'] as bigint);
    }
    return out;
  }

  async firstActivity(from: number, instances: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const statement = this.#prepare('SELECT MIN(bucket) AS first FROM usage_hour WHERE instance = ? AND bucket >= ? AND requests > 0');
    for (const instance of instances) {
      const first = statement.get(instance, from)?.['first'];
      if (first !== null && first !== undefined) out[instance] = Number(first);
    }
    return out;
  }

  async sweep(now: number, policy: RetentionPolicy): Promise<number> {
    let deleted = 0;
    // Per instance, by its resource's retention; rows from before instances (NULL) go by their resource's name.
    const present = this.#prepare('SELECT DISTINCT instance, resource FROM usage_hour').all().map((r) => [String(r['instance']), String(r['resource'])] as const);
    const pick = (legacy: boolean) => `SELECT id FROM request_log WHERE ${legacy ? 'instance IS NULL AND resource = ?' : 'instance = ?'} AND time < ? ORDER BY time LIMIT ?`;
    const drop = [false, true].map((legacy) => ({
      content: this.#prepare(`DELETE FROM request_content WHERE log_id IN (${pick(legacy)})`),
      rows: this.#prepare(`DELETE FROM request_log WHERE id IN (${pick(legacy)})`),
    }));
    const dropMinutes = this.#prepare('DELETE FROM usage_minute WHERE instance = ? AND bucket < ?');
    for (const [instance, resource] of present) {
      const cutoff = now - (policy.days[resource] ?? policy.defaultDays) * DAY_MS;
      const legacy = instance.startsWith('-');
      const { content, rows } = drop[legacy ? 1 : 0]!;
      const key = legacy ? resource : instance;
      for (;;) {
        content.run(key, cutoff, policy.batchRows);
        const { changes } = rows.run(key, cutoff, policy.batchRows);
        deleted += Number(changes);
        if (Number(changes) < policy.batchRows) break;
        await yieldToLoop(); // let appends and queries in between
      }
      dropMinutes.run(instance, cutoff - (cutoff % 60_000));
    }
    const hourCutoff = now - policy.hourRollupDays * DAY_MS;
    this.#prepare('DELETE FROM usage_hour WHERE bucket < ?').run(hourCutoff - (hourCutoff % 3_600_000));
    this.#prepare('DELETE FROM usage_day WHERE bucket < ?').run(hourCutoff - (hourCutoff % DAY_MS));
    return deleted;
  }

  async adopt(resources: ReadonlyArray<{ name: string; instance: string; createdAt: number }>): Promise<void> {
    for (const r of resources) await adoptLegacy(this.#db, r, yieldToLoop);
  }

  async budgets(): Promise<Budget[]> {
    return this.#prepare("SELECT * FROM budgets WHERE instance NOT LIKE '-%' ORDER BY resource", true).all().map((row) => ({
      instance: String(row['instance']),
      resource: String(row['resource']),
      amountPico: BigInt(row['amount_pico'] as bigint),
      thresholds: (JSON.parse(String(row['thresholds'])) as unknown[]).map(Number),
      enforce: Number(row['enforce']) === 1,
      updatedAt: Number(row['updated_at']),
    }));
  }

  async putBudget(b: Budget): Promise<void> {
    this.#prepare(
      `INSERT INTO budgets (instance, resource, amount_pico, thresholds, enforce, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (instance) DO UPDATE SET amount_pico = excluded.amount_pico, thresholds = excluded.thresholds,
       enforce = excluded.enforce, updated_at = excluded.updated_at`,
    ).run(b.instance, b.resource, b.amountPico, JSON.stringify(b.thresholds), b.enforce ? 1 : 0, b.updatedAt);
  }

  async deleteBudget(instance: string): Promise<boolean> {
    return Number(this.#prepare('DELETE FROM budgets WHERE instance = ?').run(instance).changes) > 0;
  }

  async recordAlert(a: BudgetAlert): Promise<boolean> {
    const { changes } = this.#prepare(
      'INSERT OR IGNORE INTO budget_alerts (instance, resource, month, threshold, spent_pico, amount_pico, time) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(a.instance, a.resource, a.month, a.threshold, a.spentPico, a.amountPico, a.time);
    return Number(changes) > 0;
  }

  async alerts(instances: string[], from: number): Promise<BudgetAlert[]> {
    if (instances.length === 0) return [];
    const sql = `SELECT * FROM budget_alerts WHERE time >= ? AND instance IN (${instances.map(() => '?').join(', ')}) ORDER BY time, resource, threshold`;
    return this.#prepare(sql, true).all(from, ...instances).map((row) => ({
      instance: String(row['instance']),
      resource: String(row['resource']),
      month: String(row['month']),
      threshold: Number(row['threshold']),
      spentPico: BigInt(row['spent_pico'] as bigint),
      amountPico: BigInt(row['amount_pico'] as bigint),
      time: Number(row['time']),
    }));
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
