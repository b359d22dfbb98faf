// The SQLite store's exclusive sections across processes (`serve --workers N`, or several `serve` on one data folder):
// two processes racing through read-then-write sections never interleave (no update lost), a holder killed with
// SIGKILL leaves no stale lock, a holder that never lets go is reported after the bound, and two `serve` processes
// started at the same moment on an empty data folder create one admin principal, one admin user and one CA.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { DATABASE_FILE, openStore } from '../src/store/index.ts';
import { openProcessLock } from '../src/store/process-lock.ts';
import { StoreOpenError } from '../src/store/types.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../cli/bin/claude-foundry.js', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-exclusive-'));
  dirs.push(dir);
  // The store and its secret key made once here, so the processes below race only on what the test is about.
  void openStore(dir).close();
  return dir;
}

/** A Node process running `body` with `store` open on `dir`; resolves with its output when it exits. */
function storeProcess(dir: string, body: string): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const script = `import { openStore } from './packages/gateway/src/store/index.ts';
const store = openStore(${JSON.stringify(dir)});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
${body}
await store.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env: { PATH: process.env['PATH'] } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, out }))) };
}

test('two processes racing through exclusive read-then-write sections lose no update', async () => {
  const dir = dataDir();
  const ROUNDS = 40;
  // Each section reads the counter, yields to the event loop (where the other process would get in), then writes it.
  const body = `for (let i = 0; i < ${ROUNDS}; i++) {
  await store.exclusive(async () => {
    const n = Number((await store.settings.get('counter')) ?? '0');
    await sleep(2);
    await store.settings.set('counter', String(n + 1));
  });
}
process.stdout.write('done');`;
  const runs = [storeProcess(dir, body), storeProcess(dir, body)];
  const results = await Promise.all(runs.map((r) => r.done));
  for (const r of results) assert.equal(r.code, 0, r.out);
  const store = openStore(dir);
  try {
    assert.equal(await store.settings.get('counter'), String(2 * ROUNDS), 'every section ran alone: no update lost');
  } finally {
    await store.close();
  }
});

test('a holder killed with SIGKILL leaves no stale lock: the next process gets it at once', async () => {
  const dir = dataDir();
  const holder = storeProcess(dir, `await store.exclusive(async () => { process.stdout.write('held'); await sleep(600_000); });`);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    holder.child.stdout!.on('data', (c: Buffer) => ((seen += c.toString()), seen.includes('held') && resolve()));
    holder.child.once('exit', () => reject(new Error('the holder exited before holding the lock')));
  });
  // Held: another process waits (its section does not start).
  const lock = openProcessLock(join(dir, `${DATABASE_FILE}-lock`), 300);
  await assert.rejects(lock.acquire(), (err: unknown) => err instanceof StoreOpenError && /has held its lock .* for over 0 s/.test((err as Error).message) && /Stop the claude-foundry process that is stuck/.test((err as Error).message));
  holder.child.kill('SIGKILL');
  await holder.done;
  const started = Date.now();
  const next = storeProcess(dir, `await store.exclusive(async () => { process.stdout.write('got it'); });`);
  const result = await next.done;
  assert.equal(result.code, 0, result.out);
  assert.match(result.out, /got it/);
  assert.ok(Date.now() - started < 10_000);
  await lock.acquire(); // and so does this one, now free
  lock.release();
  lock.close();
});

test('two serve processes started together on an empty data folder create one admin principal, one admin user and one CA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-exclusive-serve-'));
  dirs.push(dir);
  // The secret key first (each process would otherwise create its own: a different race, not this one's).
  void openStore(dir).close();
  const serve = () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir], { env: { PATH: process.env['PATH'] } });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    return new Promise<{ child: ChildProcess; out: () => string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in 60 s: ${out}`)), 60_000);
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`serve exited ${code}: ${out}`))));
      child.stdout!.on('data', () => out.includes('Ctrl+C') && (clearTimeout(timer), resolve({ child, out: () => out })));
    });
  };
  const both = await Promise.all([serve(), serve()]);
  const stopped = both.map(({ child }) => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))));
  await Promise.all(stopped);
  const store = openStore(dir);
  try {
    const principals = await store.servicePrincipals.list();
    assert.equal(principals.filter((p) => p.tags.includes('claude-foundry:admin')).length, 1, 'one admin principal');
    assert.equal(principals.filter((p) => p.tags.includes('claude-foundry:user')).length, 1, 'one admin user');
  } finally {
    await store.close();
  }
  // One CA: the one in ca.pem signed the certificate both serve from (the files are the data folder's).
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  assert.ok(new X509Certificate(readFileSync(join(dir, 'tls-cert.pem'), 'utf8')).checkIssued(new X509Certificate(ca)), 'the server certificate is the CA\'s');
});
