// Specification of simulated streaming: wire order, faithful accumulation, pacing and abort.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulator } from '../src/backends/simulator/index.ts';
import { accumulate, collectEvents, expectMessage, QUIET_PROFILE, testCall, testDeployment, userRequest } from './simulator-helpers.ts';
import type { MessagesRequest, StreamEvent, Tool } from '../src/dataplane/types.ts';

const TOOL: Tool = {
  type: 'custom',
  name: 'lookup',
  input_schema: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', maximum: 50 } }, required: ['query'] },
};

const REQUESTS: Record<string, MessagesRequest> = {
  text: userRequest('Tell me about streams.'),
  thinking: userRequest('Think, then use lookup.', { thinking: { type: 'enabled', budget_tokens: 2048 }, tools: [TOOL] }),
  stopSequence: userRequest('Stop at the word HALT please', { stop_sequences: ['HALT'] }),
  maxTokens: userRequest('A long answer please', { max_tokens: 9 }),
  empty: userRequest('Nothing', { max_tokens: 0 }),
};

function paced(ttftMs: number, tokensPerSecond: number) {
  return { ...QUIET_PROFILE, ttftMs, tokensPerSecond };
}

function shape(events: readonly StreamEvent[]): string[] {
  return events.map((e) => (e.type === 'content_block_delta' ? `delta:${e.delta.type}` : e.type));
}

describe('simulated streaming', () => {
  for (const [name, request] of Object.entries(REQUESTS)) {
    it(`accumulates to exactly the JSON reply of the same request (${name})`, async () => {
      const sim = createSimulator({ signingSecret: Buffer.from('s') });
      const json = expectMessage(await sim.messages(testCall(request)));
      const streamed = accumulate(await collectEvents(await sim.messages(testCall({ ...request, stream: true }))));
      assert.deepEqual({ ...streamed, id: json.id }, json);
    });
  }

  it('sends message_start, blocks, one ping after the first block start, message_delta and message_stop', async () => {
    const events = await collectEvents(await createSimulator().messages(testCall({ ...REQUESTS.thinking!, stream: true })));
    const s = shape(events);
    assert.deepEqual(s.slice(0, 4), ['message_start', 'content_block_start', 'ping', 'delta:thinking_delta']);
    assert.equal(s.filter((t) => t === 'ping').length, 1);
    assert.deepEqual(s.slice(-2), ['message_delta', 'message_stop']);
    const thinkingStop = s.indexOf('content_block_stop');
    assert.equal(s[thinkingStop - 1], 'delta:signature_delta');
    assert.equal(s.filter((t) => t === 'delta:signature_delta').length, 1);
    const toolStart = events.findIndex((e) => e.type === 'content_block_start' && e.content_block.type === 'tool_use');
    const toolDelta = events[toolStart + 1];
    assert.ok(toolDelta?.type === 'content_block_delta' && toolDelta.delta.type === 'input_json_delta' && toolDelta.delta.partial_json === '');
    const start = events[toolStart];
    assert.ok(start?.type === 'content_block_start' && start.content_block.type === 'tool_use');
    assert.deepEqual(start.content_block.input, {});
  });

  it('opens with no content, a null stop reason and output_tokens 1; message_delta carries the full usage', async () => {
    const events = await collectEvents(await createSimulator().messages(testCall({ ...REQUESTS.text!, stream: true })));
    const first = events[0];
    assert.ok(first?.type === 'message_start');
    assert.deepEqual(first.message.content, []);
    assert.equal(first.message.stop_reason, null);
    assert.equal(first.message.usage.output_tokens, 1);
    const delta = events.find((e) => e.type === 'message_delta');
    assert.ok(delta?.type === 'message_delta');
    assert.deepEqual(Object.keys(delta.usage), ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens']);
    assert.equal(delta.usage.input_tokens, first.message.usage.input_tokens);
    assert.ok(delta.usage.output_tokens > 1);
  });

  it('streams text in deltas of a few tokens each', async () => {
    const events = await collectEvents(await createSimulator().messages(testCall({ ...REQUESTS.text!, stream: true })));
    const texts = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : []));
    assert.ok(texts.length >= 5);
  });

  it('waits ttftMs before the first content delta', async () => {
    const deployment = testDeployment('claude-sonnet-4-6', { simulator: paced(300, 0) });
    const reply = await createSimulator().messages(testCall({ ...REQUESTS.text!, stream: true }, { deployment }));
    assert.equal(reply.kind, 'events');
    const started = performance.now();
    let firstDeltaAt = 0;
    for await (const event of reply.kind === 'events' ? reply.events : []) {
      if (event.type === 'content_block_delta' && firstDeltaAt === 0) firstDeltaAt = performance.now() - started;
    }
    assert.ok(firstDeltaAt >= 250, `first delta after ${firstDeltaAt} ms`);
  });

  it('paces a JSON reply at tokensPerSecond', async () => {
    const deployment = testDeployment('claude-sonnet-4-6', { simulator: paced(0, 200) });
    const started = performance.now();
    const message = expectMessage(await createSimulator().messages(testCall(REQUESTS.text!, { deployment })));
    const expectedMs = (message.usage.output_tokens / 200) * 1000;
    assert.ok(performance.now() - started >= expectedMs * 0.8, `took ${performance.now() - started} ms, expected ${expectedMs}`);
  });

  it('stops yielding and throws AbortError as soon as the caller aborts', async () => {
    const controller = new AbortController();
    const deployment = testDeployment('claude-sonnet-4-6', { simulator: paced(60_000, 0) });
    const reply = await createSimulator().messages(testCall({ ...REQUESTS.text!, stream: true }, { deployment, signal: controller.signal }));
    assert.ok(reply.kind === 'events');
    const seen: string[] = [];
    const started = performance.now();
    await assert.rejects(async () => {
      for await (const event of reply.events) {
        seen.push(event.type);
        if (event.type === 'ping') setTimeout(() => controller.abort(), 20);
      }
    }, { name: 'AbortError' });
    assert.deepEqual(seen, ['message_start', 'content_block_start', 'ping']);
    assert.ok(performance.now() - started < 5_000);
  });

  it('abandons a paced JSON reply when the caller aborts', async () => {
    const controller = new AbortController();
    const deployment = testDeployment('claude-sonnet-4-6', { simulator: paced(60_000, 0) });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(createSimulator().messages(testCall(REQUESTS.text!, { deployment, signal: controller.signal })), { name: 'AbortError' });
  });
});
