// Specification of context management edits on the simulator: what is cleared, what the reply reports,
// and that usage and count_tokens agree on the edited prompt (JSON, stream and the official SDK).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { createSimulator } from '../src/backends/simulator/index.ts';
import { CLEARED_TOOL_RESULT } from '../src/backends/simulator/context-edits.ts';
import type { MessageParam, MessagesRequest } from '../src/dataplane/types.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { accumulate, collectEvents, expectMessage, testCall, userRequest } from './simulator-helpers.ts';

const BIG = 'The sensor logged a reading of forty two units. '.repeat(60);

/** Five rounds of a tool loop whose results are long, then a question. */
function toolLoop(rounds = 5): MessageParam[] {
  const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: 'Read the sensors with read_sensor' }] }];
  for (let i = 0; i < rounds; i++) {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_01r${i}`, name: 'read_sensor', input: { n: i } }] });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_01r${i}`, content: `${i}: ${BIG}` }] });
  }
  messages.push({ role: 'assistant', content: [{ type: 'text', text: 'Done reading.' }] });
  messages.push({ role: 'user', content: [{ type: 'text', text: 'Summarise the readings' }] });
  return messages;
}

const clearing = (edit: Record<string, unknown>): MessagesRequest =>
  userRequest('x', { messages: toolLoop(), extra: { context_management: { edits: [{ type: 'clear_tool_uses_20250919', ...edit }] } } });

describe('context management edits', () => {
  it('clear_tool_uses past its trigger clears all but the kept tool uses; usage is the edited count', async () => {
    const simulator = createSimulator();
    const request = clearing({ trigger: { type: 'input_tokens', value: 1000 }, keep: { type: 'tool_uses', value: 2 } });
    const message = expectMessage(await simulator.messages(testCall(request)));
    const counted = await simulator.countTokens(testCall(request));
    const plain = await simulator.countTokens(testCall({ ...request, extra: {} }));
    const applied = message.context_management?.applied_edits;
    assert.equal(applied?.length, 1);
    assert.equal(applied[0]!['type'], 'clear_tool_uses_20250919');
    assert.equal(applied[0]!['cleared_tool_uses'], 3);
    const cleared = applied[0]!['cleared_input_tokens'] as number;
    assert.ok(cleared > 1000, `cleared ${cleared}`);
    assert.equal(message.usage.input_tokens, counted.input_tokens);
    assert.equal(counted.input_tokens + cleared, plain.input_tokens);
    assert.deepEqual((counted as { context_management?: unknown }).context_management, { original_input_tokens: plain.input_tokens });
  });

  it('below the default trigger (100,000 tokens) nothing is cleared, but the key is there', async () => {
    const message = expectMessage(await createSimulator().messages(testCall(clearing({}))));
    assert.deepEqual(message.context_management, { applied_edits: [] });
    const without = expectMessage(await createSimulator().messages(testCall(userRequest('hi'))));
    assert.ok(!('context_management' in without));
  });

  it('exclude_tools, clear_at_least and clear_tool_inputs', async () => {
    const excluded = expectMessage(await createSimulator().messages(testCall(clearing({ trigger: { type: 'tool_uses', value: 1 }, exclude_tools: ['read_sensor'] }))));
    assert.deepEqual(excluded.context_management?.applied_edits, []);
    const tooLittle = expectMessage(await createSimulator().messages(testCall(clearing({ trigger: { type: 'tool_uses', value: 1 }, clear_at_least: { type: 'input_tokens', value: 1e9 } }))));
    assert.deepEqual(tooLittle.context_management?.applied_edits, []);
    const request = clearing({ trigger: { type: 'tool_uses', value: 1 }, clear_tool_inputs: true });
    const withInputs = expectMessage(await createSimulator().messages(testCall(request)));
    const resultsOnly = expectMessage(await createSimulator().messages(testCall(clearing({ trigger: { type: 'tool_uses', value: 1 } }))));
    assert.ok((withInputs.context_management!.applied_edits[0]!['cleared_input_tokens'] as number) > (resultsOnly.context_management!.applied_edits[0]!['cleared_input_tokens'] as number));
  });

  it('clear_thinking keeps the last thinking turn by default; streamed, the edits come in message_delta', async () => {
    const thinkingTurn = (i: number): MessageParam[] => [
      { role: 'user', content: [{ type: 'text', text: `question ${i}` }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: `thought ${i}`, signature: 'sig' }, { type: 'text', text: `answer ${i}` }] },
    ];
    const request = userRequest('x', {
      stream: true,
      messages: [...thinkingTurn(1), ...thinkingTurn(2), ...thinkingTurn(3), { role: 'user', content: [{ type: 'text', text: 'and now?' }] }],
      extra: { context_management: { edits: [{ type: 'clear_thinking_20251015' }] } },
    });
    const events = await collectEvents(await createSimulator().messages(testCall(request)));
    const start = events.find((e) => e.type === 'message_start');
    assert.ok(start?.type === 'message_start' && !('context_management' in start.message));
    const message = accumulate(events);
    assert.equal(message.context_management?.applied_edits[0]!['cleared_thinking_turns'], 2);
  });
});

describe('through a real gateway, with the official SDK', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  it('beta.messages.create and countTokens agree on the edited prompt', async () => {
    const client = new Anthropic({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      messages: toolLoop() as Anthropic.Beta.BetaMessageParam[],
      tools: [{ name: 'read_sensor', input_schema: { type: 'object' as const, properties: { n: { type: 'integer' } } } }],
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' as const, trigger: { type: 'tool_uses' as const, value: 2 } }] },
      betas: ['context-management-2025-06-27'],
    };
    const message = await client.beta.messages.create({ ...params, max_tokens: 256 });
    const counted = await client.beta.messages.countTokens(params);
    assert.equal(message.context_management?.applied_edits[0]?.type, 'clear_tool_uses_20250919');
    assert.equal(message.usage.input_tokens, counted.input_tokens);
    assert.ok(counted.context_management!.original_input_tokens > counted.input_tokens);
    const text = message.content.find((b) => b.type === 'text');
    assert.ok(text?.type === 'text' && !text.text.includes(CLEARED_TOOL_RESULT));
  });
});
