// Streaming over raw HTTP: the exact event sequence the SDKs' parsers expect, errors mid-stream,
// and a client that goes away stopping the generation.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { HELLO, messages, parseSse, raw, REQUEST_ID, startTestGateway, type TestGateway } from './helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

type Ev = { event: string; data: { type: string; [k: string]: unknown } };

test('a stream sends every event with an event: line, in the documented order', async () => {
  const res = await messages(gw, { ...HELLO, stream: true });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  assert.match(String(res.headers['request-id']), REQUEST_ID);
  assert.ok(res.headers['apim-request-id']);
  for (const block of res.text.split('\n\n').filter((b) => b.length > 0)) assert.match(block, /^event: [a-z_]+\ndata: \{/);
  const events = parseSse(res.text) as Ev[];
  for (const e of events) assert.equal(e.event, e.data.type, 'the event: line names the data type');
  const names = events.map((e) => e.event).filter((n) => n !== 'ping');
  assert.equal(names[0], 'message_start');
  assert.equal(names.at(-2), 'message_delta');
  assert.equal(names.at(-1), 'message_stop');
  assert.ok(events.some((e) => e.event === 'ping'));
  // Between start and delta: blocks, each opened, filled and closed in index order.
  const blockEvents = names.slice(1, -2);
  assert.equal(blockEvents[0], 'content_block_start');
  assert.equal(blockEvents.at(-1), 'content_block_stop');
});

test('a stream carries the same message and usage as the JSON reply to the same request', async () => {
  const body = { ...HELLO, messages: [{ role: 'user', content: 'Tell me about streams and rivers, please.' }] };
  const json = (await messages(gw, body)).json() as { content: Array<{ text: string }>; usage: Record<string, number>; stop_reason: string };
  const events = parseSse((await messages(gw, { ...body, stream: true })).text) as Ev[];
  const text = events
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => (e.data['delta'] as { text?: string }).text ?? '')
    .join('');
  assert.equal(text, json.content.map((b) => b.text).join(''));
  const delta = events.find((e) => e.event === 'message_delta')!.data as unknown as { usage: Record<string, number>; delta: { stop_reason: string } };
  assert.equal(delta.delta.stop_reason, json.stop_reason);
  assert.equal(delta.usage['output_tokens'], json.usage['output_tokens']);
  assert.equal(delta.usage['input_tokens'], json.usage['input_tokens']);
  const start = events[0]!.data['message'] as { usage: Record<string, number> };
  assert.equal(start.usage['input_tokens'], json.usage['input_tokens']);
});

test('a fault mid-stream ends with event: error and never with message_stop', async () => {
  const res = await messages(gw, { ...HELLO, stream: true }, { 'x-claude-foundry-simulate': 'fault=midstream' });
  assert.equal(res.status, 200);
  const events = parseSse(res.text) as Ev[];
  assert.equal(events[0]!.event, 'message_start');
  const last = events.at(-1)!;
  assert.equal(last.event, 'error');
  assert.deepEqual((last.data as unknown as { error: { type: string } }).error.type, 'overloaded_error');
  assert.ok(!events.some((e) => e.event === 'message_stop'));
});

test('a client that disconnects mid-stream stops the generation', async () => {
  const body = JSON.stringify({ ...HELLO, max_tokens: 4000, stream: true });
  await new Promise<void>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: gw.port,
        method: 'POST',
        path: '/claude-local/anthropic/v1/messages',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'x-api-key': gw.keys().key1,
          'x-claude-foundry-simulate': 'tps=20',
        },
      },
      (res) => {
        res.once('data', () => {
          assert.equal(gw.stats().activeStreams, 1);
          req.destroy();
          resolve();
        });
      },
    );
    req.on('error', () => {});
    req.end(body);
    setTimeout(() => reject(new Error('no first chunk')), 5000).unref();
  });
  for (let i = 0; i < 100 && gw.stats().activeStreams > 0; i++) await sleep(10);
  assert.equal(gw.stats().activeStreams, 0, 'the stream was stopped, not left running');
});

test('count_tokens counts input tokens exactly as messages does', async () => {
  const body = { model: 'claude-sonnet-4-6', system: 'You are terse.', messages: [{ role: 'user', content: 'Count me, please: one two three.' }] };
  const res = await raw(gw, {
    path: '/claude-local/anthropic/v1/messages/count_tokens',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1 },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['request-id']), REQUEST_ID);
  const { input_tokens } = res.json() as { input_tokens: number };
  const reply = (await messages(gw, { ...body, max_tokens: 10 })).json() as { usage: { input_tokens: number } };
  assert.equal(input_tokens, reply.usage.input_tokens);
  assert.ok(input_tokens > 0);
});
