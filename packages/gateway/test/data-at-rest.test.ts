// Data at rest (issue 13, items 10 and 12): every file in the data folder is 0600 whatever the folder's mode, a
// world-writable folder is refused, resource keys are sealed with a key kept apart, and a wrong or missing key
// stops the start with a clear message instead of serving garbage.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { startGateway } from '../src/index.ts';
import { MIGRATIONS } from '../src/store/migrations.ts';
import { DATABASE_FILE, openStore, StoreOpenError } from '../src/store/index.ts';
import { SECRET_KEY_FILE } from '../src/store/secret-box.ts';
import { accountPath, adminToken, armWith, callResource, keysOf } from './control-helpers.ts';
import type { TestGateway } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-rest-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A data folder as an operator might make it: 0755, and the process's umask left at its usual 022. */
function operatorFolder(mode = 0o755): string {
  const dir = join(root, `d${dirs++}`);
  mkdirSync(dir);
  chmodSync(dir, mode);
  return dir;
}

async function startOn(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<TestGateway> {
  const gw = await startGateway({ env, overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir } });
  return Object.assign(gw, { dataDir });
}

/** Every byte of the store, including what is still only in its write-ahead log. */
const storeBytes = (dir: string) =>
  Buffer.concat([DATABASE_FILE, `${DATABASE_FILE}-wal`].filter((f) => existsSync(join(dir, f))).map((f) => readFileSync(join(dir, f))));

