// The control-plane commands end to end — resource, deployment, keys, endpoint, chat — as a person types them: the
// real binary against one real `serve`, through the gateway's ARM API, with their output and exit codes.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, startServe } from './serve-helper.ts';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'cf-cli-control-'));
const dataDir = join(tmp, 'data');
const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
for (const k of ['CLAUDE_FOUNDRY_DATA_DIR', 'CLAUDE_FOUNDRY_URL', 'ANTHROPIC_FOUNDRY_BASE_URL', 'ANTHROPIC_FOUNDRY_API_KEY'] as const) delete env[k];

// The seeded resource keeps a paced deployment, so that `chat` can be seen writing the reply as it arrives.
const config = join(tmp, 'config.json');
// A second one always breaks off mid-stream.
// An Enterprise quota, 2,000 of its 10,000 Haiku units held here: what the tests deploy over ARM fits in the rest.
writeFileSync(config, JSON.stringify({
  subscriptionType: 'enterprise',
  resources: [{
    name: 'claude-local',
    deployments: [
      { name: 'paced', model: 'claude-haiku-4-5', capacity: 1000, simulator: { ttftMs: 50, tokensPerSecond: 150 } },
      { name: 'flaky', model: 'claude-haiku-4-5', capacity: 1000, simulator: { faults: { rateMidstream: 1 } } },
    ],
  }],
}));

let server: ChildProcess;
let gatewayUrl = '';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** When each stdout chunk came, in ms after the start. */
  chunks: number[];
}

function cli(...args: string[]): Promise<Run> {
  const started = performance.now();
  // A command that hangs is killed (its status is then null), so the test fails rather than stalls.
  const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
  const run: Run = { status: null, stdout: '', stderr: '', chunks: [] };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    run.stdout += c;
    run.chunks.push(performance.now() - started);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (run.stderr += c));
  return new Promise((resolve) => child.once('close', (code) => resolve({ ...run, status: code })));
}

async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const json = async <T>(...args: string[]) => JSON.parse(await ok(...args, '--json')) as T;

