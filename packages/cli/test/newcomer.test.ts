// What a newcomer and an operator meet first: --version, the models catalog, a closed pipe, a taken HTTPS
// port named by its flag, a CLI pointed at the wrong data folder, and the admin's Owner role that cannot be
// removed and is restored offline by `admin recover`.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, startServe } from './serve-helper.ts';

const tmp = mkdtempSync(join(tmpdir(), 'cf-cli-newcomer-'));
const dataDir = join(tmp, 'data');
const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
for (const k of ['CLAUDE_FOUNDRY_DATA_DIR', 'CLAUDE_FOUNDRY_URL', 'CLAUDE_FOUNDRY_PORT', 'CLAUDE_FOUNDRY_HTTPS_PORT'] as const) delete env[k];
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

test('--version prints the version of package.json, which the changelog changesets writes describes', () => {
  const r = cli('--version');
  assert.equal(r.status, 0);
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.equal(r.stdout, `claude-foundry ${version}\n`);
  const root = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(root.version, version, 'the root package carries the same version');
  assert.match(readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8'), new RegExp(`^## ${version.replaceAll('.', '\\.')}\\b`, 'm'));
});

test("models lists the catalog with today's lifecycle, limits and prices; --all adds the retired ones", () => {
  const r = cli('models');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^MODEL +LIFECYCLE +RETIRES +CONTEXT +MAX OUTPUT +\$\/MTok IN +\$\/MTok OUT$/m);
  assert.match(r.stdout, /^claude-haiku-4-5 +active +— +200K +64K +1 +5$/m);
  assert.match(r.stdout, /^claude-opus-4-5 +deprecated +2027-01-22 /m);
  assert.doesNotMatch(r.stdout, /claude-opus-4-1/, 'retired models only with --all');
  const all = cli('models', '--all', '--json');
  const models = JSON.parse(all.stdout) as Array<{ id: string; lifecycle: string }>;
  assert.equal(models.find((m) => m.id === 'claude-opus-4-1')?.lifecycle, 'retired');
  assert.equal(models.find((m) => m.id === 'claude-sonnet-4-5')?.lifecycle, 'retired', 'its retirement day, 2026-11-30, has passed');
});

test('a usage error exits 2 naming the flag', () => {
  const r = cli('models', '--colour');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^claude-foundry: models: Unknown option '--colour'/);
});

test('a reader that closes the pipe early ends the CLI quietly (no EPIPE stack)', async () => {
  const child = spawn(process.execPath, [BIN, 'models', '--all', '--json'], { env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // Like `| head -c 1`: read one chunk, then close our end.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

describe('a running gateway', () => {
  let server: ChildProcess;
  let holder: Server;
  before(async () => {
    server = (await startServe(['--port', '0', '--data-dir', dataDir], env)).child;
  });
  after(async () => {
    await stop(server);
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  });

  test('/healthz answers 200 {"status":"ok","pid":…} without credentials, with the correlation headers', async () => {
    const url = (JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')) as { url: string }).url;
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; pid: number };
    assert.equal(body.status, 'ok');
    assert.ok(Number.isInteger(body.pid) && body.pid > 0, 'the answering process is named');
    assert.match(res.headers.get('request-id') ?? '', /^req_/);
  });

  test('a flag value the monitoring API refuses is a usage error (exit 2) naming the flag, not the API parameter', () => {
    const since = cli('usage', '--since', 'yesterday', '--data-dir', dataDir);
    assert.equal(since.status, 2, since.stderr);
    assert.match(since.stderr, /^claude-foundry: usage: --since must be an ISO 8601 time .*; got 'yesterday'\.\n$/);
    const status = cli('logs', '--status', 'abc', '--data-dir', dataDir);
    assert.equal(status.status, 2, status.stderr);
    assert.match(status.stderr, /^claude-foundry: logs: --status must be a status such as 429/);
  });

  test('a taken HTTPS port: exit 1 and a line naming --https-port', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    const r = cli('serve', '--port', '0', '--https-port', String(taken), '--data-dir', join(tmp, 'other'));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `claude-foundry: the HTTPS port ${taken} is already in use. Stop the other process, or choose another with --https-port <n> (or CLAUDE_FOUNDRY_HTTPS_PORT; 0 picks a free one).\n`);
  });

  test("the CLI pointed at another gateway's data folder says to pass --data-dir or --url", async () => {
    // Another gateway ran once with `other`: its admin is unknown to the running gateway.
    await stop((await startServe(['--port', '0', '--data-dir', join(tmp, 'other')], env)).child);
    const url = (JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')) as { url: string }).url;
    const r = cli('resource', 'list', '--data-dir', join(tmp, 'other'), '--url', url);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^claude-foundry: the gateway at http:\/\/127\.0\.0\.1:\d+ does not know the admin principal of .*other: it was started with another data folder\. Pass that folder with --data-dir/);
    const none = cli('resource', 'list', '--data-dir', join(tmp, 'nowhere'));
    assert.equal(none.status, 3);
    assert.match(none.stderr, /no admin credentials at .*nowhere.*admin-credentials\.json: start the gateway once with 'npx claude-foundry serve', or pass --data-dir/);
  });

  test("the admin's Owner assignment at the subscription cannot be removed (409); admin recover restores what was lost, offline", async () => {
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')) as { clientId: string; clientSecret: string };
    const list = cli('role', 'list', '--principal', admin.clientId, '--json', '--data-dir', dataDir);
    assert.equal(list.status, 0, list.stderr);
    const owner = (JSON.parse(list.stdout) as Array<{ name: string; properties: { scope: string } }>).find((a) => /^\/subscriptions\/[^/]+$/.test(a.properties.scope));
    assert.ok(owner, list.stdout);
    const removed = cli('role', 'remove', owner.name, '--data-dir', dataDir);
    assert.equal(removed.status, 1, removed.stdout);
    assert.match(removed.stderr, /LastOwnerRoleAssignment: The role assignment '.*' is the CLI's admin Owner of subscription .*admin recover --data-dir/);
    assert.equal(cli('resource', 'list', '--data-dir', dataDir).status, 0, 'the CLI still works');

    // The credentials file lost: recover, offline, gives the admin a working secret again.
    await stop(server);
    rmSync(join(dataDir, 'admin-credentials.json'));
    const recovered = cli('admin', 'recover', '--data-dir', dataDir);
    assert.equal(recovered.status, 0, recovered.stderr);
    assert.match(recovered.stdout, /^The admin principal [0-9a-f-]{36} is Owner of \/subscriptions\/[0-9a-f-]{36} again; its credentials are in .*admin-credentials\.json\./);
    const after = JSON.parse(readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8')) as { clientId: string; clientSecret: string };
    assert.equal(after.clientId, admin.clientId);
    server = (await startServe(['--port', '0', '--data-dir', dataDir], env)).child;
    assert.equal(cli('resource', 'list', '--data-dir', dataDir).status, 0);
  });
});

test('admin recover on a folder with no store says which folder to pass', () => {
  const r = cli('admin', 'recover', '--data-dir', join(tmp, 'empty'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /empty holds no claude-foundry store: pass the data folder the gateway was started with \(--data-dir\)/);
});