describe('the data folder', () => {
  test('every file the gateway creates is 0600, even in a folder the operator made 0755', async () => {
    const previous = process.umask(0o022);
    const dir = operatorFolder();
    try {
      const gw = await startOn(dir);
      try {
        const arm = armWith(gw, await adminToken(gw));
        assert.equal((await arm('PUT', accountPath('rest-one'), { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } })).status, 201);
        await callResource(gw, 'claude-local', gw.keys().key1); // a logged request: logs.db and its WAL exist
        await gw.telemetry.flush();
        const files = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
        for (const wanted of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, 'logs.db', 'logs.db-wal', 'logs.db-shm', SECRET_KEY_FILE, 'signing-keys.json', 'admin-credentials.json', 'ca.pem', 'ca-key.pem', 'tls-cert.pem', 'tls-key.pem']) {
          assert.ok(files.includes(wanted), `${wanted} exists (files: ${files.join(', ')})`);
        }
        for (const file of files) assert.equal((statSync(join(dir, file)).mode & 0o777).toString(8), '600', file);
      } finally {
        await gw.close();
      }
    } finally {
      process.umask(previous);
    }
  });

  test('files an earlier version left 0644 are narrowed to 0600 at start; an operator’s own file is left alone', async () => {
    const dir = operatorFolder();
    await (await startOn(dir)).close();
    chmodSync(join(dir, DATABASE_FILE), 0o644);
    chmodSync(join(dir, 'admin-credentials.json'), 0o644);
    writeFileSync(join(dir, 'notes.txt'), 'the operator’s own file', { mode: 0o644 });
    chmodSync(join(dir, 'notes.txt'), 0o644);
    const gw = await startOn(dir);
    await gw.close();
    assert.equal(statSync(join(dir, DATABASE_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'admin-credentials.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'notes.txt')).mode & 0o777, 0o644, 'a file not the gateway’s is left as it is');
  });

  test('a world-writable data folder is refused before anything is written, saying how to fix it', async () => {
    const dir = operatorFolder(0o777);
    await assert.rejects(startOn(dir), (err: unknown) => {
      assert.ok(err instanceof StoreOpenError);
      assert.match(err.message, /writable by every user \(mode 0777\)/);
      assert.match(err.message, new RegExp(`chmod 700 ${dir}`));
      return true;
    });
    assert.deepEqual(readdirSync(dir), []);
    chmodSync(dir, 0o700);
    await (await startOn(dir)).close();
  });
});

describe('resource keys at rest', () => {
  test('are sealed in the database; listKeys and the data plane still see them, across a restart', async () => {
    const dir = operatorFolder(0o700);
    let gw = await startOn(dir);
    let keys: { key1: string; key2: string };
    try {
      const arm = armWith(gw, await adminToken(gw));
      assert.equal((await arm('PUT', accountPath('rest-two'), { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } })).status, 201);
      keys = await keysOf(arm, accountPath('rest-two'));
      const bytes = storeBytes(dir);
      for (const key of [keys.key1, keys.key2, gw.keys().key1, gw.keys().key2]) assert.equal(bytes.includes(key), false, 'a key is in the database in clear');
      const db = new DatabaseSync(join(dir, DATABASE_FILE), { readOnly: true });
      const rows = db.prepare('SELECT key1, key2 FROM accounts').all() as Array<{ key1: string; key2: string }>;
      db.close();
      for (const row of rows) for (const v of [row.key1, row.key2]) assert.match(v, /^sealed\.v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+$/);
    } finally {
      await gw.close();
    }
    gw = await startOn(dir);
    try {
      assert.deepEqual(await keysOf(armWith(gw, await adminToken(gw)), accountPath('rest-two')), keys);
      assert.equal((await callResource(gw, 'rest-two', keys.key2)).status, 404); // authenticated: the account has no deployment
      assert.equal((await callResource(gw, 'rest-two', 'x'.repeat(84))).status, 401);
    } finally {
      await gw.close();
    }
  });

  test('clear keys of an earlier schema are sealed by the migration, and read back the same', async () => {
    const dir = operatorFolder(0o700);
    const db = new DatabaseSync(join(dir, DATABASE_FILE));
    db.exec(`PRAGMA application_id = ${0x43464459}; ${MIGRATIONS[0]!.sql} ${MIGRATIONS[1]!.sql} PRAGMA user_version = 2;`);
    const record = { subscriptionId: 's', resourceGroup: 'g', location: 'eastus2', kind: 'AIServices', skuName: 'S0', tags: {}, customSubDomainName: null, publicNetworkAccess: 'Enabled', networkAcls: null, disableLocalAuth: false, createdAt: 't', createdBy: null, modifiedAt: 't', modifiedBy: null };
    db.prepare('INSERT INTO accounts (name, subscription_id, resource_group, custom_subdomain, key1, key2, record_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('old', 's', 'g', null, 'clear-key-one', 'clear-key-two', JSON.stringify(record), 't');
    db.close();
    const store = openStore(dir, {});
    try {
      assert.deepEqual((await store.accounts.list()).map((a) => a.keys), [{ key1: 'clear-key-one', key2: 'clear-key-two' }]);
    } finally {
      store.close();
    }
    assert.equal(storeBytes(dir).includes('clear-key-one'), false);
    assert.ok(existsSync(join(dir, SECRET_KEY_FILE)));
  });

  test('a missing or wrong secret key stops the start with a clear message, and nothing is overwritten', async () => {
    const dir = operatorFolder(0o700);
    openStore(dir, {}).close();
    const original = readFileSync(join(dir, SECRET_KEY_FILE), 'utf8');
    rmSync(join(dir, SECRET_KEY_FILE));
    const mismatch = /sealed with secret key [0-9a-f]{16}, but the key from .* is [0-9a-f]{16}\. Restore the original secret\.key/;
    assert.throws(() => openStore(dir, {}), (err: unknown) => err instanceof StoreOpenError && mismatch.test(err.message));
    assert.equal(existsSync(join(dir, SECRET_KEY_FILE)), false, 'no new key was written over the missing one');
    assert.throws(() => openStore(dir, { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') }), (err: unknown) => err instanceof StoreOpenError && /CLAUDE_FOUNDRY_SECRET_KEY/.test(err.message));
    assert.throws(() => openStore(dir, { CLAUDE_FOUNDRY_SECRET_KEY: 'too-short' }), /not 32 bytes in base64 or hex/);
    writeFileSync(join(dir, SECRET_KEY_FILE), original, { mode: 0o600 });
    openStore(dir, {}).close();
    // The same key given by the environment works too, and then no key file is needed at all.
    rmSync(join(dir, SECRET_KEY_FILE));
    const store = openStore(dir, { CLAUDE_FOUNDRY_SECRET_KEY: original.trim() });
    assert.equal((await store.accounts.list()).length, 0);
    store.close();
    assert.equal(existsSync(join(dir, SECRET_KEY_FILE)), false);
  });

  test('a sealed key that was altered in the database is an integrity error, not garbage', async () => {
    const dir = operatorFolder(0o700);
    const gw = await startOn(dir);
    await gw.close();
    const db = new DatabaseSync(join(dir, DATABASE_FILE));
    const { key1 } = db.prepare('SELECT key1 FROM accounts').get() as { key1: string };
    // One character before the last changed to another (choosing by the last one left it as it was 1 time in 64).
    const at = key1.length - 2;
    const flipped = `${key1.slice(0, at)}${key1[at] === 'A' ? 'B' : 'A'}${key1.slice(at + 1)}`;
    assert.notEqual(flipped, key1);
    db.prepare('UPDATE accounts SET key1 = ?').run(flipped);
    db.close();
    // A gateway that started anyway is closed, so a failure here cannot leave the test process hanging.
    await assert.rejects(async () => (await startOn(dir)).close(), /fails its integrity check: the database was altered or damaged/);
  });
});
