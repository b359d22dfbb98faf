// The store on PostgreSQL, shared by every replica. A write is one SQL transaction that first takes an advisory lock
// (so a check made inside it sees every replica's committed writes and still holds when it writes), then bumps the
// change version and NOTIFYs it; replicas LISTEN, and poll the version every 500 ms in case a notification is lost
// (a dropped connection). While PostgreSQL cannot be reached, a write fails with 503 `store_unavailable`.
import pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import { logger } from '../log/index.ts';
import { runPostgresMigrations } from './migrate.ts';
import { MIGRATIONS, SECRET_KEY_ID_SETTING } from './migrations.ts';
import { postgresTables } from './postgres-tables.ts';
import { postgresOAuthGrants } from './oauth-grants.ts';
import { keyMismatch, type SecretBox } from './secret-box.ts';
import { ChangeWatcher, ownTransactions } from './transact.ts';
import { type Store, StoreOpenError, type StoreTables } from './types.ts';

const CHANNEL = 'claude_foundry_changes';
const POLL_MS = 500;
/** Advisory lock keys (any fixed numbers): every write transaction; start-up seeding. */
const WRITE_LOCK = 0x43464459_0002;
const SEED_LOCK = 0x43464459_0003;

/** The URL without its password, for messages and logs. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'an unparsable URL';
  }
}

/** Errors that mean the server cannot be reached (socket errors, SQLSTATE classes 08 and 57P), not a bad statement. */
function unreachable(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code) || /^(08|57P)/.test(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test((err as Error).message ?? '');
}

export async function openPostgresStore(url: string, box: SecretBox): Promise<Store> {
  const where = describeUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
  // An idle connection cut by the server (a restart) must not crash the process; the next query reconnects.
  pool.on('error', (err) => logger().warn({ err: err.message }, `store: a PostgreSQL connection to ${where} was lost`));
  const unavailable = (err: unknown) =>
    new GatewayError(
      'store_unavailable',
      `The store (PostgreSQL at ${where}) is unreachable (${(err as Error).message}); management changes are refused until it answers. Requests are still served from the last snapshot.`,
    );
  const mapped = (err: unknown) => (unreachable(err) ? unavailable(err) : err);

  try {
    const client = await pool.connect();
    try {
      const hasSettings = (await client.query("SELECT to_regclass('settings') IS NOT NULL AS found")).rows[0]?.found === true;
      const stored = hasSettings ? (await client.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SECRET_KEY_ID_SETTING])).rows[0]?.value : undefined;
      if (stored && stored !== box.keyId) throw keyMismatch(stored, box);
      await runPostgresMigrations(client, MIGRATIONS, { component: 'store', label: 'Store', context: { box }, describe: where });
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(`store.postgres: cannot open the store at ${where}: ${(err as Error).message}. Check the URL, that the server is running and accepts this user. Nothing was written.`);
  }

  const tables = postgresTables(pool, box);
  const readVersion = async () => Number((await pool.query<{ version: string }>('SELECT version FROM changes WHERE id = 1')).rows[0]!.version);
  const watcher = new ChangeWatcher(await readVersion());
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => (...args: A) => fn(...args).catch((err: unknown) => Promise.reject(mapped(err)));

  /** A checked-out client whose connection dies emits 'error' besides failing its query; unheard, that would end the process. */
  const checkout = async () => {
    const client = await pool.connect().catch((err: unknown) => Promise.reject(mapped(err)));
    const ignore = () => undefined;
    client.on('error', ignore);
    return { client, release: (err?: Error) => (client.off('error', ignore), client.release(err)) };
  };

  /** `work` in one SQL transaction on a pooled connection; an outage is a 503. */
  const inTransaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const { client, release } = await checkout();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      if (unreachable(err)) broken = err as Error;
      throw mapped(err);
    } finally {
      release(broken);
    }
  };

  const transaction = async <T>(work: (tx: StoreTables) => Promise<T>): Promise<T> => {
    const { result, version } = await inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const result = await work(postgresTables(client, box));
      const version = Number((await client.query<{ version: string }>('UPDATE changes SET version = version + 1 WHERE id = 1 RETURNING version')).rows[0]!.version);
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(version)]);
      return { result, version };
    });
    watcher.offer(version);
    return result;
  };

  const reads = ownTransactions(tables, transaction);
  let listener: pg.Client | undefined;
  let poll: NodeJS.Timeout | undefined;
  let closed = false;
  // A failure is retried at once: after an outage the first query may meet a pooled connection the server had cut.
  const check = () =>
    readVersion()
      .catch(() => readVersion())
      .then((v) => watcher.offer(v), () => undefined);
  // One connection LISTENs; when it drops, the next poll tick opens another (the poll covers the gap).
  const listen = async () => {
    if (listener || closed) return;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    listener = client;
    const drop = () => {
      if (listener === client) listener = undefined;
      client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => watcher.offer(Number(message.payload)));
    try {
      await client.connect();
      if (closed) return drop(); // closed while connecting: an open socket would keep the process alive
      await client.query(`LISTEN ${CHANNEL}`);
      await check();
    } catch {
      drop();
    }
  };

  return {
    dialect: 'postgres',
    ...reads,
    // Grants and codes are no snapshot's: they commit without a version bump or a NOTIFY.
    ...postgresOAuthGrants(
      guard(async (sql: string, params: unknown[]) => (await pool.query<Record<string, unknown>>(sql, params)).rows),
      (work) => inTransaction((client) => work(async (sql, params) => (await client.query<Record<string, unknown>>(sql, params)).rows)),
    ),
    transaction,
    exclusive: async (work) => {
      const { client, release } = await checkout();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [SEED_LOCK]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => undefined);
        }
      } finally {
        release();
      }
    },
    version: guard(readVersion),
    watch: (fn) => {
      watcher.listen(fn);
      if (poll) return;
      void listen();
      poll = setInterval(() => {
        void check();
        if (!listener) void listen();
      }, POLL_MS);
      poll.unref();
    },
    ping: guard(async () => {
      await pool.query('SELECT 1');
    }),
    close: async () => {
      closed = true;
      clearInterval(poll);
      await listener?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
