// The store, the same contract tests on SQLite and on PostgreSQL (store-contract.ts), then what each does of its own:
// SQLite's WAL and file checks; PostgreSQL's start errors, racing writers and an outage. A corrupt database, another
// application's or a newer schema's is refused at start with a clear message and left as it was.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/index.ts';
import { GatewayError } from '../src/errors/index.ts';
import { SigningKeyRing, storeKeyRing } from '../src/identity/signing-keys.ts';
import { startGateway } from '../src/index.ts';
import { DATABASE_FILE, openConfiguredStore, openStore, type Store, StoreConflict, StoreOpenError } from '../src/store/index.ts';
import { SCHEMA_VERSION } from '../src/store/migrations.ts';
import { account, assignment, storeContract } from './store-contract.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

let pg: PostgresServer;
before(async () => {
  pg = await startPostgres();
});
after(() => pg?.stop());
const secretKey = randomBytes(32).toString('base64');
const pgEnv = { CLAUDE_FOUNDRY_SECRET_KEY: secretKey };
const databases = new Map<string, string>();
/** The store on the PostgreSQL database `name`, created the first time. */
function openPg(name: string, env: NodeJS.ProcessEnv = pgEnv): Promise<Store> {
  let url = databases.get(name);
  if (!url) databases.set(name, (url = pg.createDatabase(name)));
  return openConfiguredStore({ dataDir: join(root, name), store: { postgres: url } }, env);
}

storeContract('sqlite', {
  open: async (name) => openStore(join(root, name)),
  raw: (name, sql) => {
    const db = new DatabaseSync(join(root, name, DATABASE_FILE), { readOnly: true });
    try {
      return String(Object.values(db.prepare(sql).get() as Record<string, unknown>)[0]);
    } finally {
      db.close();
    }
  },
});

storeContract('postgres', { open: (name) => openPg(name), raw: (name, sql) => pg.sql(sql, name) });