/** Exit code and one line on stderr, `claude-foundry: ...`, matching `pattern`. */
function refused(r: Run, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, `exit ${r.status}, expected ${status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^claude-foundry: /);
  assert.match(lines[0]!, pattern);
}

/** A data-plane call with a key, as any client would make it. */
async function messages(resource: string, key: string, model: string): Promise<number> {
  const res = await fetch(`${gatewayUrl}/${resource}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

before(async () => {
  const started = await startServe(['--port', '0', '--data-dir', dataDir, '--config', config], env);
  server = started.child;
  const out = started.banner;
  gatewayUrl = /^ {2}Endpoint +(http:\/\/[^/]+)\//m.exec(out)![1]!;
});

after(async () => {
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
  rmSync(tmp, { recursive: true, force: true });
});

interface Account {
  id: string;
  name: string;
  kind: string;
  location: string;
  sku: { name: string };
  properties: { provisioningState: string; disableLocalAuth?: boolean; networkAcls?: { defaultAction: string; ipRules: Array<{ value: string }> } };
}

interface Deployment {
  name: string;
  sku: { name: string; capacity: number };
  properties: { model: { format: string; name: string; version: string } };
}

describe('a resource from create to delete, with no flag but its name', () => {
  let oldKey1 = '';
  let newKey1 = '';

  test('resource create makes an AIServices account in the default subscription and resource group', async () => {
    const out = await ok('resource', 'create', 'cli-res');
    assert.match(out, /^Created resource 'cli-res' in resource group 'claude-foundry' \(eastus2, S0\)\.\n\nFIELD +VALUE\n/);
    assert.match(out, /^Local auth \(keys\) +enabled$/m);
    assert.match(out, /^Next: npx claude-foundry deployment create --resource cli-res /m);
    const account = await json<Account>('resource', 'show', 'cli-res');
    assert.equal(account.id, '/subscriptions/c1a0de00-5ab5-4000-8000-000000000001/resourceGroups/claude-foundry/providers/Microsoft.CognitiveServices/accounts/cli-res');
    assert.deepEqual([account.kind, account.sku.name, account.location, account.properties.provisioningState], ['AIServices', 'S0', 'eastus2', 'Succeeded']);
  });

  test('resource list shows a table for people and ARM accounts for scripts', async () => {
    const [table, accounts] = await Promise.all([ok('resource', 'list'), json<Account[]>('resource', 'list')]);
    assert.match(table, /^NAME +RESOURCE GROUP +LOCATION +SKU +PUBLIC ACCESS +LOCAL AUTH +STATE$/m);
    assert.match(table, /^cli-res +claude-foundry +eastus2 +S0 +Enabled +enabled +Succeeded$/m);
    assert.deepEqual(accounts.map((a) => a.name).sort(), ['claude-local', 'cli-res']);
  });

  test('deployment create deploys a catalog model; list shows it', async () => {
    const out = await ok('deployment', 'create', '--resource', 'cli-res', '--name', 'sonnet', '--model', 'claude-sonnet-4-6', '--capacity', '10');
    assert.match(out, /^Created deployment 'sonnet' on resource 'cli-res': claude-sonnet-4-6 version \S+, GlobalStandard, capacity 10\.$/m);
    assert.match(await ok('deployment', 'list', '--resource', 'cli-res'), /^sonnet +claude-sonnet-4-6 +\S+ +GlobalStandard +10 +Succeeded$/m);
    const [d] = await json<Deployment[]>('deployment', 'list', '--resource', 'cli-res');
    assert.deepEqual([d!.name, d!.sku, d!.properties.model.format, d!.properties.model.name], ['sonnet', { name: 'GlobalStandard', capacity: 10 }, 'Anthropic', 'claude-sonnet-4-6']);
  });

  test('chat streams a reply from the new deployment, with usage under --verbose', async () => {
    const r = await cli('chat', '--resource', 'cli-res', '--deployment', 'sonnet', '--verbose', 'Hello, Claude');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0 && r.stdout.endsWith('\n'), r.stdout);
    assert.match(r.stderr, /^usage: \d+ input tokens, \d+ output tokens, 0 cache write, 0 cache read; stop: (end_turn|max_tokens); [\d.]+ s; deployment sonnet of cli-res; request-id req_\w+$/m);
  });

  test('keys list, then regenerate key1: the old key is refused at once, the new one works', async () => {
    const listed = /^KEY +VALUE\nkey1 +(\S+)\nkey2 +(\S+)\n$/.exec(await ok('keys', 'list', '--resource', 'cli-res'));
    assert.ok(listed);
    const [, key1, key2] = listed;
    assert.equal(await messages('cli-res', key1!, 'sonnet'), 200);
    const after = await json<{ key1: string; key2: string }>('keys', 'regenerate', 'cli-res', '--key', 'key1');
    assert.notEqual(after.key1, key1);
    assert.equal(after.key2, key2);
    assert.equal(await messages('cli-res', key1!, 'sonnet'), 401);
    assert.equal(await messages('cli-res', after.key1, 'sonnet'), 200);
    [oldKey1, newKey1] = [key1!, after.key1];
  });

  test('endpoint prints export lines the official TypeScript SDK runs with, and a Python snippet', async () => {
    const out = await ok('endpoint', '--resource', 'cli-res');
    const baseURL = /^export ANTHROPIC_FOUNDRY_BASE_URL=(\S+)$/m.exec(out)?.[1];
    const apiKey = /^export ANTHROPIC_FOUNDRY_API_KEY=(\S+)$/m.exec(out)?.[1];
    assert.equal(baseURL, `${gatewayUrl}/cli-res/anthropic`);
    assert.equal(apiKey, newKey1);
    assert.notEqual(apiKey, oldKey1);
    assert.match(out, /^ {2}Deployments +sonnet$/m);
    assert.match(out, /^from anthropic import AnthropicFoundry$/m);
    // The TypeScript snippet exactly as printed, in a fresh process that has only the two variables.
    const snippet = out.slice(out.indexOf("import AnthropicFoundry from '@anthropic-ai/foundry-sdk';")).split('\n').slice(0, 3).join('\n');
    assert.match(snippet, /model: 'sonnet'/);
    const run = spawn(process.execPath, ['--input-type=module', '-e', snippet], { cwd: ROOT, env: { ...env, ANTHROPIC_FOUNDRY_BASE_URL: baseURL!, ANTHROPIC_FOUNDRY_API_KEY: apiKey } });
    let printed = '';
    run.stdout.setEncoding('utf8').on('data', (c: string) => (printed += c));
    run.stderr.setEncoding('utf8').on('data', (c: string) => (printed += c));
    assert.equal(await new Promise((resolve) => run.once('close', resolve)), 0, printed);
    assert.match(printed, /type: 'text'/);
  });

  test('deployment delete: the data plane answers 404 at once; resource delete removes the rest', async () => {
    const key = newKey1;
    assert.match(await ok('deployment', 'delete', '--resource', 'cli-res', '--name', 'sonnet'), /^Deleted deployment 'sonnet' of resource 'cli-res'\.$/m);
    assert.equal(await messages('cli-res', key, 'sonnet'), 404);
    refused(await cli('deployment', 'show', '--resource', 'cli-res', '--name', 'sonnet'), 1, /^claude-foundry: deployment show: .*sonnet.* \(\w+\)$/);
    assert.match(await ok('resource', 'delete', 'cli-res'), /^Deleted resource 'cli-res'/m);
    refused(await cli('resource', 'show', 'cli-res'), 1, /no resource named 'cli-res'.*npx claude-foundry resource list/);
    assert.notEqual(await messages('cli-res', key, 'sonnet'), 200);
  });
});

