// Where `GET /monitoring/logs` follow mode resumes, as an opaque string the client hands back. Two kinds, one per
// store. SQLite has one writer at a time and assigns ids inside the write transaction, so ids commit in order and
// "after id N" misses nothing. PostgreSQL replicas write concurrently: an id drawn from the sequence can become
// visible after a larger one, so a cursor there is a transaction snapshot (pg_current_snapshot()): the next read
// returns the rows whose transaction was not yet visible in it and is now — each committed row exactly once,
// whatever the commit order. `upTo`/`after` continue inside one such window when it held more than a page.

export type FollowCursor =
  | { id: number }
  | { snapshot: string; upTo?: string; after?: { xid: string; id: number } };

const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/;
const MAX_CURSOR_CHARS = 16_384;

export function encodeFollowCursor(cursor: FollowCursor): string {
  if ('id' in cursor) return String(cursor.id);
  return `p${Buffer.from(JSON.stringify(cursor)).toString('base64url')}`;
}

/** The cursor, or undefined when the text is not one this gateway gave out. */
export function decodeFollowCursor(text: string): FollowCursor | undefined {
  if (/^\d{1,16}$/.test(text)) {
    const id = Number(text);
    return Number.isSafeInteger(id) ? { id } : undefined;
  }
  if (!text.startsWith('p') || text.length > MAX_CURSOR_CHARS || !/^p[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text.slice(1), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { snapshot, upTo, after } = value as Record<string, unknown>;
  if (typeof snapshot !== 'string' || !SNAPSHOT.test(snapshot)) return undefined;
  if (upTo !== undefined && (typeof upTo !== 'string' || !SNAPSHOT.test(upTo))) return undefined;
  const out: FollowCursor = { snapshot };
  if (upTo !== undefined) out.upTo = upTo;
  if (after !== undefined) {
    const a = after as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || typeof a['xid'] !== 'string' || !/^\d{1,20}$/.test(a['xid']) || !Number.isSafeInteger(a['id'])) return undefined;
    if (upTo === undefined) return undefined;
    out.after = { xid: a['xid'], id: a['id'] as number };
  }
  return out;
}
