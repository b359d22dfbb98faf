// Server-side message threads on the simulator, through a real gateway: the official tool runners of
// @anthropic-ai/sdk 1.16 and @anthropic-ai/foundry-sdk 1.1.1 with their default options (which thread),
// and the thread errors as the API sends them (error.details.error_code) over raw HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { createSimulator } from '../src/backends/simulator/index.ts';
import { GatewayError } from '../src/errors/index.ts';
import type { MessagesRequest } from '../src/dataplane/types.ts';
import { messages, startTestGateway, type TestGateway } from './helpers.ts';
import { expectMessage, testCall, userRequest } from './simulator-helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

const BETA = { 'anthropic-beta': 'message-threads-2026-08-12' };

/** Records every request body the gateway receives, by wrapping the SDK's fetch. */
function recordingFetch(bodies: Array<Record<string, unknown>>): typeof fetch {
  return async (input, init) => {
    if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  };
}

const weather = () =>
  betaTool({
    name: 'get_weather',
    description: 'Current weather for a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' }, metric: { type: 'boolean' } }, required: ['city'] },
    run: (input) => `Sunny in ${input.city}, 21 degrees`,
  });

const clients: Array<[string, (fetchFn: typeof fetch) => Anthropic]> = [
  ['@anthropic-ai/sdk 1.16', (f) => new Anthropic({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), fetch: f, maxRetries: 0 })],
  ['@anthropic-ai/foundry-sdk 1.1.1', (f) => new AnthropicFoundry({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), fetch: f, maxRetries: 0 }) as unknown as Anthropic],
];

for (const [name, make] of clients) {
  describe(`the tool runner of ${name}, default options`, () => {
    test('creates a thread, runs the tool, continues with only the new messages, and ends with an answer', async () => {
      const bodies: Array<Record<string, unknown>> = [];
      const runner = make(recordingFetch(bodies)).beta.messages.toolRunner({
        model: 'claude-sonnet-4-6',
        max_tokens: 512,
        tools: [weather()],
        messages: [{ role: 'user', content: 'What is the weather in Paris? Use get_weather.' }],
      });
      const final = await runner.runUntilDone();
      assert.equal(final.stop_reason, 'end_turn');
      const text = final.content.find((b) => b.type === 'text');
      assert.ok(text?.type === 'text' && text.text.startsWith('The tool returned: "Sunny in'), JSON.stringify(final.content));

      assert.equal(bodies.length, 2);
      assert.deepEqual(bodies[0]!['thread'], { type: 'create' });
      const second = bodies[1]!;
      assert.equal((second['thread'] as { type: string }).type, 'continue');
      assert.equal(second['tools'], undefined, 'a continue takes the tools from the thread');
      const sent = second['messages'] as Array<{ role: string; content: Array<{ type: string }> }>;
      assert.equal(sent.length, 1, 'only the new turn is sent');
      assert.equal(sent[0]!.content[0]!.type, 'tool_result');
    });
  });
}

describe('the tool runner recovers from what threads refuse', () => {
  test('with thinking, the simulator answers thread_unsupported_request and the runner goes on unthreaded', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const client = new Anthropic({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), fetch: recordingFetch(bodies), maxRetries: 0 });
    const final = await client.beta.messages
      .toolRunner({
        model: 'claude-sonnet-4-6',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [weather()],
        messages: [{ role: 'user', content: 'Weather in Oslo? Use get_weather.' }],
      })
      .runUntilDone();
    assert.equal(final.stop_reason, 'end_turn');
    assert.deepEqual(
      bodies.map((b) => (b['thread'] as { type?: string } | undefined)?.type ?? 'none'),
      ['create', 'none', 'none'],
      'refused once, then the full history without thread',
    );
  });
});

