// A recorded cassette becomes a fixtures file: the official SDK talks to a deployment recording a mock
// upstream (a reply, a stream, a tool loop, a 429 and its retry, a count), the real CLI converts the
// cassette (`claude-foundry scenarios from-cassette`), and a simulator deployment serving the converted
// file gives the SDK the same content, stop reasons and usage, the 429 included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { Message, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { eventsFor, messageFor, MockUpstream, sendError, sendJson, sendSse, standardReply } from './fixtures/mock-upstream.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/claude-foundry.js', import.meta.url));
const TOOL = { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };
const TOOL_USE_ID = 'toolu_01MockToolCallParis0000';

let dir: string;
let mock: MockUpstream;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cf-scenarios-cassette-'));
  mock = await MockUpstream.start();
  let flaky = 0;
  mock.respond(async (exchange, res) => {
    const json = exchange.json;
    const last = (json['messages'] as MessageParam[] | undefined)?.at(-1);
    const answersTool = Array.isArray(last?.content) && last.content.some((b) => b.type === 'tool_result');
    if (JSON.stringify(json).includes('flaky') && flaky++ === 0) return sendError(res, 429, 'rate_limit_error', 'Slow down.', { 'retry-after-ms': '50', 'retry-after': '1' });
    if (json['tools'] && !answersTool) {
      const message = { ...messageFor(json), content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: TOOL_USE_ID, name: 'get_weather', input: { city: 'Paris' } }], stop_reason: 'tool_use' };
      return sendJson(res, 200, message);
    }
    if (json['stream'] === true) return sendSse(res, eventsFor(json), { paceMs: 10 });
    return standardReply(exchange, res);
  });
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything one run of the calls saw, to compare the recorded run with the scripted one. */
async function calls(gw: TestGateway) {
  const statuses: number[] = [];
  const client = new AnthropicFoundry({
    apiKey: gw.keys('ci').key1,
    baseURL: gw.baseURL('ci'),
    maxRetries: 2,
    fetch: async (url: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(url, init);
      statuses.push(response.status);
      return response;
    },
  });
  const create = await client.messages.create({ model: 'sonnet', max_tokens: 128, system: 'Be brief.', messages: [{ role: 'user', content: 'What is a cassette?' }] });
  const stream = await client.messages.stream({ model: 'sonnet', max_tokens: 128, messages: [{ role: 'user', content: 'Stream me the story of tape.' }] }).finalMessage();
  const loop: MessageParam[] = [{ role: 'user', content: 'Weather in Paris, please.' }];
  const first = await client.messages.create({ model: 'sonnet', max_tokens: 128, tools: [TOOL], messages: loop });
  const call = first.content.find((b) => b.type === 'tool_use');
  assert.ok(call);
  loop.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny' }] });
  const second = await client.messages.create({ model: 'sonnet', max_tokens: 128, tools: [TOOL], messages: loop });
  const before = statuses.length;
  const flaky = await client.messages.create({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'flaky: first refused, then answered' }] });
  const flakyStatuses = statuses.slice(before);
  await client.messages.countTokens({ model: 'sonnet', messages: [{ role: 'user', content: 'Count me.' }] });
  return { replies: [create, stream, first, second, flaky].map(essence), flakyStatuses };
}

/** What a reply says, without what differs by nature (message id, model name). */
function essence(message: Message) {
  return { content: message.content, stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, usage: message.usage };
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' }, timeout: 20_000 });
}

test('record through an upstream, convert with the CLI, serve from the simulator: the same replies', async () => {
  const cassettes = join(dir, 'cassettes');
  const recorder = await startTestGateway({
    cassettes: { dir: cassettes },
    resources: [{ name: 'ci', deployments: [{ name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', record: true, upstream: { baseUrl: mock.url, apiKey: 'sk-ant-api03-scenarios-test-0000' } }] }],
  });
  const recorded = await calls(recorder);
  await recorder.close(); // waits for the cassette writes
  assert.deepEqual(recorded.flakyStatuses, [429, 200]);

  const cassette = join(cassettes, 'ci', 'sonnet.jsonl');
  const out = join(dir, 'converted.json');
  const converted = cli(['scenarios', 'from-cassette', cassette, '--out', out]);
  assert.equal(converted.status, 0, converted.stderr);
  assert.match(converted.stderr, /^Converted 6 of 7 exchanges into 5 rules into .*converted\.json\.\n {2}exchange #7 left out: count_tokens/);
  const file = JSON.parse(readFileSync(out, 'utf8')) as { rules: Array<{ name: string; match: Record<string, unknown>; replies?: unknown[] }> };
  const weather = file.rules.map((r, i) => [i, r.match] as const).filter(([, m]) => JSON.stringify(m).includes('Weather in Paris'));
  assert.deepEqual(weather.map(([, m]) => m), [
    { userText: { equals: 'Weather in Paris, please.' }, toolResult: { toolUseId: { equals: TOOL_USE_ID } } },
    { userText: { equals: 'Weather in Paris, please.' } },
  ], "the tool loop's second turn is tried before its first, whose user text it repeats");
  assert.equal(file.rules.find((r) => r.name.includes('flaky'))?.replies?.length, 2, 'the 429 and its retry play in turn');

  const checked = cli(['scenarios', 'check', out]);
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, /converted\.json: 5 rules\n/);

  const player = await startTestGateway({ resources: [{ name: 'ci', deployments: [{ name: 'sonnet', model: 'claude-sonnet-4-6', scenarios: out }] }] });
  try {
    const played = await calls(player);
    assert.deepEqual(played.replies, recorded.replies);
    assert.deepEqual(played.flakyStatuses, [429, 200]);
  } finally {
    await player.close();
  }
});

test('the CLI refuses what it cannot convert, in one line, and never overwrites without --force', () => {
  const missing = cli(['scenarios', 'from-cassette', join(dir, 'nope.jsonl')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^claude-foundry: scenarios from-cassette: .*nope\.jsonl does not exist\.\n$/);

  const notCassette = join(dir, 'not-a-cassette.jsonl');
  writeFileSync(notCassette, '{"hello": 1}\n');
  const wrong = cli(['scenarios', 'from-cassette', notCassette]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /is not a cassette: line 1 is not a recorded exchange/);

  const existing = join(dir, 'exists.json');
  writeFileSync(existing, '{}');
  const refused = cli(['scenarios', 'from-cassette', notCassette, '--out', existing]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /exists; pass --force to replace it/);
  assert.equal(readFileSync(existing, 'utf8'), '{}');

  assert.match(cli(['scenarios', 'from-cassette', notCassette, '--timing', 'slow']).stderr, /--timing must be original or fast/);
  assert.match(cli(['scenarios', 'frobnicate']).stderr, /unknown command 'frobnicate'/);

  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"rules": [{"reply": {"text": "x"}, "match": {"toolResult": {"isError": "yes"}}}]}');
  const check = cli(['scenarios', 'check', broken]);
  assert.equal(check.status, 1);
  assert.equal(check.stderr, `claude-foundry: ${broken}, line 1: rules[0].match.toolResult.isError must be true or false.\n`);
});