describe('resource update: network rules and local auth reach the data plane at once', () => {
  test('an IP rule that leaves out the caller is 403, one that names it lets it in; disabling local auth refuses keys', async () => {
    await ok('resource', 'create', 'net-res', '--custom-subdomain', 'net-res-sub');
    await ok('deployment', 'create', '--resource', 'net-res', '--model', 'claude-haiku-4-5');
    const chat = () => cli('chat', '--resource', 'net-res', 'Hello');
    assert.equal((await chat()).status, 0);

    const acls = (await json<Account>('resource', 'update', 'net-res', '--ip-rule', '203.0.113.0/24')).properties.networkAcls;
    assert.deepEqual(acls && [acls.defaultAction, acls.ipRules.map((r) => r.value)], ['Deny', ['203.0.113.0/24']]);
    refused(await chat(), 4, /^claude-foundry: chat: .*(Firewall|firewall|network).* \(403\)$/);

    await ok('resource', 'update', 'net-res', '--ip-rule', '127.0.0.1', '--ip-rule', '203.0.113.0/24');
    assert.equal((await chat()).status, 0);

    assert.match(await ok('resource', 'update', 'net-res', '--disable-local-auth', 'true'), /^Local auth \(keys\) +disabled$/m);
    refused(await chat(), 4, /^claude-foundry: chat: Key based authentication is disabled for this resource\. \(AuthenticationTypeDisabled\)$/);
    await ok('resource', 'delete', 'net-res');
  });
});

describe('chat writes the reply as it arrives, and says when it breaks off', () => {
  test('a paced deployment’s text comes out in several pieces over time, not at the end', async () => {
    const r = await cli('chat', '--deployment', 'paced', '--max-tokens', '60', 'Tell me a story');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.chunks.length >= 3, `stdout came in ${r.chunks.length} piece(s)`);
    assert.ok(r.chunks.at(-1)! - r.chunks[0]! > 100, `first ${r.chunks[0]} ms, last ${r.chunks.at(-1)} ms`);
  });

  test('a stream that breaks off midway ends the line on stdout and exits 1 with the error event', async () => {
    const r = await cli('chat', '--deployment', 'flaky', 'Hello');
    assert.ok(r.stdout.length > 1 && r.stdout.endsWith('\n'), JSON.stringify(r.stdout));
    refused(r, 1, /^claude-foundry: chat: the stream failed: .+ \(\w+\), request-id req_\w+$/);
  });
});