describe('thread errors over raw HTTP', () => {
  const first = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }], thread: { type: 'create' } };

  test('a continue from an unknown reply: 404 not_found_error with details.error_code thread_not_found', async () => {
    const res = await messages(gw, { ...first, messages: [{ role: 'user', content: 'Again' }], thread: { type: 'continue', previous_message_id: 'msg_01Unknown' } }, BETA);
    assert.equal(res.status, 404);
    const body = res.json() as { error: { type: string; message: string; details: unknown } };
    assert.equal(body.error.type, 'not_found_error');
    assert.deepEqual(body.error.details, { error_code: 'thread_not_found' });
    assert.match(body.error.message, /Replay the full conversation/);
  });

  test('a reply continued twice: the second gets thread_already_continued', async () => {
    const created = (await messages(gw, first, BETA).then((r) => r.json())) as { id: string };
    const next = { ...first, messages: [{ role: 'user', content: 'And then?' }], thread: { type: 'continue', previous_message_id: created.id } };
    assert.equal((await messages(gw, next, BETA)).status, 200);
    const again = await messages(gw, next, BETA);
    assert.equal(again.status, 400);
    assert.deepEqual((again.json() as { error: { details: unknown } }).error.details, { error_code: 'thread_already_continued' });
  });

  test('a continue answers like the whole conversation sent at once, and bills it whole', async () => {
    const created = (await messages(gw, first, BETA).then((r) => r.json())) as { id: string; content: unknown[] };
    const cont = (await messages(gw, { ...first, messages: [{ role: 'user', content: 'Tell me more' }], thread: { type: 'continue', previous_message_id: created.id } }, BETA).then((r) =>
      r.json(),
    )) as { content: unknown[]; usage: { input_tokens: number } };
    const whole = (await messages(gw, {
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: created.content }, { role: 'user', content: 'Tell me more' }],
    }).then((r) => r.json())) as { content: unknown[]; usage: { input_tokens: number } };
    assert.deepEqual(cont.content, whole.content);
    assert.equal(cont.usage.input_tokens, whole.usage.input_tokens);
  });

  test('thread with thinking: thread_unsupported_request naming it in details.unsupported', async () => {
    const res = await messages(gw, { ...first, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } }, BETA);
    assert.equal(res.status, 400);
    const body = res.json() as { error: { type: string; details: unknown } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.deepEqual(body.error.details, { error_code: 'thread_unsupported_request', unsupported: ['thinking'] });
  });

  test('a continue with other tools than the thread: thread_fingerprint_mismatch', async () => {
    const created = (await messages(gw, first, BETA).then((r) => r.json())) as { id: string };
    const tools = [{ name: 'get_time', input_schema: { type: 'object', properties: {} } }];
    const res = await messages(gw, { ...first, tools, messages: [{ role: 'user', content: 'Time?' }], thread: { type: 'continue', previous_message_id: created.id } }, BETA);
    assert.equal(res.status, 400);
    assert.deepEqual((res.json() as { error: { details: unknown } }).error.details, { error_code: 'thread_fingerprint_mismatch' });
  });

  test('thread without the beta header is refused, naming the header; a bad thread type names the choices', async () => {
    const res = await messages(gw, first);
    assert.equal(res.status, 400);
    assert.match((res.json() as { error: { message: string } }).error.message, /^thread: Extra inputs are not permitted .*message-threads-2026-08-12/);
    const bad = await messages(gw, { ...first, thread: { type: 'resume' } }, BETA);
    assert.equal(bad.status, 400);
    assert.match((bad.json() as { error: { message: string } }).error.message, /^thread/);
  });
});

describe('the thread store', () => {
  const headers = { 'anthropic-beta': 'other-beta-2025-01-01, message-threads-2026-08-12' };
  const create = userRequest('Hello', { thread: { type: 'create' } });
  const next = (id: string): MessagesRequest => userRequest('More', { thread: { type: 'continue', previous_message_id: id } });
  const code = (e: unknown) => (e instanceof GatewayError ? e.details?.['error_code'] : e);

  test('forgets a thread after its TTL, and on restart (a new simulator): thread_not_found', async () => {
    let now = 1_000_000;
    const simulator = createSimulator({ clock: () => now, threadTtlMs: 60_000 });
    const first = expectMessage(await simulator.messages(testCall(create, { headers })));
    now += 59_999;
    const second = expectMessage(await simulator.messages(testCall(next(first.id), { headers })));
    now += 60_000;
    assert.equal(code(await simulator.messages(testCall(next(second.id), { headers })).catch((e: unknown) => e)), 'thread_not_found');
    const restarted = createSimulator({ clock: () => now });
    const third = expectMessage(await simulator.messages(testCall(create, { headers })));
    assert.equal(code(await restarted.messages(testCall(next(third.id), { headers })).catch((e: unknown) => e)), 'thread_not_found');
  });

  test('holds at most threadEntries replies, dropping the least recently used', async () => {
    const simulator = createSimulator({ threadEntries: 2 });
    const ids: string[] = [];
    for (const text of ['a', 'b', 'c']) ids.push(expectMessage(await simulator.messages(testCall(userRequest(text, { thread: { type: 'create' } }), { headers }))).id);
    assert.equal(code(await simulator.messages(testCall(next(ids[0]!), { headers })).catch((e: unknown) => e)), 'thread_not_found');
    assert.equal(expectMessage(await simulator.messages(testCall(next(ids[2]!), { headers }))).type, 'message');
  });

  test('threads are per deployment: another deployment does not find the reply', async () => {
    const simulator = createSimulator();
    const first = expectMessage(await simulator.messages(testCall(create, { headers })));
    const other = testCall({ ...next(first.id), model: 'claude-haiku-4-5' }, { headers });
    assert.equal(code(await simulator.messages(other).catch((e: unknown) => e)), 'thread_not_found');
  });
});
