// The monitoring API's request-log reads on PostgreSQL: a page newest first by keyset, or follow mode oldest first
// in commit order. Both run in one REPEATABLE READ transaction with the snapshot that becomes the next cursor, so
// what a page showed and what following it returns never overlap and never leave a gap (../follow-cursor.ts).
import type { PoolClient } from 'pg';
import type { FollowCursor } from '../follow-cursor.ts';
import type { LogPage, LogQuery } from '../log-store.ts';
import { recordOf } from '../log-rows.ts';

type Snapshot = Extract<FollowCursor, { snapshot: string }>;

function filters(q: LogQuery, params: unknown[]): string[] {
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = [`l.time >= ${p(q.from)}`, `l.instance = ANY(${p(q.instances)}::text[])`];
  // Following has no end: a record stamped by a replica whose clock runs ahead of this one's `to` would otherwise
  // be passed over for good once its transaction is behind the cursor.
  if (q.after === undefined) where.push(`l.time < ${p(q.to)}`);
  if (q.deployment !== undefined) where.push(`l.deployment = ${p(q.deployment)}`);
  if (typeof q.status === 'number') where.push(`l.status = ${p(q.status)}`);
  else if (q.status !== undefined) {
    const floor = Number(q.status[0]) * 100;
    where.push(`l.status >= ${p(floor)} AND l.status < ${p(floor + 100)}`);
  }
  if (q.principal !== undefined) where.push(`l.principal = ${p(q.principal)}`);
  if (q.requestId !== undefined) {
    const id = p(q.requestId);
    where.push(`(l.request_id = ${id} OR l.apim_request_id = ${id} OR l.client_request_id = ${id})`);
  }
  return where;
}

function select(q: LogQuery, where: string[], order: string, limit: string): string {
  const join = q.includeContent ? 'LEFT JOIN request_content c ON c.log_id = l.id AND c.time = l.time' : '';
  const columns = q.includeContent ? 'l.*, c.request, c.response, c.truncated' : 'l.*';
  return `SELECT ${columns}, l.xid::text AS xid_text FROM request_log l ${join} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
}

/** Runs in the caller's REPEATABLE READ transaction. */
export async function readLogs(client: PoolClient, q: LogQuery): Promise<LogPage> {
  const { rows: snap } = await client.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
  const now = snap[0]!.s;
  if (q.instances.length === 0) return { records: [], cursor: q.after ?? { snapshot: now } };
  const params: unknown[] = [];
  const where = filters(q, params);
  const p = (v: unknown) => `$${params.push(v)}`;
  if (q.after === undefined) {
    if (q.before) where.push(`(l.time, l.id) < (${p(q.before.time)}, ${p(q.before.id)})`);
    const { rows } = await client.query(select(q, where, 'l.time DESC, l.id DESC', p(q.limit)), params);
    return { records: rows.map((r) => recordOf(r, q.includeContent)), cursor: { snapshot: now } };
  }
  if ('id' in q.after) {
    // An id cursor (the SQLite form, or `afterId`): ids in order, then a snapshot cursor from here on.
    where.push(`l.id > ${p(q.after.id)}`);
    const { rows } = await client.query(select(q, where, 'l.id', p(q.limit)), params);
    const records = rows.map((r) => recordOf(r, q.includeContent));
    return { records, cursor: records.length < q.limit ? { snapshot: now } : { id: records[records.length - 1]!.id } };
  }
  const from = q.after.snapshot;
  const upTo = q.after.upTo ?? now;
  // Committed after `from` (not visible in it) and by `upTo`; xid >= xmin(from) lets the xid index find them.
  where.push(
    `l.xid >= pg_snapshot_xmin(${p(from)}::pg_snapshot)`,
    `NOT pg_visible_in_snapshot(l.xid, ${p(from)}::pg_snapshot)`,
    `pg_visible_in_snapshot(l.xid, ${p(upTo)}::pg_snapshot)`,
  );
  if (q.after.after) where.push(`(l.xid, l.id) > (${p(q.after.after.xid)}::xid8, ${p(q.after.after.id)}::bigint)`);
  const { rows } = await client.query(select(q, where, 'l.xid, l.id', p(q.limit + 1)), params);
  const more = rows.length > q.limit;
  if (more) rows.length = q.limit;
  const records = rows.map((r) => recordOf(r, q.includeContent));
  if (!more) return { records, cursor: { snapshot: upTo } };
  const last = rows[rows.length - 1]!;
  const cursor: Snapshot = { snapshot: from, upTo, after: { xid: String(last['xid_text']), id: Number(last['id']) } };
  return { records, cursor };
}
