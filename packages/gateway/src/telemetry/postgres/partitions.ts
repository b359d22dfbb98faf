// The request log's day partitions on PostgreSQL: request_log_pYYYYMMDD and request_content_pYYYYMMDD, one pair per
// UTC day, created ahead (and on demand for a batch from a day that has none), listed and dropped whole by retention.
import type { Pool, PoolClient } from 'pg';
import { withClient } from './connection.ts';

export const DAY_MS = 86_400_000;
/** The advisory lock replicas take to create partitions one at a time ("CFPT"). */
const PARTITION_LOCK = 0x43465054;
const TABLES = ['request_log', 'request_content'] as const;

export const dayOf = (ms: number) => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);

function suffix(day: number): string {
  return new Date(day).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The day a partition's name stands for, or undefined for a table that is not one of ours. */
function dayOfName(name: string): number | undefined {
  const m = /^request_log_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
}

export class Partitions {
  readonly #pool: Pool;
  /** Days known to have their partitions; a drop elsewhere is caught by the insert's retry (store.ts). */
  readonly #known = new Set<number>();

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Creates the partitions of these days that do not exist yet. */
  async ensure(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.#known.has(d));
    if (missing.length === 0) return;
    await withClient(this.#pool, async (client) => {
      try {
        await client.query('BEGIN');
        // IF NOT EXISTS alone still races between replicas (both see none, one fails): take turns.
        await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
        for (const day of missing) {
          for (const table of TABLES) {
            await client.query(`CREATE TABLE IF NOT EXISTS ${table}_p${suffix(day)} PARTITION OF ${table} FOR VALUES FROM (${day}) TO (${day + DAY_MS})`);
          }
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    for (const day of missing) this.#known.add(day);
  }

  /** Today and the next `ahead` days: inserts of the coming days never wait on a CREATE. */
  ensureAhead(now: number, ahead = 2): Promise<void> {
    const today = dayOf(now);
    return this.ensure(Array.from({ length: ahead + 1 }, (_, i) => today + i * DAY_MS));
  }

  forget(): void {
    this.#known.clear();
  }

  /** The days that have a request_log partition, oldest first. */
  async days(client: PoolClient): Promise<number[]> {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'request_log'`,
    );
    return rows.map((r) => dayOfName(r.name)).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  }

  /** Drops a day's partitions; returns the records they held. */
  async drop(client: PoolClient, day: number): Promise<number> {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM request_log_p${suffix(day)}`);
    // A short lock timeout: retention waits for a later run rather than queueing inserts behind its exclusive lock.
    await client.query('BEGIN');
    try {
      await client.query("SET LOCAL lock_timeout = '2s'");
      for (const table of TABLES) await client.query(`DROP TABLE IF EXISTS ${table}_p${suffix(day)}`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    this.#known.delete(day);
    return Number(rows[0]!.n);
  }
}
