// The claude-foundry command end to end: its real binary, its output and its exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, startServe } from './serve-helper.ts';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';

const tmp = mkdtempSync(join(tmpdir(), 'cf-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' }, timeout: 20_000 });
}

test('--help lists the commands and exits 0', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /serve/);
});

test('an unknown command exits 2 with one line saying what to do', () => {
  const r = run(['frobnicate']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command 'frobnicate'.*--help/);
});

test('serve refuses a bad flag value or unknown flag with exit 2', () => {
  assert.equal(run(['serve', '--port', 'abc']).status, 2);
  const r = run(['serve', '--bogus']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /serve: .*bogus/);
});

test('serve with a broken config file exits 1 naming the file and the field', () => {
  const bad = join(tmp, 'bad.json');
  writeFileSync(bad, JSON.stringify({ resources: [{ name: 'x', deployments: [{ name: 'd', model: 'claude-haiku-4-5', backend: 'nope' }] }] }));
  const r = run(['serve', '--config', bad, '--port', '0', '--data-dir', join(tmp, 'bad-data')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /resources\[0\]\.deployments\[0\]\.backend "nope"/);
  const notJson = join(tmp, 'not.json');
  writeFileSync(notJson, '{ nope');
  assert.match(run(['serve', '--config', notJson]).stderr, /not valid JSON/);
});

test('serve prints the export lines; the official SDK works with exactly those values; SIGTERM stops it cleanly', async () => {
  const { child, banner: out } = await startServe(['--port', '0', '--data-dir', join(tmp, 'data')], { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' });
  const baseURL = /^export ANTHROPIC_FOUNDRY_BASE_URL=(\S+)$/m.exec(out)?.[1];
  const apiKey = /^export ANTHROPIC_FOUNDRY_API_KEY=(\S+)$/m.exec(out)?.[1];
  assert.ok(baseURL && apiKey, out);
  assert.match(out, /^curl .*\/v1\/messages/m);
  assert.match(out, /import AnthropicFoundry from '@anthropic-ai\/foundry-sdk';/);
  assert.match(out, /^ {2}Scenarios {4}\S+data\/scenarios\.json \(0 rules\), reloaded on change/m, 'the banner says where scripted scenarios go');
  const client = new AnthropicFoundry({ baseURL, apiKey });
  const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, Claude' }] });
  assert.equal(msg.type, 'message');
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
});
