// Upstream, record, replay and rate-limit settings: what the loader builds from a config, and the
// one-line message that stops a start when a setting is wrong.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, type RawConfig } from '../src/config/index.ts';
import type { Deployment } from '../src/control/types.ts';

function deploymentOf(deployment: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, extra: Partial<RawConfig> = {}): Deployment {
  const config = loadConfig({ env, cwd: '/srv/gw', overrides: { ...extra, resources: [{ name: 'res', deployments: [{ name: 'd', ...deployment }] }] } });
  return config.resources[0]!.deployments[0]!;
}

function refusal(deployment: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, extra: Partial<RawConfig> = {}): string {
  try {
    deploymentOf(deployment, env, extra);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('the config was accepted');
}

describe('upstream deployments', () => {
  test('an anthropic deployment defaults to api.anthropic.com, the dated snapshot and the documented timeouts', () => {
    const d = deploymentOf({ model: 'claude-haiku-4-5', backend: 'anthropic', upstream: { apiKeyEnv: 'ANTHROPIC_API_KEY' } }, { ANTHROPIC_API_KEY: 'sk-ant-secret-0000' });
    assert.equal(d.backend, 'anthropic');
    assert.equal(d.upstream?.baseUrl, 'https://api.anthropic.com');
    assert.equal(d.upstream?.model, 'claude-haiku-4-5-20251001');
    assert.deepEqual(d.upstream?.timeouts, { connectMs: 10_000, firstByteMs: 600_000, betweenChunksMs: 300_000 });
    assert.equal(d.upstream?.maxConnections, 256);
    assert.ok(d.upstream?.auth.kind === 'key' && d.upstream.auth.key.reveal() === 'sk-ant-secret-0000');
  });

  test('the upstream key never shows when the config is printed or serialized', () => {
    const config = loadConfig({
      env: { K: 'sk-ant-very-secret-1234' },
      overrides: { resources: [{ name: 'res', deployments: [{ name: 'd', model: 'claude-haiku-4-5', backend: 'anthropic', upstream: { apiKeyEnv: 'K' } }] }] },
    });
    assert.ok(!JSON.stringify(config).includes('very-secret'));
    assert.ok(!inspect(config, { depth: 20 }).includes('very-secret'));
    assert.ok(JSON.stringify(config).includes('[redacted]'));
  });

  test('a foundry deployment names its resource, or a base URL; the upstream model defaults to the model id', () => {
    const byName = deploymentOf({ model: 'claude-haiku-4-5', backend: 'foundry', upstream: { resource: 'My-Foundry', apiKey: 'k' } });
    assert.equal(byName.upstream?.baseUrl, 'https://my-foundry.services.ai.azure.com/anthropic');
    assert.equal(byName.upstream?.model, 'claude-haiku-4-5');
    const byUrl = deploymentOf({ model: 'claude-haiku-4-5', backend: 'foundry', upstream: { baseUrl: 'https://x.openai.azure.com/anthropic/', apiKey: 'k', model: 'sonnet-prod' } });
    assert.equal(byUrl.upstream?.baseUrl, 'https://x.openai.azure.com/anthropic');
    assert.equal(byUrl.upstream?.model, 'sonnet-prod');
  });

  test('Entra: true is DefaultAzureCredential; a tenant and client make a ClientSecretCredential, both for the Cognitive Services scope', () => {
    const byDefault = deploymentOf({ model: 'claude-haiku-4-5', backend: 'foundry', upstream: { resource: 'r1', entra: true } });
    assert.deepEqual(byDefault.upstream?.auth, { kind: 'entra', credential: 'default', scope: 'https://cognitiveservices.azure.com/.default' });
    const bySecret = deploymentOf(
      { model: 'claude-haiku-4-5', backend: 'foundry', upstream: { resource: 'r1', entra: { tenantId: 't', clientId: 'c', clientSecretEnv: 'S', authorityHost: 'https://login.microsoftonline.us/' } } },
      { S: 'client-secret' },
    );
    assert.ok(bySecret.upstream?.auth.kind === 'entra' && bySecret.upstream.auth.credential === 'clientSecret');
    assert.equal(bySecret.upstream.auth.clientSecret.reveal(), 'client-secret');
    assert.equal(bySecret.upstream.auth.authorityHost, 'https://login.microsoftonline.us', 'a sovereign cloud');
  });

  for (const [what, deployment, env, message] of [
    ['a retired model', { model: 'claude-opus-4-1', backend: 'anthropic', upstream: { apiKey: 'k' } }, {}, /^config: resources\[0\]\.deployments\[0\]\.model "claude-opus-4-1" was retired( on \S+)?: the anthropic upstream no longer serves it\. Deploy an active model, or serve this one with "backend": "simulator"\.$/],
    ['an unknown backend', { backend: 'openai' }, {}, /backend "openai" is not a backend; use one of "simulator", "anthropic", "foundry", "replay"\./],
    ['a missing upstream', { backend: 'anthropic' }, {}, /upstream is required for "backend": "anthropic", e\.g\. \{"apiKeyEnv": "ANTHROPIC_API_KEY"\}\./],
    ['an unset key variable', { backend: 'anthropic', upstream: { apiKeyEnv: 'NOPE' } }, {}, /upstream\.apiKeyEnv names NOPE, which is not set in the environment\./],
    ['two credentials', { backend: 'anthropic', upstream: { apiKey: 'a', apiKeyEnv: 'B' } }, {}, /upstream needs exactly one of "apiKey" or "apiKeyEnv", not apiKey and apiKeyEnv\./],
    ['a foundry upstream with no address', { backend: 'foundry', upstream: { apiKey: 'a' } }, {}, /needs exactly one of "resource" \(the Foundry resource name\) or "baseUrl"/],
    ['a typo', { backend: 'anthropic', upstream: { apikeyEnv: 'K' } }, {}, /upstream\.apikeyEnv is not a setting; did you mean "apiKeyEnv"\?/],
    ['a bad URL', { backend: 'anthropic', upstream: { apiKey: 'k', baseUrl: 'ftp://x' } }, {}, /baseUrl must be an http or https URL, not ftp:\./],
    ['a timeout out of range', { backend: 'anthropic', upstream: { apiKey: 'k', timeouts: { connectMs: 0 } } }, {}, /timeouts\.connectMs must be a number from 1 to 3600000\./],
    ['upstream settings on the simulator', { upstream: { apiKey: 'k' } }, {}, /upstream is only read for "backend": "anthropic" or "foundry", not "simulator"\./],
    ['recording the simulator', { record: true }, {}, /record: only "anthropic" and "foundry" deployments record/],
    ['a bad replay timing', { backend: 'replay', replay: { timing: 'slow' } }, {}, /replay\.timing must be "original", "fast" or a speed factor such as 10/],
    ['a bad rate limit', { rateLimits: { rpm: 0 } }, {}, /rateLimits\.rpm must be a number from 1 to/],
  ] as const) {
    test(`refuses ${what} with a message saying what to write`, () => {
      assert.match(refusal({ model: 'claude-haiku-4-5', ...deployment }, env), message);
    });
  }

  test('the simulator may still serve a retired model', () => {
    assert.equal(deploymentOf({ model: 'claude-opus-4-1' }).backend, 'simulator');
  });
});

describe('cassettes and rate limits', () => {
  test('record: true writes to {cassettes.dir}/{resource}/{deployment}.jsonl; gateway-wide record covers every upstream deployment', () => {
    const upstream = { model: 'claude-haiku-4-5', backend: 'anthropic', upstream: { apiKey: 'k' } };
    assert.equal(deploymentOf({ ...upstream, record: true }, {}, { cassettes: { dir: 'tapes' } }).record?.cassette, '/srv/gw/tapes/res/d.jsonl');
    assert.equal(deploymentOf(upstream, {}, { cassettes: { dir: 'tapes', record: true } }).record?.cassette, '/srv/gw/tapes/res/d.jsonl');
    assert.equal(deploymentOf({ ...upstream, record: false }, {}, { cassettes: { record: true } }).record, undefined);
    assert.equal(deploymentOf({ model: 'claude-haiku-4-5' }, {}, { cassettes: { record: true } }).record, undefined, 'the simulator is not recorded');
  });

  test('a replay deployment reads its own cassette path by default, at the original pace', () => {
    assert.deepEqual(deploymentOf({ model: 'claude-haiku-4-5', backend: 'replay' }, {}, { cassettes: { dir: '/tapes' } }).replay, { cassette: '/tapes/res/d.jsonl', timing: 'original' });
    assert.equal(deploymentOf({ model: 'claude-haiku-4-5', backend: 'replay', replay: { timing: 10 } }).replay?.timing, 10);
  });

  test('rate limits come from capacity unless set; a field left out keeps its derived value', () => {
    assert.equal(deploymentOf({ model: 'claude-haiku-4-5', capacity: 50 }).rateLimits, undefined);
    assert.deepEqual(deploymentOf({ model: 'claude-haiku-4-5', capacity: 50, rateLimits: { rpm: 7 } }).rateLimits, { rpm: 7, tpm: 50_000 });
  });
});
