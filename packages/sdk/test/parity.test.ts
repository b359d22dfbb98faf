// Side by side with @anthropic-ai/foundry-sdk 1.1.1: the same options send the same bytes, and refuse with the same first sentence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnthropicFoundry as Official } from '@anthropic-ai/foundry-sdk';
import { AnthropicError, AnthropicFoundry } from '../src/index.ts';
import { HELLO, recordingFetch, withEnv, type CapturedCall, type FOUNDRY_ENV } from './helpers.ts';

type Env = Partial<Record<(typeof FOUNDRY_ENV)[number], string>>;
type Options = Record<string, unknown>;
type Call = (client: Official | AnthropicFoundry) => Promise<unknown>;

const create: Call = (c) => c.messages.create(HELLO);
const provider = async () => 'entra-token';

/** What one SDK does with these options and this call: the requests it sent, or the message it threw. */
async function outcome(SDK: typeof Official | typeof AnthropicFoundry, env: Env, options: Options, call: Call) {
  return withEnv(env, async () => {
    const { fetch, calls } = recordingFetch();
    try {
      const client = new SDK({ ...options, fetch, maxRetries: 0 } as ConstructorParameters<typeof Official>[0]);
      await call(client);
      return { calls: calls.map(wire) };
    } catch (err) {
      assert.ok(err instanceof AnthropicError, `expected an AnthropicError, got ${String(err)}`);
      return { error: err.message, calls: calls.map(wire) };
    }
  });
}

function wire(call: CapturedCall) {
  return { url: call.url, headers: Object.fromEntries(call.headers), body: call.body };
}

const SAME_REQUESTS: Array<[string, Env, Options, Call?]> = [
  ['a resource and a key', {}, { resource: 'my-resource', apiKey: 'k' }],
  ['both from the environment', { ANTHROPIC_FOUNDRY_API_KEY: 'k', ANTHROPIC_FOUNDRY_RESOURCE: 'env-res' }, {}],
  ['a base URL from the environment', { ANTHROPIC_FOUNDRY_API_KEY: 'k', ANTHROPIC_FOUNDRY_BASE_URL: 'https://x.services.ai.azure.com/anthropic' }, {}],
  ['a base URL without a trailing slash', {}, { apiKey: 'k', baseURL: 'https://x.services.ai.azure.com/anthropic' }],
  ['`resource: null` beside an env resource', { ANTHROPIC_FOUNDRY_RESOURCE: 'env-res' }, { apiKey: 'k', resource: null, baseURL: 'https://y.services.ai.azure.com/anthropic/' }],
  ['a Microsoft Entra token provider', {}, { resource: 'r', azureADTokenProvider: provider }],
  ['default headers', {}, { resource: 'r', apiKey: 'k', defaultHeaders: { 'x-custom': '1', 'anthropic-version': '2023-06-01' } }],
  ['countTokens', {}, { resource: 'r', apiKey: 'k' }, (c) => c.messages.countTokens({ model: HELLO.model, messages: HELLO.messages })],
  ['a beta call with betas', {}, { resource: 'r', apiKey: 'k' }, (c) => c.beta.messages.create({ ...HELLO, betas: ['interleaved-thinking-2025-05-14'] })],
  ['a stream', {}, { resource: 'r', apiKey: 'k' }, (c) => c.messages.stream(HELLO).finalMessage().catch(() => undefined)],
  ['a clone from withOptions', {}, { resource: 'r', apiKey: 'k' }, (c) => c.withOptions({ resource: 'r2', maxRetries: 0 }).messages.create(HELLO)],
];

const SAME_ERRORS: Array<[string, Env, Options, Call?]> = [
  ['no credential', {}, { resource: 'r' }],
  ['no resource or base URL', {}, { apiKey: 'k' }],
  ['a key and a token provider', {}, { resource: 'r', apiKey: 'k', azureADTokenProvider: provider }],
  ['an env key and a token provider', { ANTHROPIC_FOUNDRY_API_KEY: 'k' }, { resource: 'r', azureADTokenProvider: provider }],
  ['a resource and a base URL', {}, { apiKey: 'k', resource: 'r', baseURL: 'https://r.services.ai.azure.com/anthropic' }],
  ['an env resource and a base URL', { ANTHROPIC_FOUNDRY_RESOURCE: 'r' }, { apiKey: 'k', baseURL: 'https://r.services.ai.azure.com/anthropic' }],
  ['authToken', {}, { resource: 'r', apiKey: 'k', authToken: 't' }],
  ['profile', {}, { resource: 'r', apiKey: 'k', profile: 'p' }],
  ['a token provider that throws', {}, { resource: 'r', azureADTokenProvider: async () => Promise.reject(new Error('no login')) }],
  ['a token provider that returns ""', {}, { resource: 'r', azureADTokenProvider: async () => '' }],
];

