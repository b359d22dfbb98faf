// The identity commands end to end: the real binary against a real `serve`, as a person or a script would use them.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, startServe } from './serve-helper.ts';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';

const tmp = mkdtempSync(join(tmpdir(), 'cf-cli-identity-'));
const dataDir = join(tmp, 'data');
const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
for (const k of ['CLAUDE_FOUNDRY_DATA_DIR', 'CLAUDE_FOUNDRY_URL', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'] as const) delete env[k];

let server: ChildProcess;
let baseURL = '';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, ...(args.includes('--data-dir') ? [] : ['--data-dir', dataDir])], { encoding: 'utf8', env, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: { stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^claude-foundry: /);
  assert.match(lines[0]!, pattern);
}

before(async () => {
  const started = await startServe(['--port', '0', '--data-dir', dataDir], env);
  server = started.child;
  const out = started.banner;
  baseURL = /^export ANTHROPIC_FOUNDRY_BASE_URL=(\S+)$/m.exec(out)![1]!;
  assert.match(out, /HTTPS +https:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, new RegExp(`export NODE_EXTRA_CA_CERTS=${join(dataDir, 'ca.pem').replace(/[/.]/g, '\\$&')}`));
});
after(async () => {
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
  rmSync(tmp, { recursive: true, force: true });
});

const params = { model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };

describe('principal create → token → role assign → the official SDK', () => {
  test('a new principal is denied until it is given a role, then its CLI token works in azureADTokenProvider', async () => {
    const created = cli('principal', 'create', '--name', 'ci-bot', '--json');
    assert.equal(created.status, 0, created.stderr);
    const p = JSON.parse(created.stdout) as { clientId: string; clientSecret: string; objectId: string; tenantId: string };
    assert.match(p.clientSecret, /^.{3}8Q~/);

    const issued = cli('token', '--client-id', p.clientId, '--client-secret', p.clientSecret);
    assert.equal(issued.status, 0, issued.stderr);
    const token = issued.stdout.trim();
    const sdk = new AnthropicFoundry({ baseURL, azureADTokenProvider: async () => token, maxRetries: 0 });
    await assert.rejects(sdk.messages.create(params), (err: { status?: number }) => err.status === 403);

    const assigned = cli('role', 'assign', '--principal', 'ci-bot', '--role', 'Cognitive Services User', '--resource', 'claude-local');
    assert.equal(assigned.status, 0, assigned.stderr);
    assert.match(assigned.stdout, /Assigned 'Cognitive Services User' to .* at \/subscriptions\/.*\/accounts\/claude-local/);
    assert.equal((await sdk.messages.create(params)).type, 'message');

    const list = cli('role', 'list', '--principal', p.clientId, '--json');
    assert.equal(list.status, 0, list.stderr);
    const assignments = JSON.parse(list.stdout) as Array<{ name: string; properties: { principalId: string; scope: string } }>;
    assert.equal(assignments.length, 1);
    assert.equal(assignments[0]!.properties.principalId, p.objectId);

    const removed = cli('role', 'remove', assignments[0]!.name);
    assert.equal(removed.status, 0, removed.stderr);
    await assert.rejects(sdk.messages.create(params), (err: { status?: number }) => err.status === 403);
  });

  test('principal list shows a table for people and JSON for scripts; delete removes by name', () => {
    assert.equal(cli('principal', 'create', '--name', 'short-lived').status, 0);
    const table = cli('principal', 'list');
    assert.equal(table.status, 0);
    assert.match(table.stdout, /^DISPLAY NAME +CLIENT ID +OBJECT ID +SOURCE +GROUPS$/m);
    assert.match(table.stdout, /^claude-foundry-admin .* admin/m);
    const json = JSON.parse(cli('principal', 'list', '--json').stdout) as Array<{ displayName: string }>;
    assert.ok(json.some((p) => p.displayName === 'short-lived'));
    const deleted = cli('principal', 'delete', 'short-lived');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.ok(!(JSON.parse(cli('principal', 'list', '--json').stdout) as Array<{ displayName: string }>).some((p) => p.displayName === 'short-lived'));
  });

  test('token without a client prints a management-capable token for the admin principal', () => {
    const r = cli('token', '--scope', 'https://management.azure.com/.default', '--json');
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout) as { accessToken: string; expiresIn: number; tokenType: string };
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 3599);
    assert.equal((JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString()) as { aud: string }).aud, 'https://management.azure.com');
  });
});

describe('bad input: one line on stderr and an exit code', () => {
  test('usage mistakes exit 2', () => {
    oneLineError(cli('role', 'assign', '--principal', 'ci-bot'), /--role is required/);
    assert.equal(cli('role', 'assign', '--principal', 'ci-bot').status, 2);
    const r = cli('principal', 'frobnicate');
    assert.equal(r.status, 2);
    oneLineError(r, /unknown subcommand 'frobnicate'/);
    assert.equal(cli('token', '--client-id', 'only-an-id').status, 2);
  });

  test('what the gateway refuses exits 1 (not found) or 4 (credentials), naming the problem', () => {
    const missing = cli('principal', 'delete', 'no-such-principal');
    assert.equal(missing.status, 1);
    oneLineError(missing, /no service principal 'no-such-principal'/);
    const noRole = cli('role', 'assign', '--principal', 'ci-bot', '--role', 'Galactic Emperor');
    assert.equal(noRole.status, 1);
    oneLineError(noRole, /no role 'Galactic Emperor'\. Roles: Owner, Contributor/);
    const noResource = cli('role', 'assign', '--principal', 'ci-bot', '--role', 'Reader', '--resource', 'nope');
    assert.equal(noResource.status, 1);
    oneLineError(noResource, /ResourceNotFound: .*accounts\/nope/);
    const created = JSON.parse(cli('principal', 'create', '--name', 'wrong-secret', '--json').stdout) as { clientId: string };
    const denied = cli('token', '--client-id', created.clientId, '--client-secret', 'wrong');
    assert.equal(denied.status, 4);
    oneLineError(denied, /AADSTS7000215/);
  });

  test('no gateway or no data folder exits 3 and says what to do', () => {
    const unreachable = cli('principal', 'list', '--url', 'http://127.0.0.1:9');
    assert.equal(unreachable.status, 3);
    oneLineError(unreachable, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9 .*claude-foundry serve/);
    const noData = cli('principal', 'list', '--data-dir', join(tmp, 'nowhere'));
    assert.equal(noData.status, 3);
    oneLineError(noData, /no admin credentials at .*nowhere/);
  });
});
