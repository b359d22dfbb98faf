// Scripted scenarios, through the official SDK against a real gateway: each kind of match, scripted
// text, thinking and tool calls as JSON and as SSE in the real event order, errors the SDK raises as
// its own classes, delays, sequences per conversation, `times`, and an agent loop driven by a script.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { Message, MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { messages, parseSse, startTestGateway, type TestGateway } from './helpers.ts';

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the current weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

const GLOBAL_RULES = {
  rules: [
    { name: 'capital', match: { userText: 'capital of France' }, reply: { text: 'Paris.' } },
    { name: 'regex', match: { userText: { regex: '^how (old|tall) is', flags: 'i' } }, reply: { text: 'Matched by a regular expression.' } },
    { name: 'equals', match: { userText: { equals: 'exactly this' } }, reply: { text: 'Matched exactly.' } },
    { name: 'system', match: { system: 'You are a pirate' }, reply: { text: 'Arr.' } },
    { name: 'header', match: { headers: { 'x-test-case': { equals: 'refund' } } }, reply: { text: 'Refund scenario.' } },
    { name: 'tool error', match: { toolResult: { name: 'get_weather', isError: true } }, reply: { text: 'The weather service failed.' } },
    { name: 'tool result', match: { toolResult: { name: 'get_weather', content: { regex: 'sunny|rain' } } }, reply: { text: 'Scripted answer to the weather.' } },
    { name: 'tool id', match: { toolResult: { toolUseId: { equals: 'toolu_01fixedid' } } }, reply: { text: 'Answer to the fixed id.' } },
    {
      name: 'all blocks',
      match: { userText: 'show every block' },
      reply: {
        content: [
          { type: 'thinking', thinking: 'The user wants every kind of block.' },
          { type: 'text', text: 'Here is a tool call.' },
          { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } },
        ],
        usage: { output_tokens: 77 },
      },
    },
    { name: 'stop sequence', match: { userText: 'stop early' }, reply: { text: 'Cut here', stop_reason: 'stop_sequence', stop_sequence: '###' } },
    { name: 'overloaded', match: { userText: 'overload me' }, reply: { error: { type: 'overloaded_error', message: 'Scripted overload.' } } },
    { name: 'rate limited', match: { userText: 'limit me' }, reply: { error: { type: 'rate_limit_error', message: 'Scripted limit.' }, headers: { 'retry-after': '7', 'x-should-retry': 'false' } } },
    { name: 'azure', match: { userText: 'deny me' }, reply: { error: { status: 403, code: 'PermissionDenied', message: 'Scripted denial.' } } },
    { name: 'broken stream', match: { userText: 'break the stream' }, reply: { text: 'Partial answer before the break.', streamError: { type: 'overloaded_error', message: 'Scripted break.' } } },
    { name: 'slow', match: { userText: 'be slow' }, reply: { text: 'one two three four five six seven eight nine ten eleven twelve', ttftMs: 300, tokensPerSecond: 40 } },
    { name: 'very slow', match: { userText: 'take your time' }, reply: { text: 'Never seen: the client leaves first.', ttftMs: 10_000 } },
    { name: 'sequence', match: { userText: 'count with me' }, replies: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] },
    { name: 'flaky once', match: { userText: 'flaky' }, times: 1, reply: { error: { type: 'overloaded_error', message: 'Try again.' } } },
    { name: 'flaky then fine', match: { userText: 'flaky' }, reply: { text: 'Fine on the retry.' } },
    {
      name: 'agent loop',
      match: { userText: 'weather in Paris' },
      replies: [
        { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }] },
        { text: 'It is sunny in Paris.' },
      ],
    },
  ],
};

const SONNET_RULES = { rules: [{ name: 'only on sonnet', match: { userText: 'which deployment' }, reply: { text: 'The sonnet deployment script.' } }] };

