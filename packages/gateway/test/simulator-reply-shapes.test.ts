// The simulator's replies have the real API's shapes, key for key: every object of a JSON reply and
// of each SSE event (the message, its usage, each block type, each delta type) has exactly the keys
// the recorded real replies have (fixtures/real-replies.ts), no `null` where the real API leaves a
// key out (`citations: null` broke the Vercel AI SDK), none missing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { messages, parseSse, startTestGateway, type TestGateway } from './helpers.ts';
import { REAL_EVENTS, REAL_MESSAGES } from './fixtures/real-replies.ts';

/** Fields whose value is free-form (a tool's input): their keys are the caller's, not the API's. */
const FREE_FORM = new Set(['input']);

/**
 * The key list of every object in `value`, by where it sits; a typed object is named by its `type`
 * (`message.content[text]`, `content_block_delta.delta[text_delta]`), so each kind is compared with its own.
 */
function shapes(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    for (const item of value) shapes(item, path, into);
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    // A typed object is named by its type: a message or an event at the top, a block or a delta inside.
    const type = typeof obj['type'] === 'string' ? obj['type'] : undefined;
    const named = type === undefined ? path : path === '' ? type : `${path}[${type}]`;
    into.set(named, Object.keys(obj).sort().join(','));
    for (const [key, v] of Object.entries(obj)) if (!FREE_FORM.has(key)) shapes(v, `${named}.${key}`, into);
  }
  return into;
}

function shapesOfAll(values: readonly unknown[]): Map<string, string> {
  const all = new Map<string, string>();
  for (const value of values) for (const [path, keys] of shapes(value)) all.set(path, keys);
  return all;
}

/** Every shape the simulator produced exists in the real replies, with the same keys. */
function assertRealShapes(simulated: Map<string, string>, real: Map<string, string>): void {
  for (const [path, keys] of simulated) {
    assert.ok(real.has(path), `the simulator sends ${path} {${keys}}, which no recorded real reply has`);
    assert.equal(keys, real.get(path), `${path}: the simulator's keys differ from the real API's`);
  }
}

const TOOL = { name: 'lookup', description: 'Looks a word up', input_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } };
/** Text alone; a tool call (with the preamble an unforced call gets); thinking, text and a tool call. */
const REQUESTS = [
  { model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content: 'Hello, Claude' }] },
  { model: 'claude-sonnet-4-6', max_tokens: 256, tools: [TOOL], messages: [{ role: 'user', content: 'Please use lookup for "gateway".' }] },
  { model: 'claude-sonnet-4-6', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [TOOL], messages: [{ role: 'user', content: 'Think, then use lookup.' }] },
];

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

describe('simulator reply shapes against the real API', () => {
  test('JSON replies: message, usage, text, tool_use and thinking blocks', async () => {
    const real = shapesOfAll(REAL_MESSAGES);
    const seen = new Set<string>();
    for (const body of REQUESTS) {
      const res = await messages(gw, body);
      assert.equal(res.status, 200, res.text);
      const simulated = shapes(res.json());
      assertRealShapes(simulated, real);
      for (const path of simulated.keys()) seen.add(path);
    }
    for (const kind of ['text', 'tool_use', 'thinking']) assert.ok(seen.has(`message.content[${kind}]`), `no ${kind} block was simulated: the test did not cover it`);
  });

  test('SSE events: each event, its message, block and delta, key for key', async () => {
    const real = shapesOfAll(REAL_EVENTS);
    const kinds = new Set<string>();
    for (const body of REQUESTS) {
      const res = await messages(gw, { ...body, stream: true });
      assert.equal(res.status, 200, res.text);
      for (const { event, data } of parseSse(res.text)) {
        assert.equal((data as { type: string }).type, event);
        const simulated = shapes(data);
        assertRealShapes(simulated, real);
        for (const path of simulated.keys()) kinds.add(path);
      }
    }
    const expected = ['message_start.message[message].usage', 'message_delta.usage', 'message_stop', 'ping']
      .concat(['text', 'tool_use', 'thinking'].map((t) => `content_block_start.content_block[${t}]`))
      .concat(['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta'].map((t) => `content_block_delta.delta[${t}]`));
    for (const path of expected) {
      assert.ok(kinds.has(path), `no ${path} was simulated: the test did not cover it`);
    }
  });

  test('a text block never carries citations: null', async () => {
    const res = await messages(gw, REQUESTS[0]);
    assert.doesNotMatch(res.text, /"citations"/);
    const streamed = await messages(gw, { ...REQUESTS[0], stream: true });
    assert.doesNotMatch(streamed.text, /"citations"/);
  });
});
