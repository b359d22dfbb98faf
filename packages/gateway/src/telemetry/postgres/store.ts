// The request-log store on PostgreSQL, for replicas that share one log: the same records, rollups, budgets and
// queries as logs.db, in day partitions (partitions.ts) with retention by dropping them, run by one replica at a
// time under an advisory lock. pg is asynchronous, so this runs on the main thread; the writer (../log-writer.ts)
// batches records off the request path and keeps them while PostgreSQL is away.
import pg, { type Pool, type PoolClient } from 'pg';
import { logger } from '../../log/index.ts';
import { runPostgresMigrations } from '../../store/migrate.ts';
import { StoreOpenError } from '../../store/types.ts';
import type { Budget, BudgetAlert, LogPage, LogQuery, RequestLogStore, RetentionPolicy, UsageQuery, UsageRow } from '../log-store.ts';
import type { RequestLogRecord } from '../record.ts';
import { withClient } from './connection.ts';
import { insertBatch } from './insert.ts';
import { readLogs } from './log-queries.ts';
import { adoptLegacy } from './adopt.ts';
import { POSTGRES_LOG_MIGRATIONS } from './migrations.ts';
import { DAY_MS, dayOf, Partitions } from './partitions.ts';

/** The advisory lock of the retention job ("CFRT"): one replica sweeps, the others skip that run. */
const RETENTION_LOCK = 0x43465254;
/** The advisory lock of adopting rows from before instances ("CFAD"): replicas starting together adopt one at a time. */
const ADOPT_LOCK = 0x43464144;
const INT8 = 20;
const NUMERIC = 1700;

// int8 as a number (ids, times, tokens and one record's cost are all safe integers); numeric (SUM of bigints) stays
// text so money sums are read exactly as BigInt.
const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser };

/** The database a URL names, for messages: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

const isMissingPartition = (err: unknown) => (err as { code?: string }).code === '23514' && /no partition/i.test((err as Error).message);

export interface PostgresLogOptions {
  /** Connections in the pool: writes, monitoring reads and KQL share them. */
  poolSize?: number;
  /** How long a KQL query may run. */
  statementTimeoutMs?: number;
}

export class PostgresLogStore implements RequestLogStore {
  readonly dialect = 'postgres';
  readonly #pool: Pool;
  readonly #partitions: Partitions;
  readonly #statementTimeoutMs: number;

  private constructor(pool: Pool, options: PostgresLogOptions) {
    this.#pool = pool;
    this.#partitions = new Partitions(pool);
    this.#statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  }

  /** Connects, migrates (one replica at a time) and creates today's and the next days' partitions. */
  static async open(url: string, options: PostgresLogOptions = {}): Promise<PostgresLogStore> {
    const pool = new pg.Pool({
      connectionString: url, max: options.poolSize ?? 4, types, connectionTimeoutMillis: 5000, query_timeout: 120_000,
      keepAlive: true, application_name: 'claude-foundry request log',
    });
    // An idle connection cut by the server (a restart) is an event, not a crash: the pool reconnects on next use.
    pool.on('error', (err) => logger().warn({ err: err.message }, 'request log: a PostgreSQL connection closed'));
    const store = new PostgresLogStore(pool, options);
    try {
      await withClient(pool, (client) =>
        runPostgresMigrations(client, POSTGRES_LOG_MIGRATIONS, { component: 'log', label: 'Request log', context: undefined, describe: where(url) }),
      );
      await store.#partitions.ensureAhead(Date.now());
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof StoreOpenError) throw err;
      throw new StoreOpenError(`The request log in ${where(url)} cannot be opened (${(err as Error).message}). Check store.postgres / DATABASE_URL and that the server is reachable.`);
    }
    return store;
  }

  #transaction<T>(begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withClient(this.#pool, async (client) => {
      try {
        await client.query(begin);
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async append(records: RequestLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#partitions.ensure(records.map((r) => dayOf(r.time)));
    try {
      await this.#insert(records);
    } catch (err) {
      // Another replica's retention dropped a day this one thought it had: create it again, once.
      if (!isMissingPartition(err)) throw err;
      this.#partitions.forget();
      await this.#partitions.ensure(records.map((r) => dayOf(r.time)));
      await this.#insert(records);
    }
  }

  #insert(records: RequestLogRecord[]): Promise<void> {
    return this.#transaction('BEGIN', (client) => insertBatch(client, records));
  }

  logs(q: LogQuery): Promise<LogPage> {
    return this.#transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (client) => readLogs(client, q));
  }