let dir: string;
let gw: TestGateway;
let client: AnthropicFoundry;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cf-scenarios-'));
  writeFileSync(join(dir, 'global.json'), JSON.stringify(GLOBAL_RULES));
  writeFileSync(join(dir, 'sonnet.json'), JSON.stringify(SONNET_RULES));
  gw = await startTestGateway({
    scenarios: join(dir, 'global.json'),
    resources: [
      {
        name: 'scripted',
        deployments: [
          { name: 'sonnet', model: 'claude-sonnet-4-6', scenarios: join(dir, 'sonnet.json') },
          { name: 'haiku', model: 'claude-haiku-4-5' },
        ],
      },
    ],
  });
  client = new AnthropicFoundry({ apiKey: gw.keys('scripted').key1, baseURL: gw.baseURL('scripted'), maxRetries: 0 });
});
after(async () => {
  await gw.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  client.messages.create({ model: 'sonnet', max_tokens: 256, messages: [{ role: 'user', content }], ...extra });

function textOf(message: { content: Array<{ type: string; text?: string }> }): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

describe('matching', () => {
  test('the last user text by substring answers the scripted text, with usage as count_tokens counts it', async () => {
    const params = { model: 'sonnet', messages: [{ role: 'user' as const, content: 'What is the capital of France?' }] };
    const message = await client.messages.create({ ...params, max_tokens: 64 });
    assert.equal(textOf(message), 'Paris.');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.model, 'sonnet');
    assert.match(message.id, /^msg_01/);
    const counted = await client.messages.countTokens(params);
    assert.equal(message.usage.input_tokens, counted.input_tokens);
    assert.ok(message.usage.output_tokens > 0);
  });

  test('a regular expression with flags, and an exact text', async () => {
    assert.equal(textOf(await ask('HOW TALL is the tower?')), 'Matched by a regular expression.');
    assert.equal(textOf(await ask('exactly this')), 'Matched exactly.');
    assert.doesNotMatch(textOf(await ask('exactly this, and more')), /Matched exactly/);
  });

  test('the system text', async () => {
    assert.equal(textOf(await ask('Hello there', { system: [{ type: 'text', text: 'You are a pirate. Speak like one.' }] })), 'Arr.');
  });

  test('a request header', async () => {
    const message = await client.messages.create({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'I want my money back' }] }, { headers: { 'x-test-case': 'refund' } });
    assert.equal(textOf(message), 'Refund scenario.');
    assert.doesNotMatch(textOf(await ask('I want my money back')), /Refund scenario/);
  });

  test('a tool result, by tool name and content, by error flag, and by tool_use id', async () => {
    const turn = (id: string, content: string, isError = false) =>
      client.messages.create({
        model: 'sonnet',
        max_tokens: 128,
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'What should I wear?' },
          { role: 'assistant', content: [{ type: 'tool_use', id, name: 'get_weather', input: { city: 'Rome' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, is_error: isError }] },
        ],
      });
    assert.equal(textOf(await turn('toolu_01abc', 'It is sunny, 24 C')), 'Scripted answer to the weather.');
    assert.equal(textOf(await turn('toolu_01abc', 'Service unavailable', true)), 'The weather service failed.');
    assert.equal(textOf(await turn('toolu_01fixedid', 'Snow')), 'Answer to the fixed id.');
  });

  test("a deployment's own file applies to it alone; an unmatched request falls through to the simulator", async () => {
    assert.equal(textOf(await ask('which deployment is this?')), 'The sonnet deployment script.');
    const haiku = await client.messages.create({ model: 'haiku', max_tokens: 256, messages: [{ role: 'user', content: 'which deployment is this?' }] });
    assert.match(textOf(haiku), /^Simulated reply from claude-haiku-4-5/);
    assert.equal(textOf(await client.messages.create({ model: 'haiku', max_tokens: 64, messages: [{ role: 'user', content: 'capital of France' }] })), 'Paris.', 'global rules apply to every simulator deployment');
    assert.match(textOf(await ask('Something no rule knows')), /^Simulated reply from claude-sonnet-4-6/);
  });
});

