// The development IdP's refresh-token grants and pending authorization codes in the store, in both dialects, so any
// replica or worker redeems what another issued. Only a token's or code's SHA-256 is kept. Each add is one SQL
// transaction that also keeps the table bounded: it deletes the expired rows (an indexed range) and the user's rows
// past the per-user cap, oldest first. None of these writes bumps the change version: no snapshot holds them.
import type { DatabaseSync } from 'node:sqlite';
import type { AuthorizationCodeRecord, AuthorizationCodeStore, RefreshGrantRecord, RefreshGrants } from './types.ts';

type Row = Record<string, unknown>;
/** A statement on PostgreSQL: the rows it returned. */
type Query = (sql: string, params: unknown[]) => Promise<Row[]>;
/** Runs `work` in a transaction that does not bump the change version (SQLite: on the store's one connection). */
type SqlitePlain = <T>(work: () => T) => Promise<T>;
type PostgresPlain = <T>(work: (query: Query) => Promise<T>) => Promise<T>;

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

const codeOf = (row: Row): AuthorizationCodeRecord & { uses: number } => ({
  codeHash: String(row['code_hash']),
  objectId: String(row['object_id']),
  details: String(row['details_json']),
  issuedAt: Number(row['issued_at']),
  expiresAt: Number(row['expires_at']),
  uses: Number(row['uses']),
});

/** The statements, with `?` for parameters; PostgreSQL's `$n` are numbered from them. */
const SQL = {
  // The user's secret hash comes with the grant, so a password reset committed by any replica refuses it at once.
  findGrant: 'SELECT g.*, p.secret_hash FROM refresh_tokens g LEFT JOIN service_principals p ON p.object_id = g.object_id WHERE g.token_hash = ?',
  insertGrant: 'INSERT INTO refresh_tokens (token_hash, object_id, client_id, credential, signed_in_at, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  insertCode: 'INSERT INTO authorization_codes (code_hash, object_id, details_json, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  // One statement: two replicas presenting one code at once get uses 1 and 2, never both 1.
  useCode: 'UPDATE authorization_codes SET uses = uses + 1 WHERE code_hash = ? RETURNING *',
  sweep: (table: string) => `DELETE FROM ${table} WHERE expires_at <= ?`,
  // SQLite needs a LIMIT before OFFSET (-1: none); PostgreSQL takes OFFSET alone.
  cap: (table: string, key: string, limit: string) =>
    `DELETE FROM ${table} WHERE object_id = ? AND ${key} IN (SELECT ${key} FROM ${table} WHERE object_id = ? ORDER BY issued_at DESC, ${key}${limit} OFFSET ?)`,
};

const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export function sqliteOAuthGrants(db: DatabaseSync, plain: SqlitePlain): { refreshGrants: RefreshGrants; authorizationCodes: AuthorizationCodeStore } {
  const q = {
    findGrant: db.prepare(SQL.findGrant),
    insertGrant: db.prepare(SQL.insertGrant),
    sweepGrants: db.prepare(SQL.sweep('refresh_tokens')),
    capGrants: db.prepare(SQL.cap('refresh_tokens', 'token_hash', ' LIMIT -1')),
    insertCode: db.prepare(SQL.insertCode),
    useCode: db.prepare(SQL.useCode),
    sweepCodes: db.prepare(SQL.sweep('authorization_codes')),
    capCodes: db.prepare(SQL.cap('authorization_codes', 'code_hash', ' LIMIT -1')),
  };
  return {
    refreshGrants: {
      find: async (hash) => {
        const row = q.findGrant.get(hash) as Row | undefined;
        return row && grantOf(row);
      },
      add: (g, { now, perUser }) =>
        plain(() => {
          q.insertGrant.run(g.tokenHash, g.objectId, g.clientId, g.credential, g.signedInAt, g.issuedAt, g.expiresAt);
          q.sweepGrants.run(now);
          q.capGrants.run(g.objectId, g.objectId, perUser);
        }),
    },
    authorizationCodes: {
      add: (c, { now, perUser }) =>
        plain(() => {
          q.insertCode.run(c.codeHash, c.objectId, c.details, c.issuedAt, c.expiresAt);
          q.sweepCodes.run(now);
          q.capCodes.run(c.objectId, c.objectId, perUser);
        }),
      use: (hash) =>
        plain(() => {
          const row = q.useCode.get(hash) as Row | undefined;
          return row && codeOf(row);
        }),
    },
  };
}

/** `query` and `plain` map an outage to the store's 503, as every other query does. */
export function postgresOAuthGrants(query: Query, plain: PostgresPlain): { refreshGrants: RefreshGrants; authorizationCodes: AuthorizationCodeStore } {
  return {
    refreshGrants: {
      find: async (hash) => {
        const [row] = await query(numbered(SQL.findGrant), [hash]);
        return row && grantOf(row);
      },
      add: (g, { now, perUser }) =>
        plain(async (query) => {
          await query(numbered(SQL.insertGrant), [g.tokenHash, g.objectId, g.clientId, g.credential, g.signedInAt, g.issuedAt, g.expiresAt]);
          await query(numbered(SQL.sweep('refresh_tokens')), [now]);
          await query(numbered(SQL.cap('refresh_tokens', 'token_hash', '')), [g.objectId, g.objectId, perUser]);
        }),
    },
    authorizationCodes: {
      add: (c, { now, perUser }) =>
        plain(async (query) => {
          await query(numbered(SQL.insertCode), [c.codeHash, c.objectId, c.details, c.issuedAt, c.expiresAt]);
          await query(numbered(SQL.sweep('authorization_codes')), [now]);
          await query(numbered(SQL.cap('authorization_codes', 'code_hash', '')), [c.objectId, c.objectId, perUser]);
        }),
      use: async (hash) => {
        const [row] = await query(numbered(SQL.useCode), [hash]);
        return row && codeOf(row);
      },
    },
  };
}
