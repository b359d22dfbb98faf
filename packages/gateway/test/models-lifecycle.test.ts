// Issue 14: a model's lifecycle is judged at request time on the gateway's clock (injected here around the
// retirement dates). A deprecated model keeps working, with the warning the official SDK prints itself; a retired
// one answers as the Claude API answers a retired model (404 not_found_error, "model: <id>") on every backend,
// without reaching an upstream; ARM refuses to deploy it with Azure's ServiceModelDeprecated.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { NotFoundError } from '@anthropic-ai/foundry-sdk/core/error';
import { adminToken, armWith, deploymentBody, deploymentPath, errorOf } from './control-helpers.ts';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { REQUEST_ID, startTestGateway, type TestGateway } from './helpers.ts';

const UPSTREAM_KEY = 'sk-ant-api03-upstream-test-key-000000';
const params = { max_tokens: 32, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

let gw: TestGateway;
let upstream: MockUpstream;
/** The gateway's clock; each test sets it. */
let clock = day('2026-11-29');
let client: AnthropicFoundry;

before(async () => {
  upstream = await MockUpstream.start();
  gw = await startTestGateway(
    {
      resources: [
        {
          name: 'lifecycle',
          deployments: [
            // Sonnet 4.5: deprecated, retired from 2026-11-30. Opus 4.5: deprecated since 2026-11-23, retires 2027-01-22.
            { name: 'claude-sonnet-4-5', capacity: 100 },
            { name: 'claude-opus-4-5', capacity: 100 },
            { name: 'opus-upstream', model: 'claude-opus-4-5', backend: 'anthropic', upstream: { baseUrl: upstream.url, apiKey: UPSTREAM_KEY }, capacity: 100 },
            { name: 'claude-sonnet-4-6', capacity: 100 },
          ],
        },
      ],
    },
    { now: () => clock },
  );
  client = new AnthropicFoundry({ apiKey: gw.keys('lifecycle').key1, baseURL: gw.baseURL('lifecycle'), maxRetries: 0 });
});
after(async () => {
  await gw.close();
  await upstream.close();
});
afterEach(() => mock.restoreAll());

/** The official SDK's NotFoundError for a call expected to fail. */
async function notFound(call: Promise<unknown>): Promise<NotFoundError> {
  const err = await call.then(
    () => assert.fail('expected a 404'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotFoundError, String(err));
  return err;
}

describe('a retired model answers as the Claude API answers it, decided at request time', () => {
  test('Sonnet 4.5 serves on 2026-11-29; from 2026-11-30 messages and count_tokens are 404 not_found_error "model: claude-sonnet-4-5"', async () => {
    clock = Date.parse('2026-11-29T23:59:59Z');
    const reply = await client.messages.create({ model: 'claude-sonnet-4-5', ...params });
    assert.equal(reply.type, 'message');
    assert.equal((await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: params.messages })).input_tokens > 0, true);

    clock = day('2026-11-30');
    const err = await notFound(client.messages.create({ model: 'claude-sonnet-4-5', ...params }));
    assert.equal(err.status, 404);
    assert.deepEqual(err.error, { type: 'error', error: { type: 'not_found_error', message: 'model: claude-sonnet-4-5' }, request_id: err.requestID });
    assert.match(String(err.requestID), REQUEST_ID);
    const counted = await notFound(client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: params.messages }));
    assert.equal((counted.error as { error: { message: string } }).error.message, 'model: claude-sonnet-4-5');
    const streamed = await notFound(client.messages.create({ model: 'claude-sonnet-4-5', ...params, stream: true }));
    assert.equal(streamed.status, 404);
    // A current model on the same resource is not affected.
    assert.equal((await client.messages.create({ model: 'claude-sonnet-4-6', ...params })).type, 'message');
  });

  test('an upstream deployment of a model retired since the start is answered by the gateway; the upstream is not called', async () => {
    clock = day('2027-01-21');
    const before = upstream.exchanges.length;
    assert.equal((await client.messages.create({ model: 'opus-upstream', ...params })).type, 'message');
    assert.equal(upstream.exchanges.length, before + 1, 'forwarded while the model is only deprecated');
    clock = day('2027-01-22');
    const err = await notFound(client.messages.create({ model: 'opus-upstream', ...params }));
    assert.equal((err.error as { error: { message: string } }).error.message, 'model: opus-upstream', 'the name the caller sent, as the API echoes it');
    assert.equal(upstream.exchanges.length, before + 1, 'nothing more reached the upstream');
  });
});

describe('a deprecated model keeps working, with the official SDK warning of its end of life', () => {
  test("Opus 4.5 on 2026-12-03 answers 200; the SDK's own warning names its retirement day", async () => {
    clock = day('2026-12-03');
    const warnings: string[] = [];
    mock.method(console, 'warn', (...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
    const reply = await client.messages.create({ model: 'claude-opus-4-5', ...params });
    assert.equal(reply.type, 'message');
    assert.equal(reply.model, 'claude-opus-4-5');
    assert.ok(
      warnings.some((w) => /The model 'claude-opus-4-5' is deprecated and will reach end-of-life on January 22nd, 2027/.test(w)),
      `the SDK warned: ${JSON.stringify(warnings)}`,
    );
  });
});

describe('ARM refuses to deploy a retired model, as Azure refuses it', () => {
  test('PUT of Sonnet 4.5 on 2026-11-29 is 201; on 2026-12-01 400 ServiceModelDeprecated and nothing is written', async () => {
    const arm = armWith(gw, await adminToken(gw));
    clock = day('2026-11-29');
    const created = await arm('PUT', deploymentPath('lifecycle', 'sonnet-old'), deploymentBody('claude-sonnet-4-5', 10));
    assert.equal(created.status, 201, created.text);
    clock = day('2026-12-01');
    const refused = await arm('PUT', deploymentPath('lifecycle', 'sonnet-late'), deploymentBody('claude-sonnet-4-5', 10));
    assert.equal(refused.status, 400, refused.text);
    assert.equal(errorOf(refused).code, 'ServiceModelDeprecated');
    assert.match(errorOf(refused).message, /^The model 'Format:Anthropic,Name:claude-sonnet-4-5,Version:20250929' has been deprecated since 11\/30\/2026 00:00:00\. It was retired on 2026-11-30/);
    assert.equal((await arm('GET', deploymentPath('lifecycle', 'sonnet-late'))).status, 404, 'nothing was written');
    // A deprecated model can still be deployed.
    assert.equal((await arm('PUT', deploymentPath('lifecycle', 'opus-deprecated'), deploymentBody('claude-opus-4-5', 10))).status, 201);
    // The deployment made before the retirement stays listed and answers as retired.
    assert.equal((await arm('GET', deploymentPath('lifecycle', 'sonnet-old'))).status, 200);
    await notFound(client.messages.create({ model: 'sonnet-old', ...params }));
  });
});
