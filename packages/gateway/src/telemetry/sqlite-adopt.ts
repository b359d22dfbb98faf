// Rows logged before records carried an instance (log migration 4), given to the live resource whose own they are:
// those at or after its creation. What an earlier account of the same name logged stays unreadable, then ages out.
// PostgreSQL's counterpart is postgres/adopt.ts.
import type { DatabaseSync } from 'node:sqlite';

const DAY_MS = 86_400_000;
const BATCH_ROWS = 5000;
const ROLLUP_WIDTHS = [['usage_minute', 60_000], ['usage_hour', 3_600_000], ['usage_day', DAY_MS]] as const;

/** A resource's rows from before instances (`-name`) merged into its instance's, from a bucket on. */
const adoptRollups = (table: string) => `INSERT INTO ${table} (bucket, instance, resource, deployment, model, principal, requests, errors, throttled,
  input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens, cost_pico, duration_ms)
  SELECT bucket, ?, resource, deployment, model, principal, requests, errors, throttled, input_tokens, output_tokens, cache_write_5m_tokens,
  cache_write_1h_tokens, cache_read_tokens, cost_pico, duration_ms FROM ${table} WHERE instance = ? AND bucket >= ?
  ON CONFLICT (instance, bucket, deployment, model, principal) DO UPDATE SET
  requests = requests + excluded.requests, errors = errors + excluded.errors, throttled = throttled + excluded.throttled,
  input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
  cache_write_5m_tokens = cache_write_5m_tokens + excluded.cache_write_5m_tokens,
  cache_write_1h_tokens = cache_write_1h_tokens + excluded.cache_write_1h_tokens,
  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens, cost_pico = cost_pico + excluded.cost_pico,
  duration_ms = duration_ms + excluded.duration_ms`;

/** Runs at each start for each live resource; `pause` lets appends and queries in between raw-row batches. */
export async function adoptLegacy(db: DatabaseSync, r: { name: string; instance: string; createdAt: number }, pause: () => Promise<void>): Promise<void> {
  const legacy = `-${r.name.toLowerCase()}`;
  // Nothing of the name from before instances (or all adopted already): done. Raw rows outlive no hour rollup.
  const left = db.prepare('SELECT 1 AS found FROM usage_hour WHERE instance = ? UNION ALL SELECT 1 FROM budgets WHERE instance = ? LIMIT 1');
  if (!left.get(legacy, legacy)) return;
  const olderIn = db.prepare('SELECT 1 AS found FROM request_log WHERE instance IS NULL AND resource = ? AND time >= ? AND time < ? LIMIT 1');
  // Rollup buckets: those that start at or after the creation, and the one the creation falls in when no older
  // record of the name lies in it before the creation (else it mixes two accounts: left out).
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const [table, width] of ROLLUP_WIDTHS) {
      const start = r.createdAt - (r.createdAt % width);
      const from = olderIn.get(r.name, start, r.createdAt) ? start + width : start;
      db.prepare(adoptRollups(table)).run(r.instance, legacy, from);
      db.prepare(`DELETE FROM ${table} WHERE instance = ? AND bucket >= ?`).run(legacy, from);
    }
    db.prepare(`INSERT OR IGNORE INTO budgets (instance, resource, amount_pico, thresholds, enforce, updated_at)
      SELECT ?, resource, amount_pico, thresholds, enforce, updated_at FROM budgets WHERE instance = ? AND updated_at >= ?`).run(r.instance, legacy, r.createdAt);
    db.prepare('DELETE FROM budgets WHERE instance = ? AND updated_at >= ?').run(legacy, r.createdAt);
    db.prepare(`INSERT OR IGNORE INTO budget_alerts (instance, resource, month, threshold, spent_pico, amount_pico, time)
      SELECT ?, resource, month, threshold, spent_pico, amount_pico, time FROM budget_alerts WHERE instance = ? AND time >= ?`).run(r.instance, legacy, r.createdAt);
    db.prepare('DELETE FROM budget_alerts WHERE instance = ? AND time >= ?').run(legacy, r.createdAt);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
  // Raw records in batches, appends and queries in between; a restart resumes where this stopped.
  const raw = db.prepare('UPDATE request_log SET instance = ? WHERE id IN (SELECT id FROM request_log WHERE instance IS NULL AND resource = ? AND time >= ? LIMIT ?)');
  while (Number(raw.run(r.instance, r.name, r.createdAt, BATCH_ROWS).changes) === BATCH_ROWS) await pause();
}