describe('the same requests as the official SDK', () => {
  for (const [name, env, options, call = create] of SAME_REQUESTS) {
    test(`${name}: identical URL, headers and body`, async () => {
      const official = await outcome(Official, env, options, call);
      const ours = await outcome(AnthropicFoundry, env, options, call);
      assert.equal(official.error, undefined, `the official SDK failed: ${official.error}`);
      assert.ok(official.calls.length > 0);
      assert.deepEqual(ours, official);
    });
  }
});

describe('the same refusals as the official SDK', () => {
  for (const [name, env, options, call = create] of SAME_ERRORS) {
    test(`${name}: our message starts with the official one (its typo fixed)`, async () => {
      const official = await outcome(Official, env, options, call);
      const ours = await outcome(AnthropicFoundry, env, options, call);
      assert.ok(official.error, 'the official SDK did not refuse');
      const expected = official.error.replace('`azureTokenProvider`', '`azureADTokenProvider`');
      assert.ok(ours.error?.startsWith(expected), `ours: ${ours.error}\nofficial: ${official.error}`);
      assert.deepEqual(ours.calls, []);
    });
  }
});

describe('where this SDK deliberately differs', () => {
  test('a host as `resource`: the official SDK posts to a host that cannot exist; this one refuses', async () => {
    const options = { apiKey: 'k', resource: 'my-res.services.ai.azure.com' };
    const official = await outcome(Official, {}, options, create);
    assert.equal(official.calls[0]?.url, 'https://my-res.services.ai.azure.com.services.ai.azure.com/anthropic/v1/messages');
    const ours = await outcome(AnthropicFoundry, {}, options, create);
    assert.match(ours.error ?? '', /Pass `resource: 'my-res'`/);
  });

  test('an Azure baseURL without /anthropic: the official SDK posts to /v1/messages; this one refuses', async () => {
    const options = { apiKey: 'k', baseURL: 'https://x.services.ai.azure.com' };
    const official = await outcome(Official, {}, options, create);
    assert.equal(official.calls[0]?.url, 'https://x.services.ai.azure.com/v1/messages');
    const ours = await outcome(AnthropicFoundry, {}, options, create);
    assert.match(ours.error ?? '', /Append \/anthropic/);
  });

  test('the beta tool runner: the official SDK asks for a server-side thread, which Foundry refuses; this one sends the history', async () => {
    const run: Call = (c) =>
      c.beta.messages.toolRunner({ ...HELLO, tools: [{ name: 'noop', input_schema: { type: 'object' }, run: () => 'ok', parse: (x: unknown) => x }] }).runUntilDone();
    const official = await outcome(Official, {}, { resource: 'r', apiKey: 'k' }, run);
    assert.deepEqual(JSON.parse(official.calls[0]!.body).thread, { type: 'create' });
    const ours = await outcome(AnthropicFoundry, {}, { resource: 'r', apiKey: 'k' }, run);
    assert.equal(ours.error, undefined);
    assert.equal(JSON.parse(ours.calls[0]!.body).thread, undefined);
  });

  test('models and batches: the official SDK has undefined (a TypeError on use); this one throws an AnthropicError', async () => {
    const official = new Official({ resource: 'r', apiKey: 'k' });
    assert.equal(official.models, undefined);
    assert.throws(() => (official.messages as unknown as { batches: { list(): unknown } }).batches.list(), TypeError);
    const ours = new AnthropicFoundry({ resource: 'r', apiKey: 'k' });
    assert.throws(() => (ours.messages.batches as { list(): unknown }).list(), AnthropicError);
  });
});
