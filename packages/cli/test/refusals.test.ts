// Every refusal attributed: a wrong key, a resource that refuses keys and a body refused by validation, sent with
// the official SDK to a resource named in the URL, are counted in that resource's usage and found by `logs`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';

const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));
const { CLAUDE_FOUNDRY_URL: _url, ...ENV }: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
const run = promisify(execFile);

const HELLO = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };

interface Row { resource: string; deployment: string | null; status: number; errorCode: string | null; stream: boolean; requestId: string }

describe('refusals are counted where the URL pointed', () => {
  let gw: TestGateway;
  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [BIN, ...args, '--data-dir', gw.dataDir], { env: ENV, timeout: 20_000 });
    return stdout;
  };
  const client = (resource: string, apiKey: string) => new AnthropicFoundry({ apiKey, baseURL: gw.baseURL(resource), maxRetries: 0 });
  const refusal = async (call: Promise<unknown>) => {
    const err = await call.then(() => assert.fail('expected a refusal'), (e: unknown) => e as { status: number; requestID?: string });
    return err;
  };

  before(async () => {
    gw = await startTestGateway({
      resources: [
        { name: 'claude-local', deployments: [{ name: 'claude-haiku-4-5' }] },
        { name: 'keyless', disableLocalAuth: true, deployments: [{ name: 'claude-haiku-4-5' }] },
      ],
    });
  });
  after(() => gw.close());

  test('401 (wrong key), 403 (keys disabled) and a validation 400 carry resource, deployment and stream', async () => {
    await client('claude-local', gw.keys().key1).messages.create(HELLO);
    const wrong = await refusal(client('claude-local', 'not-a-key-0123456789').messages.create(HELLO));
    assert.equal(wrong.status, 401);
    const keyless = await refusal(client('keyless', gw.keys('keyless').key1).messages.create(HELLO));
    assert.equal(keyless.status, 403);
    // A negative max_tokens is refused by validation; the body named a deployment and asked to stream.
    const invalid = await refusal(client('claude-local', gw.keys().key1).messages.create({ ...HELLO, max_tokens: -5, stream: true }));
    assert.equal(invalid.status, 400);
    await new Promise((r) => setTimeout(r, 20));
    await gw.telemetry.flush();

    const unauthorized = (JSON.parse(await cli('logs', '--status', '401', '--json', '--since', '10m')) as { value: Row[] }).value;
    assert.deepEqual(unauthorized.map((r) => [r.resource, r.status, r.errorCode]), [['claude-local', 401, 'invalid_key']]);
    const forbidden = (JSON.parse(await cli('logs', '--status', '403', '--json', '--since', '10m')) as { value: Row[] }).value;
    assert.deepEqual(forbidden.map((r) => [r.resource, r.status, r.errorCode]), [['keyless', 403, 'local_auth_disabled']]);
    const refused = (JSON.parse(await cli('logs', '--status', '400', '--json', '--since', '10m')) as { value: Row[] }).value;
    assert.deepEqual(refused.map((r) => [r.resource, r.deployment, r.stream, r.status]), [['claude-local', 'claude-haiku-4-5', true, 400]]);

    const usage = JSON.parse(await cli('usage', '--json', '--since', '10m', '--resource', 'claude-local')) as { totals: { requests: number; errors: number } };
    assert.deepEqual([usage.totals.requests, usage.totals.errors], [3, 2], 'one success, the 401 and the 400');
    const byDeployment = JSON.parse(await cli('usage', '--json', '--since', '10m', '--resource', 'claude-local', '--by', 'deployment')) as {
      value: Array<{ deployment: string | null; requests: number; errors: number }>;
    };
    const haiku = byDeployment.value.filter((v) => v.deployment === 'claude-haiku-4-5').reduce((n, v) => n + v.errors, 0);
    assert.equal(haiku, 1, 'the validation 400 counts against its deployment');
    const keylessUsage = JSON.parse(await cli('usage', '--json', '--since', '10m', '--resource', 'keyless')) as { totals: { requests: number; errors: number } };
    assert.deepEqual([keylessUsage.totals.requests, keylessUsage.totals.errors], [1, 1]);
    assert.match(gw.telemetry.metricsText(), /resource="keyless"/);
  });
});
