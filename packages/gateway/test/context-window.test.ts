// The context window checked as the API checks it, before any backend is called: input alone, then input plus
// max_tokens, against the model's window or its long-context beta's; a refused request is logged and costs $0.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const LONG_CONTEXT = { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } };

describe('context window', () => {
  let gw: TestGateway;
  let client: AnthropicFoundry;
  let token: string;
  /** `word ` costs one token, so a prompt of exactly `tokens` tokens is `word ` repeated that many times less the overhead. */
  let prompt: (tokens: number) => string;

  before(async () => {
    // Sonnet 4.5 is the model with a long-context beta; it retired on 2026-11-30, so the gateway's clock is set before.
    gw = await startTestGateway({ resources: [{ name: 'windows', deployments: [{ name: 'claude-sonnet-4-5' }, { name: 'claude-haiku-4-5' }] }] }, { now: () => Date.parse('2026-11-15T12:00:00Z') });
    client = new AnthropicFoundry({ apiKey: gw.keys('windows').key1, baseURL: gw.baseURL('windows'), maxRetries: 0 });
    token = await managementToken(gw);
    const probe = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'word '.repeat(1000) }] });
    const overhead = probe.input_tokens - 1000;
    prompt = (tokens) => 'word '.repeat(tokens - overhead);
    const check = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: prompt(400_008) }] });
    assert.equal(check.input_tokens, 400_008);
  });
  after(() => gw.close());

  const refusal = (call: Promise<unknown>) => call.then(() => assert.fail('expected a 400'), (e: unknown) => e as { status: number; message: string; requestID: string });

  test('a 400,008-token prompt to Sonnet 4.5 without the beta: 400 in the API\'s words, logged at $0', async () => {
    const err = await refusal(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: prompt(400_008) }] }));
    assert.equal(err.status, 400);
    assert.match(err.message, /"type":"invalid_request_error","message":"prompt is too long: 400008 tokens > 200000 maximum"/);
    const r = await loggedRecord(gw, token, err.requestID);
    assert.deepEqual([r.status, r.deployment, r.errorCode, r.inputTokens, r.outputTokens, r.costUsd], [400, 'claude-sonnet-4-5', 'invalid_request', 0, 0, '0']);
  });

  test('the same prompt with context-1m-2025-08-07 is accepted by Sonnet 4.5 and billed at the long-context rates', async () => {
    const reply = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: prompt(400_008) }] }, LONG_CONTEXT);
    assert.equal(reply.usage.input_tokens, 400_008);
    const r = await loggedRecord(gw, token, String(reply._request_id));
    // > 200K input: $6 per million input, $22.50 per million output (models.md section 3).
    const pico = 400_008n * 6_000_000n + BigInt(reply.usage.output_tokens) * 22_500_000n;
    assert.equal(r.costUsd, (Number(pico) / 1e12).toString());
  });

  test('the beta opens no window on a model without it (Haiku 4.5)', async () => {
    const err = await refusal(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: prompt(200_001) }] }, LONG_CONTEXT));
    assert.equal(err.status, 400);
    assert.match(err.message, /prompt is too long: 200001 tokens > 200000 maximum/);
  });

  test('input + max_tokens over the window: 400 saying both numbers', async () => {
    const err = await refusal(client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20_000, messages: [{ role: 'user', content: prompt(190_000) }] }));
    assert.equal(err.status, 400);
    assert.match(err.message, /input length and `max_tokens` exceed context limit: 190000 \+ 20000 > 200000, decrease input length or `max_tokens` and try again/);
    const ok = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10_000, messages: [{ role: 'user', content: prompt(190_000) }] });
    assert.equal(ok.usage.input_tokens, 190_000);
  });
});
