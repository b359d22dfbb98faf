// The store on node:sqlite: WAL and versioned migrations; a corrupt database, another application's or a newer
// schema's is refused at start with a clear message and left byte for byte as it was.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { startGateway } from '../src/index.ts';
import { DATABASE_FILE, openStore, StoreConflict, StoreOpenError } from '../src/store/index.ts';
import { SCHEMA_VERSION } from '../src/store/migrations.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

const assignment = (name: string, scope = '/subscriptions/s') => ({
  name, scope, roleDefinitionId: 'r', principalId: 'p', principalType: 'User' as const, description: null, createdOn: new Date().toISOString(), createdBy: null,
});

describe('a new store', () => {
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

describe('a database that cannot be used is refused, unmodified', () => {
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
