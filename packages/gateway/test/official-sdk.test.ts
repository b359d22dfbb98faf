// The official @anthropic-ai/foundry-sdk, unmodified, as the client of a real gateway: the 1.x line
// (anthropic-version 2026-10-21) and the 0.x line (2023-06-01), side by side.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import AnthropicFoundry0 from '@anthropic-ai/foundry-sdk-0';
import { startTestGateway, type TestGateway } from './helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the current weather in a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};

type AnyClient = InstanceType<typeof AnthropicFoundry>;
const lines: Array<[string, (opts: { apiKey: string; baseURL: string; maxRetries?: number; defaultHeaders?: Record<string, string> }) => AnyClient]> = [
  ['foundry-sdk 1.x', (o) => new AnthropicFoundry(o)],
  // The 0.x line has the same surface for everything used here.
  ['foundry-sdk 0.x', (o) => new AnthropicFoundry0(o) as unknown as AnyClient],
];

for (const [line, make] of lines) {
  describe(line, () => {
    const client = (extra: { maxRetries?: number; defaultHeaders?: Record<string, string>; apiKey?: string } = {}) =>
      make({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), ...extra });

    test('messages.create returns a Message whose _request_id is the request-id header', async () => {
      const promise = client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 128, messages: [{ role: 'user', content: 'Hello, Claude' }] });
      const { response } = await promise.withResponse();
      const data = await promise;
      assert.equal(data.role, 'assistant');
      assert.equal(data.content[0]?.type, 'text');
      assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
      assert.equal(data._request_id, response.headers.get('request-id'));
      assert.match(response.headers.get('apim-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });

    test('messages.stream(...).finalMessage() assembles the same message as create', async () => {
      const params = { model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Stream me a short answer.' }] };
      const stream = client().messages.stream(params);
      let deltas = '';
      stream.on('text', (t) => (deltas += t));
      const final = await stream.finalMessage();
      const created = await client().messages.create(params);
      assert.deepEqual(final.content, created.content);
      assert.equal(deltas, (created.content[0] as { text: string }).text);
      assert.deepEqual(final.usage.output_tokens, created.usage.output_tokens);
      assert.equal(final.stop_reason, created.stop_reason);
      assert.match(stream.request_id ?? '', /^req_/);
    });

    test('a two-turn tool loop: tool_use with schema-valid input, then an answer to the tool_result', async () => {
      const c = client();
      const first = await c.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 512,
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'any' },
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      });
      assert.equal(first.stop_reason, 'tool_use');
      const use = first.content.find((b) => b.type === 'tool_use');
      assert.ok(use && use.type === 'tool_use');
      assert.equal(use.name, 'get_weather');
      const input = use.input as { city: unknown; unit?: unknown };
      assert.equal(typeof input.city, 'string');
      if (input.unit !== undefined) assert.ok(['celsius', 'fahrenheit'].includes(input.unit as string));
      const second = await c.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 512,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 degrees and sunny' }] },
        ],
      });
      assert.equal(second.stop_reason, 'end_turn');
      assert.equal(second.content[0]?.type, 'text');
    });

    test('messages.countTokens counts what messages.create bills as input', async () => {
      const params = { model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }] };
      const counted = await client().messages.countTokens(params);
      const created = await client().messages.create({ ...params, max_tokens: 16 });
      assert.equal(counted.input_tokens, created.usage.input_tokens);
    });

    test('extended thinking returns a signed thinking block before the text', async () => {
      const msg = await client().messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'Think about it first.' }],
      });
      assert.equal(msg.content[0]?.type, 'thinking');
      const thinking = msg.content[0] as { thinking: string; signature: string };
      assert.ok(thinking.thinking.length > 0 && thinking.signature.length > 0);
      assert.equal(msg.content.at(-1)?.type, 'text');
    });

    test('a wrong key raises AuthenticationError carrying the request id', async () => {
      const err = await client({ apiKey: 'wrong-key-wrong-key' }).messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      assert.ok(err instanceof AnthropicFoundry.AuthenticationError || (err as { status?: number }).status === 401, String(err));
      assert.equal((err as { status: number }).status, 401);
      assert.match((err as { requestID: string }).requestID, /^req_/);
    });

    test('an unknown deployment raises NotFoundError; a bad request raises BadRequestError', async () => {
      const notFound = await client().messages.create({ model: 'no-such-deployment', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      assert.equal((notFound as { status: number }).status, 404);
      assert.equal((notFound as Error).constructor.name, 'NotFoundError');
      const bad = await client().messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [] }).catch((e: unknown) => e);
      assert.equal((bad as Error).constructor.name, 'BadRequestError');
      assert.match((bad as Error).message, /at least one message is required/);
    });

    test('a 429 with retry-after is retried by the SDK and then succeeds', async () => {
      const started = Date.now();
      const msg = await client({ defaultHeaders: { 'x-claude-foundry-simulate': `fault=429;first=1;retry-after=1;id=${line}` } }).messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'retry me' }],
      });
      assert.equal(msg.type, 'message');
      assert.ok(Date.now() - started >= 900, 'the SDK waited for retry-after before retrying');
    });

    test('a persistent 429 raises RateLimitError; a 529 raises the overloaded error', async () => {
      const limited = await client({ maxRetries: 0, defaultHeaders: { 'x-claude-foundry-simulate': 'fault=429' } })
        .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      assert.equal((limited as Error).constructor.name, 'RateLimitError');
      const overloaded = await client({ maxRetries: 0, defaultHeaders: { 'x-claude-foundry-simulate': 'fault=529' } })
        .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      assert.equal((overloaded as { status: number }).status, 529);
      // 1.x maps 529 to OverloadedError; 0.x to InternalServerError.
      assert.equal((overloaded as Error).constructor.name, line.includes('1.x') ? 'OverloadedError' : 'InternalServerError');
    });
  });
}

test('the anthropic-beta header reaches validation: interleaved thinking may budget past max_tokens', async () => {
  const client = new AnthropicFoundry({ apiKey: gw.keys().key1, baseURL: gw.baseURL() });
  const params = { model: 'claude-sonnet-4-6', max_tokens: 1500, thinking: { type: 'enabled' as const, budget_tokens: 4000 }, messages: [{ role: 'user' as const, content: 'Think a lot.' }] };
  const refused = await client.messages.create(params).catch((e: unknown) => e);
  assert.equal((refused as Error).constructor.name, 'BadRequestError');
  const msg = await client.beta.messages.create({ ...params, betas: ['interleaved-thinking-2025-05-14'] });
  assert.equal(msg.content[0]?.type, 'thinking');
  assert.ok(msg.usage.output_tokens <= 1500);
});
