// Rows logged before records carried an instance (migration 2), given to the live resource whose own they are: those
// at or after its creation. What an earlier account of the same name logged stays unreadable, then ages out.
import type { PoolClient } from 'pg';
import { mergeRollupSums, ROLLUP_SUMS, ROLLUP_WIDTHS } from '../log-rows.ts';

const BATCH_ROWS = 5000;

export async function adoptLegacy(client: PoolClient, r: { name: string; instance: string; createdAt: number }): Promise<void> {
  const legacy = `-${r.name.toLowerCase()}`;
  // Raw rows count too: a restart during their batches finds the rollups adopted already and resumes them.
  const { rows: left } = await client.query(
    `SELECT 1 FROM usage_hour WHERE instance = $1 UNION ALL SELECT 1 FROM budgets WHERE instance = $1
     UNION ALL SELECT 1 FROM request_log WHERE instance IS NULL AND resource = $2 AND time >= $3 LIMIT 1`,
    [legacy, r.name, r.createdAt],
  );
  if (left.length === 0) return;
  await client.query('BEGIN');
  try {
    for (const [table, width] of ROLLUP_WIDTHS) {
      // The bucket the creation falls in joins only when no older record of the name lies in it (else it mixes two accounts).
      const start = r.createdAt - (r.createdAt % width);
      const { rows: older } = await client.query('SELECT 1 FROM request_log WHERE instance IS NULL AND resource = $1 AND time >= $2 AND time < $3 LIMIT 1', [r.name, start, r.createdAt]);
      const from = older.length > 0 ? start + width : start;
      await client.query(
        `INSERT INTO ${table} AS u (bucket, instance, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')})
         SELECT bucket, $1, resource, deployment, model, principal, ${ROLLUP_SUMS.join(', ')} FROM ${table} WHERE instance = $2 AND bucket >= $3
         ${mergeRollupSums('u.')}`,
        [r.instance, legacy, from],
      );
      await client.query(`DELETE FROM ${table} WHERE instance = $1 AND bucket >= $2`, [legacy, from]);
    }
    await client.query(
      `INSERT INTO budgets (instance, resource, amount_pico, thresholds, enforce, updated_at)
       SELECT $1, resource, amount_pico, thresholds, enforce, updated_at FROM budgets WHERE instance = $2 AND updated_at >= $3 ON CONFLICT DO NOTHING`,
      [r.instance, legacy, r.createdAt],
    );
    await client.query('DELETE FROM budgets WHERE instance = $1 AND updated_at >= $2', [legacy, r.createdAt]);
    await client.query(
      `INSERT INTO budget_alerts (instance, resource, month, threshold, spent_pico, amount_pico, time)
       SELECT $1, resource, month, threshold, spent_pico, amount_pico, time FROM budget_alerts WHERE instance = $2 AND time >= $3 ON CONFLICT DO NOTHING`,
      [r.instance, legacy, r.createdAt],
    );
    await client.query('DELETE FROM budget_alerts WHERE instance = $1 AND time >= $2', [legacy, r.createdAt]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  // Raw records in batches (each its own statement); a restart resumes where this stopped.
  for (;;) {
    const { rowCount } = await client.query(
      'UPDATE request_log SET instance = $1 WHERE (time, id) IN (SELECT time, id FROM request_log WHERE instance IS NULL AND resource = $2 AND time >= $3 LIMIT $4)',
      [r.instance, r.name, r.createdAt, BATCH_ROWS],
    );
    if ((rowCount ?? 0) < BATCH_ROWS) break;
  }
}