  async usage(q: UsageQuery): Promise<UsageRow[]> {
    if (q.instances.length === 0) return [];
    const params: unknown[] = [q.from, q.to, q.instances];
    const where = ['bucket >= $1', 'bucket < $2', 'instance = ANY($3::text[])'];
    for (const dim of ['deployment', 'model', 'principal'] as const) {
      const value = q[dim];
      if (value !== undefined) where.push(`${dim} = $${params.push(value)}`);
    }
    const dims = q.groupBy.map((d) => `, ${d}`).join('');
    const { rows } = await this.#pool.query(
      `SELECT bucket AS time, resource${dims}, SUM(requests) AS requests, SUM(errors) AS errors, SUM(throttled) AS throttled,
        SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cache_write_5m_tokens) AS w5m, SUM(cache_write_1h_tokens) AS w1h,
        SUM(cache_read_tokens) AS cread, SUM(cost_pico) AS cost, SUM(duration_ms) AS duration
      FROM usage_${q.interval} WHERE ${where.join(' AND ')} GROUP BY bucket, resource${dims} ORDER BY bucket, resource${dims}`,
      params,
    );
    return rows.map((row) => {
      const out: UsageRow = {
        time: Number(row['time']), resource: String(row['resource']), requests: Number(row['requests']), errors: Number(row['errors']),
        throttled: Number(row['throttled']), inputTokens: Number(row['input']), outputTokens: Number(row['output']),
        cacheWrite5mTokens: Number(row['w5m']), cacheWrite1hTokens: Number(row['w1h']), cacheReadTokens: Number(row['cread']),
        costPico: BigInt(row['cost'] as string), durationMsSum: Number(row['duration']),
      };
      for (const d of q.groupBy) out[d] = String(row[d]);
      return out;
    });
  }

  async costSince(from: number, instances?: string[]): Promise<Record<string, bigint>> {
    const { rows } = await this.#pool.query('SELECT instance, SUM(cost_pico) AS cost FROM usage_hour WHERE bucket >= $1 GROUP BY instance', [from]);
    const out: Record<string, bigint> = {};
    for (const row of rows) {
      const instance = String(row['instance']);
      if (!instances || instances.includes(instance)) out[instance] = BigInt(row['cost'] as string);
    }
    return out;
  }

  async firstActivity(from: number, instances: string[]): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query(
      'SELECT instance, MIN(bucket) AS first FROM usage_hour WHERE instance = ANY($1::text[]) AND bucket >= $2 AND requests > 0 GROUP BY instance',
      [instances, from],
    );
    return Object.fromEntries(rows.map((r) => [String(r['instance']), Number(r['first'])]));
  }

  /** One replica at a time (the rollup merge reads, then deletes); a start waits for another's, which leaves it nothing to do. */
  async adopt(resources: ReadonlyArray<{ name: string; instance: string; createdAt: number }>): Promise<void> {
    await withClient(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [ADOPT_LOCK]);
      try {
        for (const r of resources) await adoptLegacy(client, r);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [ADOPT_LOCK]).catch(() => undefined);
      }
    });
  }

  /**
   * Drops the day partitions older than every resource keeps, then deletes in batches what a shorter retention
   * leaves in newer ones. One replica at a time: the others find the lock taken and return 0.
   */
  async sweep(now: number, policy: RetentionPolicy): Promise<number> {
    return withClient(this.#pool, async (client) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK]);
      if (!rows[0]!.locked) return 0;
      try {
        await this.#partitions.ensureAhead(now);
        return await this.#sweepLocked(client, now, policy);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => undefined);
      }
    });
  }

  async #sweepLocked(client: PoolClient, now: number, policy: RetentionPolicy): Promise<number> {
    let deleted = 0;
    // Per instance, by its resource's retention; rows from before instances (NULL) go by their resource's name.
    const { rows: present } = await client.query<{ instance: string; resource: string }>('SELECT DISTINCT instance, resource FROM usage_hour');
    const longest = Math.max(policy.defaultDays, ...Object.values(policy.days));
    const whole = now - longest * DAY_MS;
    for (const day of await this.#partitions.days(client)) if (day + DAY_MS <= whole) deleted += await this.#partitions.drop(client, day);
    for (const { instance, resource } of present) {
      const cutoff = now - (policy.days[resource] ?? policy.defaultDays) * DAY_MS;
      const floor = dayOf(whole);
      const legacy = instance.startsWith('-');
      const pick = `SELECT time, id FROM request_log WHERE ${legacy ? 'instance IS NULL AND resource = $1' : 'instance = $1'} AND time < $2 AND time >= $3 ORDER BY time LIMIT $4`;
      for (;;) {
        const params = [legacy ? resource : instance, cutoff, floor, policy.batchRows];
        await client.query(`DELETE FROM request_content WHERE (time, log_id) IN (${pick})`, params);
        const { rowCount } = await client.query(`DELETE FROM request_log WHERE (time, id) IN (${pick})`, params);
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < policy.batchRows) break;
      }
      await client.query('DELETE FROM usage_minute WHERE instance = $1 AND bucket < $2', [instance, cutoff - (cutoff % 60_000)]);
    }
    const hourCutoff = now - policy.hourRollupDays * DAY_MS;
    await client.query('DELETE FROM usage_hour WHERE bucket < $1', [hourCutoff - (hourCutoff % 3_600_000)]);
    await client.query('DELETE FROM usage_day WHERE bucket < $1', [hourCutoff - (hourCutoff % DAY_MS)]);
    return deleted;
  }

  async budgets(): Promise<Budget[]> {
    // Money as text: a budget reaches 9e18 picodollars, past a double's exact integers.
    const { rows } = await this.#pool.query(
      "SELECT instance, resource, amount_pico::text AS amount_pico, thresholds, enforce, updated_at FROM budgets WHERE instance NOT LIKE '-%' ORDER BY lower(resource)",
    );
    return rows.map((row) => ({
      instance: String(row['instance']),
      resource: String(row['resource']),
      amountPico: BigInt(row['amount_pico'] as string),
      thresholds: (JSON.parse(String(row['thresholds'])) as unknown[]).map(Number),
      enforce: row['enforce'] === true,
      updatedAt: Number(row['updated_at']),
    }));
  }

  async putBudget(b: Budget): Promise<void> {
    await this.#pool.query(
      `INSERT INTO budgets (instance, resource, amount_pico, thresholds, enforce, updated_at) VALUES ($6, $1, $2, $3, $4, $5)
       ON CONFLICT (instance) DO UPDATE SET resource = excluded.resource, amount_pico = excluded.amount_pico,
       thresholds = excluded.thresholds, enforce = excluded.enforce, updated_at = excluded.updated_at`,
      [b.resource, b.amountPico.toString(), JSON.stringify(b.thresholds), b.enforce, b.updatedAt, b.instance],
    );
  }

  async deleteBudget(instance: string): Promise<boolean> {
    return ((await this.#pool.query('DELETE FROM budgets WHERE instance = $1', [instance])).rowCount ?? 0) > 0;
  }

  async recordAlert(a: BudgetAlert): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO budget_alerts (instance, resource, month, threshold, spent_pico, amount_pico, time) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (instance, month, threshold) DO NOTHING`,
      [a.instance, a.resource, a.month, a.threshold, a.spentPico.toString(), a.amountPico.toString(), a.time],
    );
    return (rowCount ?? 0) > 0;
  }

  async alerts(instances: string[], from: number): Promise<BudgetAlert[]> {
    if (instances.length === 0) return [];
    const { rows } = await this.#pool.query(
      'SELECT instance, resource, month, threshold, spent_pico::text AS spent_pico, amount_pico::text AS amount_pico, time FROM budget_alerts WHERE time >= $1 AND instance = ANY($2::text[]) ORDER BY time, lower(resource), threshold',
      [from, instances],
    );
    return rows.map((row) => ({
      instance: String(row['instance']),
      resource: String(row['resource']), month: String(row['month']), threshold: Number(row['threshold']),
      spentPico: BigInt(row['spent_pico'] as number), amountPico: BigInt(row['amount_pico'] as string), time: Number(row['time']),
    }));
  }

  /** A compiled KQL query: read only, bounded in time; numeric results (sums, averages) as numbers, like SQLite's. */
  query(sql: string, params: ReadonlyArray<string | number | null>): Promise<unknown[][]> {
    return this.#transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${Math.floor(this.#statementTimeoutMs)}`);
      const result = await client.query<unknown[]>({ text: sql, values: [...params], rowMode: 'array' });
      const numeric = result.fields.map((f) => f.dataTypeID === NUMERIC);
      if (numeric.some(Boolean)) for (const row of result.rows) for (let i = 0; i < row.length; i++) if (numeric[i] && row[i] !== null) row[i] = Number(row[i]);
      return result.rows;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