describe('replies', () => {
  test('thinking, text and a tool call, with the stop reason and usage the script gives', async () => {
    const message = await ask('show every block', { tools: [WEATHER_TOOL] });
    assert.deepEqual(message.content.map((b) => b.type), ['thinking', 'text', 'tool_use']);
    const [thinking, , tool] = message.content;
    assert.ok(thinking?.type === 'thinking' && thinking.thinking === 'The user wants every kind of block.' && thinking.signature.length > 0);
    assert.ok(tool?.type === 'tool_use');
    assert.match(tool.id, /^toolu_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    assert.deepEqual(tool.input, { city: 'Oslo' });
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.output_tokens, 77);
    const again = await ask('show every block', { tools: [WEATHER_TOOL], system: 'Another conversation' });
    assert.ok(again.content[2]?.type === 'tool_use' && again.content[2].id !== tool.id, 'another conversation gets another tool_use id');
  });

  test('a stop sequence', async () => {
    const message = await ask('stop early', { stop_sequences: ['###'] });
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, '###');
  });

  test('streamed, the reply comes in the real event order and accumulates to the JSON reply', async () => {
    const params = { model: 'sonnet', max_tokens: 256, tools: [WEATHER_TOOL], messages: [{ role: 'user' as const, content: 'show every block, streamed' }] };
    const json = await client.messages.create(params);
    const raw = await messages(gw, { ...params, stream: true }); // the SDK's iterator hides ping
    assert.equal(raw.status, 200);
    const events = parseSse(raw.text);
    const types = events.map(({ event, data }) => (event === 'content_block_delta' ? `delta:${(data as { delta: { type: string } }).delta.type}` : event));
    const delta = events.find((e) => e.event === 'message_delta')?.data as { delta: { stop_reason: string }; usage: { output_tokens: number } };
    const stopReason = delta.delta.stop_reason;
    const outputTokens = delta.usage.output_tokens;
    const collapsed = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(collapsed, [
      'message_start',
      'content_block_start', 'ping', 'delta:thinking_delta', 'delta:signature_delta', 'content_block_stop',
      'content_block_start', 'delta:text_delta', 'content_block_stop',
      'content_block_start', 'delta:input_json_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    assert.equal(stopReason, 'tool_use');
    assert.equal(outputTokens, 77);
    const final = await client.messages.stream(params).finalMessage();
    assert.deepEqual(final.content.map((b) => (b.type === 'tool_use' ? { ...b, id: '' } : b)), json.content.map((b) => (b.type === 'tool_use' ? { ...b, id: '' } : b)));
    assert.deepEqual(final.usage, json.usage);
  });

  test('a scripted Anthropic error is raised as the SDK class of its status, with its type and message', async () => {
    await assert.rejects(ask('overload me'), (err: InstanceType<typeof AnthropicFoundry.InternalServerError>) => {
      assert.ok(err instanceof AnthropicFoundry.OverloadedError);
      assert.equal(err.status, 529);
      assert.deepEqual((err.error as { error: unknown }).error, { type: 'overloaded_error', message: 'Scripted overload.' });
      assert.match(err.requestID ?? '', /^req_011C/);
      return true;
    });
    await assert.rejects(ask('limit me'), (err: InstanceType<typeof AnthropicFoundry.RateLimitError>) => {
      assert.ok(err instanceof AnthropicFoundry.RateLimitError);
      assert.equal(err.headers.get('retry-after'), '7');
      return true;
    });
  });

  test('a scripted Azure error keeps Azure\'s body', async () => {
    await assert.rejects(ask('deny me'), (err: InstanceType<typeof AnthropicFoundry.PermissionDeniedError>) => {
      assert.ok(err instanceof AnthropicFoundry.PermissionDeniedError);
      assert.deepEqual(err.error, { error: { code: 'PermissionDenied', message: 'Scripted denial.' } });
      return true;
    });
  });

  test('a stream error: the content comes, then the SDK raises the error', async () => {
    const stream = client.messages.stream({ model: 'sonnet', max_tokens: 256, messages: [{ role: 'user', content: 'break the stream' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    await assert.rejects(stream.finalMessage(), /Scripted break/);
    assert.equal(text, 'Partial answer before the break.');
    await assert.rejects(ask('break the stream'), (err: Error) => err instanceof AnthropicFoundry.InternalServerError && err.status === 529);
  });

  test('delays: the time to first token and the pace are observed', async () => {
    let started = performance.now();
    await ask('be slow');
    const json = performance.now() - started;
    assert.ok(json >= 300, `JSON waited ${json} ms`);
    started = performance.now();
    const stream = await client.messages.create({ model: 'sonnet', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'be slow' }] });
    const deltas: number[] = [];
    for await (const event of stream) if (event.type === 'content_block_delta') deltas.push(performance.now());
    assert.ok(deltas[0]! - started >= 290, `first token after ${deltas[0]! - started} ms`);
    assert.ok(deltas.length >= 3 && deltas.at(-1)! - deltas[0]! >= 150, `deltas spread over ${deltas.at(-1)! - deltas[0]!} ms`);
  });
  test('a client that leaves during a scripted delay ends the reply; the gateway goes on', async () => {
    const params = { model: 'sonnet', max_tokens: 64, messages: [{ role: 'user' as const, content: 'take your time' }] };
    const leaving = new AbortController();
    setTimeout(() => leaving.abort(), 50);
    await assert.rejects(client.messages.create(params, { signal: leaving.signal }), AnthropicFoundry.APIUserAbortError);
    const leavingStream = new AbortController();
    const stream = await client.messages.create({ ...params, stream: true }, { signal: leavingStream.signal });
    setTimeout(() => leavingStream.abort(), 50);
    const types: string[] = [];
    for await (const event of stream) types.push(event.type); // the SDK ends the iteration quietly when aborted
    assert.deepEqual(types, ['message_start', 'content_block_start'], 'nothing came after the blocks started: the delay was still running');
    for (let i = 0; i < 50 && gw.stats().activeStreams > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(gw.stats().activeStreams, 0);
    assert.equal(textOf(await ask('capital of France')), 'Paris.');
  });
});

describe('sequences', () => {
  test('replies play in order within a conversation and start over after the last; another conversation starts afresh', async () => {
    const history: Array<{ role: 'user' | 'assistant'; content: string }> = [{ role: 'user', content: 'count with me' }];
    const said: string[] = [];
    for (let i = 0; i < 4; i++) {
      const message = await client.messages.create({ model: 'sonnet', max_tokens: 64, messages: history });
      said.push(textOf(message));
      history.push({ role: 'assistant', content: textOf(message) }, { role: 'user', content: 'count with me, go on' });
    }
    assert.deepEqual(said, ['one', 'two', 'three', 'one']);
    const other = await client.messages.create({ model: 'sonnet', max_tokens: 64, system: 'A fresh conversation', messages: [{ role: 'user', content: 'count with me' }] });
    assert.equal(textOf(other), 'one');
  });

  test('times: a rule answers that many requests, then the next rule does (a retried 529)', async () => {
    const statuses: number[] = [];
    const retrying = new AnthropicFoundry({
      apiKey: gw.keys('scripted').key1,
      baseURL: gw.baseURL('scripted'),
      maxRetries: 1,
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        const response = await fetch(url, init);
        statuses.push(response.status);
        return response;
      },
    });
    const message = await retrying.messages.create({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'flaky' }] });
    assert.deepEqual(statuses, [529, 200]);
    assert.equal(textOf(message), 'Fine on the retry.');
    assert.equal(textOf(await ask('flaky')), 'Fine on the retry.', 'the first rule is used up');
  });
});

test('an agent loop: the script calls a tool, the loop runs it, the script answers', async () => {
  const conversation: MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const calls: unknown[] = [];
  let final: Message | undefined;
  for (let turn = 0; turn < 5 && !final; turn++) {
    const message = await client.messages.create({ model: 'sonnet', max_tokens: 512, tools: [WEATHER_TOOL], messages: conversation });
    conversation.push({ role: 'assistant', content: message.content });
    if (message.stop_reason !== 'tool_use') {
      final = message;
      break;
    }
    const results: ToolResultBlockParam[] = [];
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue;
      calls.push({ name: block.name, input: block.input });
      results.push({ type: 'tool_result', tool_use_id: block.id, content: 'Sunny, 22 C' });
    }
    conversation.push({ role: 'user', content: results });
  }
  assert.deepEqual(calls, [{ name: 'get_weather', input: { city: 'Paris' } }]);
  assert.ok(final);
  assert.equal(textOf(final), 'It is sunny in Paris.');
  assert.equal(final.stop_reason, 'end_turn');
});
