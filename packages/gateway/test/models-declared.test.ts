// Issue 14: a model outside the catalog is accepted only when the config declares it with its limits and prices;
// it is then bounded by its own limits and costed at its own prices (never $0), deployable over ARM and listed
// by `npx claude-foundry models --config` as declared. Undeclared, it stays an error naming the nearest model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { BadRequestError } from '@anthropic-ai/foundry-sdk/core/error';
import { ConfigError, loadConfig, type RawConfig } from '../src/config/index.ts';
import { adminToken, armWith, deploymentBody, deploymentPath } from './control-helpers.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/claude-foundry.js', import.meta.url));
const NEXT = { contextWindow: 300_000, maxOutputTokens: 32_000, prices: { input: '4', output: 20 }, retiresAt: '2099-01-01' };
const RESOURCES = [{ name: 'declared', deployments: [{ name: 'next', model: 'claude-next-preview', capacity: 100 }] }];

const load = (overrides: Partial<RawConfig>) => loadConfig({ env: {}, overrides: { dataDir: '/nonexistent', ...overrides } });
const refusal = (overrides: Partial<RawConfig>) => {
  try {
    load(overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('expected a ConfigError');
};

describe('the config declares a model outside the catalog', () => {
  let gw: TestGateway;
  let client: AnthropicFoundry;
  before(async () => {
    gw = await startTestGateway({ models: { 'claude-next-preview': NEXT }, resources: RESOURCES });
    client = new AnthropicFoundry({ apiKey: gw.keys('declared').key1, baseURL: gw.baseURL('declared'), maxRetries: 0 });
  });
  after(() => gw.close());

  test('a deployment of it serves, and the request log costs it at the declared prices, not $0', async () => {
    const reply = await client.messages.create({ model: 'next', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, Claude' }] });
    assert.equal(reply.type, 'message');
    const r = await loggedRecord(gw, await managementToken(gw), String(reply._request_id));
    const { input_tokens: input, output_tokens: output } = reply.usage;
    assert.ok(input > 0 && output > 0);
    // $4 and $20 per million tokens.
    const expected = (input * 4 + output * 20) / 1_000_000;
    assert.equal(Number(r.costUsd), expected, `${input} in, ${output} out`);
    assert.notEqual(r.costUsd, '0');
  });

  test('its own limits bound max_tokens and the window', async () => {
    // An explicit timeout: without one the SDK itself refuses a non-streaming max_tokens this large.
    const err = await client.messages.create({ model: 'next', max_tokens: 32_001, messages: [{ role: 'user', content: 'Hi' }] }, { timeout: 60_000 }).then(
      () => assert.fail('expected a 400'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BadRequestError, String(err));
    assert.match(err.message, /max_tokens: 32001 > 32000/);
  });

  test('ARM deploys it like a catalog model; cache prices default to 1.25×, 2× and 0.1× the input price', async () => {
    const arm = armWith(gw, await adminToken(gw));
    const created = await arm('PUT', deploymentPath('declared', 'next-arm'), deploymentBody('claude-next-preview', 5));
    assert.equal(created.status, 201, created.text);
    assert.equal((await client.messages.create({ model: 'next-arm', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] })).type, 'message');
    assert.equal(gw.control.current.resource('declared')?.deployments.get('next-arm')?.declaredModel?.id, 'claude-next-preview');
    const declared = gw.config.models.get('claude-next-preview')!;
    assert.deepEqual([declared.prices.cacheWrite5m, declared.prices.cacheWrite1h, declared.prices.cacheRead], ['5', '8', '0.4']);
  });
});

describe('declarations are checked', () => {
  test('undeclared, a model outside the catalog is an error naming the nearest catalog model and how to declare it', () => {
    const message = refusal({ resources: [{ name: 'r', deployments: [{ name: 'd', model: 'claude-sonet-4-6' }] }] });
    assert.match(message, /resources\[0\]\.deployments\[0\]\.model "claude-sonet-4-6" is not a model of the catalog; did you mean "claude-sonnet-4-6"\?/);
    assert.match(message, /declare a model outside the catalog with its limits and prices under "models"/);
  });

  test('prices are required (else it would cost $0), a catalog id cannot be redeclared, bad values say what to write', () => {
    const declared = (models: Record<string, unknown>) => refusal({ models, resources: RESOURCES } as Partial<RawConfig>);
    assert.match(declared({ 'claude-next-preview': { contextWindow: 2000, maxOutputTokens: 10 } }), /models\.claude-next-preview\.prices is required.*costed at \$0/);
    assert.match(declared({ 'claude-next-preview': { ...NEXT, prices: { input: '4' } } }), /needs both "input" and "output"/);
    assert.match(declared({ 'claude-next-preview': { ...NEXT, prices: { input: 'four', output: '20' } } }), /prices\.input must be USD per million tokens/);
    assert.match(declared({ 'claude-next-preview': { ...NEXT, maxOutputTokens: 400_000 } }), /maxOutputTokens \(400000\) must be at most contextWindow \(300000\)/);
    assert.match(declared({ 'claude-next-preview': { ...NEXT, retiresAt: '30/06/2027' } }), /retiresAt must be a date written YYYY-MM-DD/);
    assert.match(declared({ 'claude-next-preview': { ...NEXT, contextWindw: 5 } }), /models\.claude-next-preview\.contextWindw is not a setting; did you mean "contextWindow"\?/);
    assert.match(refusal({ models: { 'claude-sonnet-4-6': NEXT } }), /"claude-sonnet-4-6" is a model of the catalog/);
  });

  test('a declared model retires on its own retiresAt, as a catalog model does', () => {
    const config = load({ models: { 'claude-next-preview': { ...NEXT, deprecatedAt: '2026-01-01', retiresAt: '2026-02-01' } }, resources: RESOURCES });
    assert.equal(config.resources[0]!.deployments[0]!.declaredModel?.retiresAt, '2026-02-01');
  });
});

describe('npx claude-foundry models --config', () => {
  test('lists the declared model after the catalog, marked declared, with its limits and prices', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cf-declared-')), 'claude-foundry.json');
    writeFileSync(file, JSON.stringify({ models: { 'claude-next-preview': NEXT }, resources: RESOURCES }));
    const run = spawnSync(process.execPath, [BIN, 'models', '--config', file], { encoding: 'utf8', env: { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' } });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^claude-next-preview \(declared\) +active +2099-01-01 +300K +32K +4 +20$/m);
    const json = spawnSync(process.execPath, [BIN, 'models', '--config', file, '--json'], { encoding: 'utf8' });
    const listed = JSON.parse(json.stdout) as Array<{ id: string; declared: boolean }>;
    assert.deepEqual(listed.filter((m) => m.declared).map((m) => m.id), ['claude-next-preview']);
  });
});
