// The development IdP's refresh-token grants in the store, in both dialects: the same three statements, run in one
// SQL transaction per grant added. Only the token's SHA-256 is kept. The table stays bounded: every add deletes the
// expired grants (an indexed range) and the user's grants past the per-user cap, oldest first.
import type { DatabaseSync } from 'node:sqlite';
import type { RefreshGrantRecord, RefreshGrants } from './types.ts';

type Row = Record<string, unknown>;
/** A query on PostgreSQL: the rows it returned. */
type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

const grantOf = (row: Row): RefreshGrantRecord & { userSecretHash: string | null } => ({
  tokenHash: String(row['token_hash']),
  objectId: String(row['object_id']),
  clientId: String(row['client_id']),
  credential: String(row['credential']),
  signedInAt: Number(row['signed_in_at']),
  issuedAt: Number(row['issued_at']),
  expiresAt: Number(row['expires_at']),
  userSecretHash: row['secret_hash'] === null || row['secret_hash'] === undefined ? null : String(row['secret_hash']),
});

// The user's secret hash comes with the grant, so a password reset committed by any replica refuses the grant at once.
const FIND =
  'SELECT g.*, p.secret_hash FROM refresh_tokens g LEFT JOIN service_principals p ON p.object_id = g.object_id WHERE g.token_hash = ';
const INSERT = 'INSERT INTO refresh_tokens (token_hash, object_id, client_id, credential, signed_in_at, issued_at, expires_at) VALUES ';
const SWEEP = 'DELETE FROM refresh_tokens WHERE expires_at <= ';

/** Runs `work` in a transaction that does not bump the change version (SQLite: on the store's queue). */
type Plain = <T>(work: () => T) => Promise<T>;

export function sqliteRefreshGrants(db: DatabaseSync, plain: Plain): RefreshGrants {
  const q = {
    find: db.prepare(`${FIND}?`),
    insert: db.prepare(`${INSERT}(?, ?, ?, ?, ?, ?, ?)`),
    sweep: db.prepare(`${SWEEP}?`),
    cap: db.prepare(
      'DELETE FROM refresh_tokens WHERE object_id = ? AND token_hash IN (SELECT token_hash FROM refresh_tokens WHERE object_id = ? ORDER BY issued_at DESC, token_hash LIMIT -1 OFFSET ?)',
    ),
  };
  return {
    find: async (hash) => {
      const row = q.find.get(hash) as Row | undefined;
      return row && grantOf(row);
    },
    add: (g, { now, perUser }) =>
      plain(() => {
        q.insert.run(g.tokenHash, g.objectId, g.clientId, g.credential, g.signedInAt, g.issuedAt, g.expiresAt);
        q.sweep.run(now);
        q.cap.run(g.objectId, g.objectId, perUser);
      }),
  };
}

/** `plain` runs its work in a transaction that does not bump the change version; `read` maps an outage to a 503. */
export function postgresRefreshGrants(read: Query, plain: <T>(work: (query: Query) => Promise<T>) => Promise<T>): RefreshGrants {
  return {
    find: async (hash) => {
      const [row] = await read(`${FIND}$1`, [hash]);
      return row && grantOf(row);
    },
    add: (g, { now, perUser }) =>
      plain(async (query) => {
        await query(`${INSERT}($1, $2, $3, $4, $5, $6, $7)`, [g.tokenHash, g.objectId, g.clientId, g.credential, g.signedInAt, g.issuedAt, g.expiresAt]);
        await query(`${SWEEP}$1`, [now]);
        await query(
          'DELETE FROM refresh_tokens WHERE object_id = $1 AND token_hash IN (SELECT token_hash FROM refresh_tokens WHERE object_id = $1 ORDER BY issued_at DESC, token_hash OFFSET $2)',
          [g.objectId, perUser],
        );
      }),
  };
}
