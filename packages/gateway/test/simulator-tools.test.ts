// Specification of simulated tool use: when a tool is called, its id, and inputs valid for the tool's schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { synthesize } from '../src/backends/simulator/schema.ts';
import { Prng } from '../src/backends/simulator/seed.ts';
import { simulatedReply as reply, firstToolUse as toolUse, userRequest } from './simulator-helpers.ts';
import type { Tool } from '../src/dataplane/types.ts';

const WEATHER: Tool = {
  type: 'custom',
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object',
    properties: {
      city: { type: 'string', minLength: 3, maxLength: 40 },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1, maximum: 7 },
    },
    required: ['city'],
  },
};
const CLOCK: Tool = { type: 'custom', name: 'get_time', input_schema: { type: 'object', properties: {} } };
const TOOLS = [WEATHER, CLOCK];

describe('simulated tool use', () => {
  it('calls a tool the last user text names (tool_choice auto), after one short sentence', async () => {
    const message = await reply(userRequest('Please use get_weather for Paris', { tools: TOOLS }));
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content.map((b) => b.type), ['text', 'tool_use']);
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'I will use the get_weather tool.');
    assert.equal(toolUse(message).name, 'get_weather');
  });

  it('answers in text when no tool is named or matched (auto) or tool_choice is none', async () => {
    const unnamed = await reply(userRequest('Tell me a story about a lighthouse', { tools: TOOLS }));
    assert.equal(unnamed.stop_reason, 'end_turn');
    const none = await reply(userRequest('Use get_weather now', { tools: TOOLS, tool_choice: { type: 'none' } }));
    assert.deepEqual(none.content.map((b) => b.type), ['text']);
    assert.equal(none.stop_reason, 'end_turn');
  });

  it('calls the named tool for tool_choice tool, and some tool for any, with no text first', async () => {
    const named = await reply(userRequest('Anything', { tools: TOOLS, tool_choice: { type: 'tool', name: 'get_time' } }));
    assert.deepEqual(named.content.map((b) => b.type), ['tool_use']);
    assert.equal(toolUse(named).name, 'get_time');
    assert.deepEqual(toolUse(named).input, {});
    const any = await reply(userRequest('Anything at all', { tools: TOOLS, tool_choice: { type: 'any' } }));
    assert.deepEqual(any.content.map((b) => b.type), ['tool_use']);
    assert.ok(['get_weather', 'get_time'].includes(toolUse(any).name));
  });

  it('fills the required inputs only, within their bounds and lengths', async () => {
    for (const city of ['Paris', 'Lyon', 'Nice', 'Lille', 'Metz']) {
      const input = toolUse(await reply(userRequest(`get_weather for ${city}`, { tools: TOOLS }))).input;
      assert.deepEqual(Object.keys(input), ['city']);
      const length = (input['city'] as string).length;
      assert.ok(length >= 3 && length <= 40);
    }
  });

  it('derives the tool_use id from the request, so a replay gets the same id', async () => {
    const request = userRequest('get_weather in Rome', { tools: TOOLS });
    const first = toolUse(await reply(request));
    const second = toolUse(await reply(request));
    assert.match(first.id, /^toolu_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    assert.equal(first.id, second.id);
    assert.deepEqual(first.input, second.input);
  });

  it('ends a tool loop: with a tool_result last, it answers in text quoting the result', async () => {
    const call = toolUse(await reply(userRequest('get_weather in Oslo', { tools: TOOLS })));
    const message = await reply({
      ...userRequest('get_weather in Oslo', { tools: TOOLS }),
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'get_weather in Oslo' }] },
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '4 degrees and snowing' }] },
      ],
    });
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.content.map((b) => b.type), ['text']);
    assert.ok(message.content[0]?.type === 'text' && message.content[0].text.startsWith('The tool returned: "4 degrees and snowing".'));
  });
});

describe('tool input synthesis from JSON Schema', () => {
  const rng = () => new Prng(Buffer.alloc(32, 7));

  it('honours const, default, anyOf/oneOf (first branch), nulls, nested objects and arrays', () => {
    const value = synthesize(
      {
        type: 'object',
        properties: {
          kind: { const: 'fixed' },
          mode: { type: 'string', default: 'fast' },
          either: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
          one: { oneOf: [{ type: 'null' }, { type: 'number' }] },
          tags: { type: 'array', items: { type: 'string', maxLength: 4 }, minItems: 2, maxItems: 3 },
          nested: { type: 'object', properties: { n: { type: 'number', minimum: 0.5, maximum: 0.75 } }, required: ['n'] },
        },
        required: ['kind'],
      },
      rng(),
    ) as Record<string, unknown>;
    assert.equal(value['kind'], 'fixed');
    assert.equal(value['mode'], 'fast');
    assert.equal(typeof value['either'], 'boolean');
    assert.equal(value['one'], null);
    assert.equal((value['tags'] as string[]).length, 2);
    assert.ok((value['tags'] as string[]).every((t) => typeof t === 'string' && t.length <= 4));
    const n = (value['nested'] as { n: number }).n;
    assert.ok(n >= 0.5 && n <= 0.75);
  });

  it('follows local $ref and stops growing recursive schemas at depth 8', () => {
    const tree = { $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } }, required: ['child'] } }, $ref: '#/$defs/node' };
    let depth = 0;
    for (let node = synthesize(tree, rng()) as { child?: unknown }; node.child !== undefined; node = node.child as { child?: unknown }) depth++;
    assert.equal(depth, 8);
  });
});