describe('a new SQLite store', () => {
  test('is created in WAL mode at the latest schema version and keeps what was written across a reopen', async () => {
    const dir = freshDir();
    const store = openStore(dir);
    await store.roleAssignments.insert(assignment('a1'));
    await store.settings.set('k', 'v');
    store.close();
    const db = new DatabaseSync(join(dir, DATABASE_FILE), { readOnly: true });
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    assert.equal((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
    db.close();
    const again = openStore(dir);
    assert.deepEqual((await again.roleAssignments.list()).map((a) => a.name), ['a1']);
    assert.equal(await again.settings.get('k'), 'v');
    again.close();
  });

  test('refuses a second assignment of the same role to the same principal at the same scope (scope compared without case)', async () => {
    const store = openStore(freshDir());
    await store.roleAssignments.insert(assignment('a1', '/subscriptions/S'));
    await assert.rejects(store.roleAssignments.insert(assignment('a2', '/SUBSCRIPTIONS/s')), StoreConflict);
    store.close();
  });
});

describe('a SQLite database that cannot be used is refused, unmodified', () => {
  function refused(prepare: (path: string) => void, message: RegExp): void {
    const dir = freshDir();
    const path = join(dir, DATABASE_FILE);
    openStore(dir).close();
    prepare(path);
    const before = readFileSync(path);
    assert.throws(() => openStore(dir), (err: unknown) => err instanceof StoreOpenError && message.test(err.message) && /Nothing was modified/.test(err.message));
    assert.deepEqual(readFileSync(path), before);
    assert.ok(!existsSync(`${path}-wal`) || readFileSync(`${path}-wal`).length === 0);
  }

  test('a corrupt file', () => refused((path) => writeFileSync(path, Buffer.alloc(8192, 0x5a)), /cannot be read \(file is not a database\)/));

  test('a schema newer than this version knows', () =>
    refused((path) => {
      const db = new DatabaseSync(path);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
    }, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this claude-foundry understands \\(${SCHEMA_VERSION}\\)`)));

  test("another application's SQLite file", () =>
    refused((path) => {
      rmSync(path);
      const db = new DatabaseSync(path);
      db.exec('PRAGMA application_id = 42; PRAGMA user_version = 3; CREATE TABLE t (x)');
      db.close();
    }, /belongs to another application/));

  test('and the gateway does not start, saying why', async () => {
    const dir = freshDir();
    openStore(dir).close();
    writeFileSync(join(dir, DATABASE_FILE), 'not a database at all, but long enough to look like a file'.repeat(100));
    await assert.rejects(startGateway({ overrides: { port: 0, httpsPort: 0, dataDir: dir }, env: {} }), /claude-foundry\.db cannot be read/);
  });
});

describe('the store on PostgreSQL', () => {
  test('racing writers on two replicas: a check made in a transaction holds when it writes, so one create wins and the other is refused', async () => {
    const a = await openPg('race');
    const b = await openPg('race');
    try {
      const create = (store: Store, group: string) =>
        store.transaction(async (tx) => {
          // What ControlPlane.change does: read under the lock, check, write.
          if ((await tx.accounts.list()).some((x) => x.name === 'contested')) throw new StoreConflict('taken');
          await new Promise((r) => setTimeout(r, 50)); // widen the window a check outside the lock would lose
          await tx.accounts.put(account('contested', { resourceGroup: group }));
        });
      const results = await Promise.allSettled([create(a, 'rg-a'), create(b, 'rg-b')]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      assert.ok((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason instanceof StoreConflict);
      assert.equal((await a.accounts.list()).length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('without CLAUDE_FOUNDRY_SECRET_KEY it does not open, saying which variable to set', async () => {
    await assert.rejects(openPg('nokey', {}), (err: unknown) => err instanceof StoreOpenError && /CLAUDE_FOUNDRY_SECRET_KEY must be set/.test(err.message) && /openssl rand -base64 32/.test(err.message));
    assert.equal(pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", 'nokey'), '0', 'nothing was written');
  });

  test('with another secret key than the one its secrets were sealed with, it does not open', async () => {
    (await openPg('otherkey')).close();
    await assert.rejects(openPg('otherkey', { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('hex') }), /were sealed with secret key [0-9a-f]{16}, but the key from CLAUDE_FOUNDRY_SECRET_KEY is/);
  });

  test('an unreachable server or a database that does not exist is a start error naming store.postgres', async () => {
    const unreachable = openConfiguredStore({ dataDir: freshDir(), store: { postgres: 'postgres://nobody:secret@127.0.0.1:1/none' } }, pgEnv);
    await assert.rejects(unreachable, (err: unknown) => err instanceof StoreOpenError && err.message.startsWith('store.postgres: cannot open the store at postgres://nobody@127.0.0.1:1/none') && !err.message.includes('secret'));
    const missing = openConfiguredStore({ dataDir: freshDir(), store: { postgres: `${pg.url.replace(/\/postgres$/, '')}/no_such_db` } }, pgEnv);
    await assert.rejects(missing, /store\.postgres: cannot open the store at .*no_such_db: database "no_such_db" does not exist/);
  });

  test('a database from a newer schema is refused, unmodified', async () => {
    (await openPg('newer')).close();
    pg.sql(`UPDATE schema_versions SET version = ${SCHEMA_VERSION + 1} WHERE component = 'store'`, 'newer');
    const before = pg.sql('SELECT version FROM changes', 'newer');
    await assert.rejects(openPg('newer'), new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this claude-foundry understands \\(${SCHEMA_VERSION}\\).*Nothing was modified`));
    assert.equal(pg.sql('SELECT version FROM changes', 'newer'), before);
  });

  test('while the server is down a write fails with 503 store_unavailable saying so; once it is back, writes and change notices flow again', async () => {
    const a = await openPg('outage');
    const b = await openPg('outage');
    try {
      const heard: number[] = [];
      b.watch((v) => heard.push(v));
      pg.pause();
      try {
        await assert.rejects(a.accounts.put(account('during')), (err: unknown) => err instanceof GatewayError && err.status === 503 && /The store \(PostgreSQL at .*\) is unreachable/.test(err.message));
        await assert.rejects(a.ping(), GatewayError);
      } finally {
        pg.resume();
      }
      await a.accounts.put(account('after'));
      const version = await a.version();
      const start = Date.now();
      while (!heard.includes(version) && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 20));
      assert.ok(heard.includes(version), 'the other replica heard of the change after the outage');
      assert.deepEqual((await b.accounts.list()).map((x) => x.name), ['after']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('configuring the store', () => {
  test('store.postgres or DATABASE_URL name PostgreSQL; the file wins; SQLite stays the default', () => {
    assert.equal(loadConfig({ env: {} }).store.postgres, undefined);
    assert.equal(loadConfig({ env: { DATABASE_URL: 'postgres://u@db/x' } }).store.postgres, 'postgres://u@db/x');
    assert.equal(loadConfig({ env: { DATABASE_URL: 'postgres://u@db/x' }, overrides: { store: { postgres: 'postgresql://v@db/y' } } }).store.postgres, 'postgresql://v@db/y');
  });

  test('a value that is not a PostgreSQL URL is a config error saying what one looks like', () => {
    assert.throws(() => loadConfig({ env: {}, overrides: { store: { postgres: 'mysql://u@db/x' } } }), /store\.postgres.*postgres:\/\/ or postgresql:\/\/ URL|store\.postgres must be a PostgreSQL URL such as "postgres:\/\/user:password@/);
    assert.throws(() => loadConfig({ env: {}, overrides: { store: { postgress: 'postgres://u@db/x' } } }), /store\.postgress/);
    assert.throws(() => loadConfig({ env: { DATABASE_URL: 'not a url' } }), /store\.postgres/);
  });
});

describe('signing keys in a shared store', () => {
  test('a key rotated by one process is published by another once it reloads, and both sign with the same key', async () => {
    const name = 'ring';
    const a = await openPg(name);
    const b = await openPg(name);
    try {
      const ringA = await SigningKeyRing.open(storeKeyRing(a), Date.now, 60_000);
      const ringB = await SigningKeyRing.open(storeKeyRing(b), Date.now, 60_000);
      assert.equal(ringB.active().kid, ringA.active().kid, 'the second process took the first one\'s key');
      const kid = await ringA.rotate();
      await ringB.reload();
      assert.equal(ringB.active().kid, kid);
      assert.equal(ringB.jwks().length, 2, 'the previous key stays published');
      assert.match(pg.sql("SELECT value FROM secrets WHERE name = 'identity.signingKeys'", name), /^sealed\.v1\./);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
