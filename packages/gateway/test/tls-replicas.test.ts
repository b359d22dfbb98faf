// The local CA shared by replicas on one PostgreSQL store: renewed by one replica at a time (each check runs under the
// store's exclusive lock), adopted by the others. Two processes finding the CA near its end at the same moment end up
// serving one new CA, the one stored, each with a server certificate it signed; a CA renewed through one replica
// (here: for a domain only it serves) reaches another through change propagation, which re-issues its certificate.
// The same on SQLite: processes sharing one data folder adopt a CA one of them renewed within the propagation bound.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { TlsCertificates, tlsNames, tlsStorage } from '../src/http/tls.ts';
import { openConfiguredStore, openStore } from '../src/store/index.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cf-tls-replicas-'));
const SECRET_KEY = randomBytes(32).toString('base64');
const children: ChildProcess[] = [];
let pg: PostgresServer;

before(async () => {
  pg = await startPostgres();
});
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A replica's certificates in a process of its own, as the gateway sets them up: on the shared store (PostgreSQL at
 * `url`, else SQLite in the data folder `name`, which several processes may share), each check under
 * its exclusive lock, with a clock `shiftDays` ahead. Prints its CA's fingerprint and whether its server certificate is
 * that CA's, at start and (with `watch`) whenever a change from another replica brings it a new CA.
 */
