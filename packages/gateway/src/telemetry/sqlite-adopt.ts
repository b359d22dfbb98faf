// Rows logged before records carried an instance (log migration 4), given to the live resource whose own they are:
// those at or after its creation. What an earlier account of the same name logged stays unreadable, then ages out.
// PostgreSQL's counterpart is postgres/adopt.ts.
import type { DatabaseSync } from 'node:sqlite';
import { mergeRollupSums, ROLLUP_SUMS, ROLLUP_WIDTHS } from './log-rows.ts';

const BATCH_ROWS = 5000;

/** A resource's rows from before instances (`-name`) merged into its instance's, from a bucket on. */
const adoptRollups = (table: string) => `INSERT INTO ${table} (bucket, instance, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')})
  SELECT bucket, ?, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')} FROM ${table} WHERE instance = ? AND bucket >= ?
  ${mergeRollupSums('')}`;

/** Runs at each start for each live resource; `pause` lets appends and queries in between raw-row batches. */
export async function adoptLegacy(db: DatabaseSync, r: { name: string; instance: string; createdAt: number }, pause: () => Promise<void>): Promise<void> {
  const legacy = `-${r.name.toLowerCase()}`;
  // Nothing of the name from before instances (or all adopted already): done. Raw rows count too: a restart during
  // their batches finds the rollups adopted already and resumes them.
  const left = db.prepare(`SELECT 1 AS found FROM usage_hour WHERE instance = ? UNION ALL SELECT 1 FROM budgets WHERE instance = ?
    UNION ALL SELECT 1 FROM request_log WHERE instance IS NULL AND resource = ? AND time >= ? LIMIT 1`);
  if (!left.get(legacy, legacy, r.name, r.createdAt)) return;
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