describe('bad input: one line on stderr that says what to do, and an exit code', () => {
  test('usage mistakes exit 2 before anything is sent', async () => {
    const [flag, capacity, zero, sku, access, key, noName, noResource] = await Promise.all([
      cli('resource', 'create', 'x-res', '--bogus'),
      cli('deployment', 'create', '--resource', 'claude-local', '--model', 'claude-haiku-4-5', '--capacity', 'lots'),
      cli('deployment', 'create', '--resource', 'claude-local', '--model', 'claude-haiku-4-5', '--capacity', '0'),
      cli('deployment', 'create', '--resource', 'claude-local', '--model', 'claude-haiku-4-5', '--sku', 'Standard'),
      cli('resource', 'create', 'x-res', '--public-network-access', 'Maybe'),
      cli('keys', 'regenerate', '--resource', 'claude-local', '--key', 'key3'),
      cli('resource', 'show'),
      cli('keys', 'list'),
    ]);
    refused(flag, 2, /^claude-foundry: resource create: .*'--bogus'.*claude-foundry resource create --help/);
    refused(capacity, 2, /deployment create: --capacity must be a whole number of at least 1, not 'lots'\./);
    refused(zero, 2, /--capacity must be a whole number of at least 1, not '0'/);
    refused(sku, 2, /--sku must be GlobalStandard or DataZoneStandard, not 'Standard'/);
    refused(access, 2, /--public-network-access must be Enabled or Disabled, not 'Maybe'/);
    refused(key, 2, /keys regenerate: --key must be key1 or key2, not 'key3'/);
    refused(noName, 2, /resource show: name the resource/);
    refused(noResource, 2, /keys list: which resource\? Pass --resource/);
  });

  test('what ARM refuses exits 1 with its message and code', async () => {
    const [name, model, capacity, missing, duplicate] = await Promise.all([
      cli('resource', 'create', 'bad_name!'),
      cli('deployment', 'create', '--resource', 'claude-local', '--name', 'mystery', '--model', 'claude-mystery-9'),
      cli('deployment', 'create', '--resource', 'claude-local', '--name', 'huge', '--model', 'claude-haiku-4-5', '--capacity', '100000000'),
      cli('keys', 'list', '--resource', 'no-such-res'),
      cli('resource', 'create', 'claude-local'),
    ]);
    refused(name, 1, /^claude-foundry: resource create: .*name.* \(\w+\)$/i);
    refused(model, 1, /^claude-foundry: deployment create: .*claude-mystery-9.*claude-sonnet-4-6.* \(\w+\)$/);
    refused(capacity, 1, /^claude-foundry: deployment create: .*capacity.* \(\w+\)$/i);
    refused(missing, 1, /keys list: no resource named 'no-such-res'/);
    refused(duplicate, 1, /resource create: resource 'claude-local' already exists .*resource update claude-local/);
  });

  test('a wrong key exits 4; an unknown deployment exits 1', async () => {
    const [key, deployment] = await Promise.all([
      cli('chat', '--deployment', 'paced', '--api-key', 'not-a-real-key-0000', 'Hello'),
      cli('chat', '--deployment', 'no-such-deployment', 'Hello'),
    ]);
    refused(key, 4, /^claude-foundry: chat: Access denied due to invalid subscription key.* \(401\)$/);
    refused(deployment, 1, /^claude-foundry: chat: .* \(DeploymentNotFound\)$/);
  });

  test('--help on every command and subcommand exits 0 and shows its usage', async () => {
    const commands = [['resource'], ['resource', 'create'], ['deployment'], ['deployment', 'create'], ['keys'], ['keys', 'regenerate'], ['endpoint'], ['chat']];
    const runs = await Promise.all(commands.map((c) => cli(...c, '--help')));
    runs.forEach((r, i) => {
      assert.equal(r.status, 0, `${commands[i]!.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: npx claude-foundry ${commands[i]![0]}`));
    });
    const top = await ok('--help');
    for (const c of ['resource', 'deployment', 'keys', 'endpoint', 'chat']) assert.match(top, new RegExp(`^  ${c} +\\S`, 'm'));
  });
});
