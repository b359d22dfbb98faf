// The local CA shared by replicas on one PostgreSQL store: renewed by one replica at a time (each check runs under the
// store's exclusive lock), adopted by the others. Two processes finding the CA near its end at the same moment end up
// serving one new CA, the one stored, each with a server certificate it signed; a CA renewed through one replica
// (here: for a domain only it serves) reaches another through change propagation, which re-issues its certificate.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { TlsCertificates, tlsNames, tlsStorage } from '../src/http/tls.ts';
import { openConfiguredStore } from '../src/store/index.ts';
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
 * A replica's certificates in a process of its own, as the gateway sets them up: on the shared store, each check under
 * its exclusive lock, with a clock `shiftDays` ahead. Prints its CA's fingerprint and whether its server certificate is
 * that CA's, at start and (with `watch`) whenever a change from another replica brings it a new CA.
 */
function replica(url: string, name: string, options: { shiftDays?: number; domains?: string[]; watch?: boolean } = {}) {
  const script = `import { X509Certificate } from 'node:crypto';
import { openConfiguredStore } from './packages/gateway/src/store/index.ts';
import { TlsCertificates, tlsNames, tlsStorage } from './packages/gateway/src/http/tls.ts';
const dir = ${JSON.stringify(join(root, name))};
const store = await openConfiguredStore({ dataDir: dir, store: { postgres: ${JSON.stringify(url)} } }, process.env);
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
  await new Promise((resolve) => process.once('SIGTERM', resolve));
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