function replica(url: string | undefined, name: string, options: { shiftDays?: number; domains?: string[]; watch?: boolean } = {}) {
  const script = `import { X509Certificate } from 'node:crypto';
import { openConfiguredStore } from './packages/gateway/src/store/index.ts';
import { TlsCertificates, tlsNames, tlsStorage } from './packages/gateway/src/http/tls.ts';
const dir = ${JSON.stringify(join(root, name))};
const store = await openConfiguredStore({ dataDir: dir, store: { postgres: ${url === undefined ? 'undefined' : JSON.stringify(url)} } }, process.env);
const tls = await TlsCertificates.open(dir, tlsNames(['claude-local'], ${JSON.stringify(options.domains ?? [])}, '127.0.0.1'), () => Date.now() + ${(options.shiftDays ?? 0) * 86_400_000}, tlsStorage(dir, store), (work) => store.exclusive(work));
const report = () => {
  const ca = new X509Certificate(tls.caPem);
  const leaf = new X509Certificate(tls.cert);
  process.stdout.write(JSON.stringify({ ca: ca.fingerprint256, leafFromCa: leaf.checkIssued(ca) && leaf.verify(ca.publicKey) }) + '\\n');
};
report();
if (${options.watch === true}) {
  let last = tls.caPem;
  store.watch(() => void tls.refresh().then(() => tls.caPem !== last && ((last = tls.caPem), report())));
  // The store's poll does not keep a process alive (SQLite's is unref'd); this does, until the test ends it.
  const alive = setInterval(() => undefined, 1000);
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  clearInterval(alive);
}
tls.close();
await store.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env: { PATH: process.env['PATH'], CLAUDE_FOUNDRY_SECRET_KEY: SECRET_KEY } });
  children.push(child);
  const lines: Array<{ ca: string; leafFromCa: boolean }> = [];
  let out = '';
  let buffer = '';
  child.stdout!.on('data', (c: Buffer) => {
    buffer += c.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, i)) as { ca: string; leafFromCa: boolean });
      buffer = buffer.slice(i + 1);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, exited, errors: () => out };
}

async function storedCa(url: string): Promise<string> {
  const store = await openConfiguredStore({ dataDir: join(root, 'reader'), store: { postgres: url } }, { CLAUDE_FOUNDRY_SECRET_KEY: SECRET_KEY });
  try {
    return new X509Certificate((await store.secrets.get('tls.ca.pem'))!).fingerprint256;
  } finally {
    await store.close();
  }
}

test('two replicas finding the CA near its end at once: one renews, both serve the new CA, the one stored', async () => {
  const url = pg.createDatabase('tls_renew');
  const first = replica(url, 'seed');
  assert.equal(await first.exited, 0, first.errors());
  let previous = first.lines[0]!.ca;
  // Each round moves the clocks past the renewal point of the CA the last round left (a year's CA, renewed 30 days
  // before its end): 340 days on, then 680.
  for (const shiftDays of [340, 680]) {
    const both = [replica(url, `a${shiftDays}`, { shiftDays }), replica(url, `b${shiftDays}`, { shiftDays })];
    for (const r of both) assert.equal(await r.exited, 0, r.errors());
    const [a, b] = both.map((r) => r.lines[0]!);
    const stored = await storedCa(url);
    assert.notEqual(stored, previous, `${shiftDays} days on: renewed`);
    assert.deepEqual([a!.ca, b!.ca], [stored, stored], `${shiftDays} days on: one CA, the stored one, in both`);
    assert.deepEqual([a!.leafFromCa, b!.leafFromCa], [true, true], 'each server certificate signed by it');
    previous = stored;
  }
});

test('a CA renewed through one replica is adopted by another through change propagation, within a second', async () => {
  const url = pg.createDatabase('tls_adopt');
  const watching = replica(url, 'watching', { watch: true });
  const deadline = Date.now() + 30_000;
  while (watching.lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const before = watching.lines[0]!.ca;
  // A replica serving one more domain needs a CA that permits it: it renews the CA (keeping the names the other needs).
  const renewing = replica(url, 'renewing', { domains: ['extra.test'] });
  assert.equal(await renewing.exited, 0, renewing.errors());
  const renewed = renewing.lines[0]!.ca;
  assert.notEqual(renewed, before);
  const started = Date.now();
  while (watching.lines.length < 2 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(watching.lines.length, 2, `adopted within a second: ${watching.errors()}`);
  assert.deepEqual(watching.lines[1], { ca: renewed, leafFromCa: true });
  assert.equal(await storedCa(url), renewed);
  watching.child.kill('SIGTERM');
  assert.equal(await watching.exited, 0, watching.errors());
});

test('replicas serving different names keep their own server certificates across refreshes (the shared names file is the CA’s)', async () => {
  const url = pg.createDatabase('tls_names');
  const env = { ...process.env, CLAUDE_FOUNDRY_SECRET_KEY: SECRET_KEY };
  const open = async (name: string, host: string) => {
    const dir = join(root, name);
    const store = await openConfiguredStore({ dataDir: dir, store: { postgres: url } }, env);
    const tls = await TlsCertificates.open(dir, tlsNames(['claude-local'], [], host), Date.now, tlsStorage(dir, store), (work) => store.exclusive(work));
    return { store, tls };
  };
  const a = await open('names-a', '127.0.0.1');
  const b = await open('names-b', '127.0.0.2');
  try {
    // The second replica's host widened the CA: the first re-issues its certificate from it once.
    await a.tls.refresh();
    await b.tls.refresh();
    const settled = [a.tls.cert, b.tls.cert];
    for (let round = 0; round < 3; round++) {
      await a.tls.refresh();
      await b.tls.refresh();
    }
    assert.deepEqual([a.tls.cert, b.tls.cert], settled, 'no certificate re-issued by a refresh with nothing changed');
    assert.match(new X509Certificate(b.tls.cert).subjectAltName ?? '', /127\.0\.0\.2/);
  } finally {
    for (const r of [a, b]) {
      r.tls.close();
      await r.store.close();
    }
  }
});

test('on SQLite, a CA renewed by one process on the data folder is adopted by another at once, not at its next check', async () => {
  // Two processes on one data folder, as `serve --workers 2` runs: the second finds the CA near its end (its clock 340
  // days on), renews it under the folder's lock and records it in the store; the first hears of the change.
  const watching = replica(undefined, 'sqlite-shared', { watch: true });
  const deadline = Date.now() + 30_000;
  while (watching.lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const before = watching.lines[0]!.ca;
  const renewing = replica(undefined, 'sqlite-shared', { shiftDays: 340 });
  assert.equal(await renewing.exited, 0, renewing.errors());
  const renewed = renewing.lines[0]!.ca;
  assert.notEqual(renewed, before, 'renewed');
  const started = Date.now();
  while (watching.lines.length < 2 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(watching.lines.length, 2, `adopted within a second: ${watching.errors()}`);
  assert.deepEqual(watching.lines[1], { ca: renewed, leafFromCa: true }, 'the renewed CA, and a server certificate it signed');
  assert.equal(new X509Certificate(readFileSync(join(root, 'sqlite-shared', 'ca.pem'), 'utf8')).fingerprint256, renewed, 'ca.pem is the renewed CA');
  watching.child.kill('SIGTERM');
  assert.equal(await watching.exited, 0, watching.errors());
});

test('on SQLite, two processes with different hosts on one data folder settle on one CA instead of renewing it in turn', async () => {
  const dir = join(root, 'sqlite-hosts');
  const env = { CLAUDE_FOUNDRY_SECRET_KEY: SECRET_KEY };
  const open = async (host: string) => {
    const store = openStore(dir, env);
    const tls = await TlsCertificates.open(dir, tlsNames(['claude-local'], [], host), Date.now, tlsStorage(dir, store), (work) => store.exclusive(work));
    return { store, tls };
  };
  const a = await open('127.0.0.1');
  const b = await open('127.0.0.2');
  try {
    // B started with a CA for its names only; A adopts it widened to both, and B adopts that.
    await a.tls.refresh();
    await b.tls.refresh();
    const settled = { ca: a.tls.caPem, certs: [a.tls.cert, b.tls.cert] };
    assert.equal(b.tls.caPem, settled.ca, 'one CA');
    for (let round = 0; round < 3; round++) {
      await a.tls.refresh();
      await b.tls.refresh();
    }
    assert.deepEqual({ ca: b.tls.caPem, certs: [a.tls.cert, b.tls.cert] }, settled, 'nothing re-issued by refreshes with nothing changed');
    for (const [r, ip] of [[a, '127.0.0.1'], [b, '127.0.0.2']] as const) assert.match(new X509Certificate(r.tls.cert).subjectAltName ?? '', new RegExp(`IP Address:${ip.replace(/\./g, '\\.')}`));
  } finally {
    for (const r of [a, b]) {
      r.tls.close();
      await r.store.close();
    }
  }
});
