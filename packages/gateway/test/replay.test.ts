// Record, then replay offline: the official SDK talks to a deployment recording a mock upstream (the
// real API cannot be reached from here), the upstream goes away, and a replay deployment gives the SDK
// the same messages, usage, stop reasons and request ids, byte for byte, at the recorded pace or fast.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { post, startUpstreamGateway, type UpstreamTestGateway } from './fixtures/gateway.ts';
import { eventsFor, MockUpstream, sendError, sendSse, sentBytes, standardReply } from './fixtures/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-ant-api03-recording-test-key-0000';
const PACE_MS = 30;

const CREATE = { model: 'sonnet', max_tokens: 128, messages: [{ role: 'user' as const, content: 'What is a cassette?' }] };
const STREAM = { model: 'sonnet', max_tokens: 128, messages: [{ role: 'user' as const, content: 'Stream me the story of tape.' }] };
const FLAKY = { model: 'sonnet', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user' as const, content: 'flaky: first refused, then answered' }] };
const COUNT = { model: 'sonnet', messages: [{ role: 'user' as const, content: 'Count me.' }] };

let dir: string;
let mock: MockUpstream;
const seen: { create?: unknown; createId?: string | null; stream?: unknown; streamEvents?: string; streamBytes?: Buffer; count?: unknown; flakyStatuses?: number[] } = {};

function sdk(gw: UpstreamTestGateway, statuses?: number[]) {
  return new AnthropicFoundry({
    apiKey: gw.keys('ci').key1,
    baseURL: gw.baseURL('ci'),
    maxRetries: 2,
    ...(statuses
      ? {
          fetch: async (url: string | URL | Request, init?: RequestInit) => {
            const response = await fetch(url, init);
            statuses.push(response.status);
            return response;
          },
        }
      : {}),
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cf-cassettes-'));
  mock = await MockUpstream.start();
  let flakyCalls = 0;
  mock.respond(async (exchange, res) => {
    if (JSON.stringify(exchange.json).includes('flaky') && flakyCalls++ === 0) {
      sendError(res, 429, 'rate_limit_error', 'Slow down.', { 'retry-after-ms': '50', 'retry-after': '1' });
      return;
    }
    if (exchange.json['stream'] === true) await sendSse(res, eventsFor(exchange.json), { paceMs: PACE_MS });
    else await standardReply(exchange, res);
  });
});
after(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('record', () => {
  let gw: UpstreamTestGateway;
  before(async () => {
    gw = await startUpstreamGateway({
      cassettes: { dir, redact: ['acct-[0-9]{6}'] },
      resources: [{ name: 'ci', deployments: [{ name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', record: true, upstream: { baseUrl: mock.url, apiKey: UPSTREAM_KEY } }] }],
    });
  });

  test('each exchange through an upstream deployment with record: true is appended to its cassette, keys redacted', async () => {
    const client = sdk(gw);
    const { data, response } = await client.messages.create(CREATE).withResponse();
    seen.create = data;
    seen.createId = response.headers.get('request-id');
    const stream = client.messages.stream(STREAM);
    let text = '';
    stream.on('text', (t) => (text += t));
    seen.stream = await stream.finalMessage();
    seen.streamEvents = text;
    seen.streamBytes = sentBytes(mock.last);
    seen.count = await client.messages.countTokens(COUNT);
    seen.flakyStatuses = [];
    await sdk(gw, seen.flakyStatuses).messages.create(FLAKY);
    await client.messages.create({ ...CREATE, messages: [{ role: 'user', content: 'My account is acct-123456.' }] });
    await gw.close(); // waits for the cassette writes

    const file = readFileSync(join(dir, 'ci', 'sonnet.jsonl'), 'utf8');
    const lines = file.trim().split('\n').map((l) => JSON.parse(l) as { operation: string; response: { status: number; events?: unknown[] } });
    assert.deepEqual(
      lines.map((l) => `${l.operation} ${l.response.status}${l.response.events ? ' sse' : ''}`),
      ['messages 200', 'messages 200 sse', 'count_tokens 200', 'messages 429', 'messages 200', 'messages 200'],
    );
    assert.deepEqual(seen.flakyStatuses, [429, 200]);
    assert.ok(!file.includes(UPSTREAM_KEY), 'the upstream key is not in the cassette');
    assert.ok(!file.includes(gw.keys('ci').key1) && !file.includes(gw.keys('ci').key2), "the gateway's keys are not in the cassette");
    assert.ok(!file.includes('acct-123456') && file.includes('My account is [REDACTED].'), 'configured secrets are redacted');
  });
});

describe('replay, offline', () => {
  let gw: UpstreamTestGateway;
  const cassette = () => join(dir, 'ci', 'sonnet.jsonl');
  before(async () => {
    await mock.close(); // the upstream is gone from here on
    gw = await startUpstreamGateway({
      cassettes: { dir },
      resources: [
        {
          name: 'ci',
          deployments: [
            { name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'replay', replay: { timing: 'fast' } },
            { name: 'sonnet-paced', model: 'claude-sonnet-4-6', backend: 'replay', replay: { cassette: cassette(), timing: 'original' } },
            { name: 'sonnet-2x', model: 'claude-sonnet-4-6', backend: 'replay', replay: { cassette: cassette(), timing: 2 } },
            { name: 'unrecorded', model: 'claude-sonnet-4-6', backend: 'replay' },
          ],
        },
      ],
    });
  });
  after(() => gw.close());

  test('the official SDK sees the same message, usage, stop reason and request id', async () => {
    const { data, response } = await sdk(gw).messages.create(CREATE).withResponse();
    assert.deepEqual(data, seen.create);
    assert.equal(response.headers.get('request-id'), seen.createId);
  });

  test('a replayed stream assembles into the same final message, text deltas and usage', async () => {
    const stream = sdk(gw).messages.stream(STREAM);
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.deepEqual(final, seen.stream);
    assert.equal(text, seen.streamEvents);
    assert.equal(final.usage.cache_read_input_tokens, 3400);
    assert.equal(final.stop_reason, 'end_turn');
  });

  test('the replayed SSE bytes are the bytes the upstream sent when it was recorded', async () => {
    const res = await post(gw, '/v1/messages', JSON.stringify({ ...STREAM, stream: true }), {}, 'ci');
    assert.deepEqual(res.bytes, seen.streamBytes);
  });

  test('count_tokens replays too, and recordings of one request are served in turn (a 429, then the answer)', async () => {
    assert.deepEqual(await sdk(gw).messages.countTokens(COUNT), seen.count);
    const statuses: number[] = [];
    const message = await sdk(gw, statuses).messages.create(FLAKY);
    assert.deepEqual(statuses, [429, 200]);
    assert.equal(message.stop_reason, 'end_turn');
  });

  test('original timing keeps the recorded pace, a factor divides it, fast drops it', async () => {
    const body = JSON.stringify({ ...STREAM, stream: true });
    const timed = async (model: string) => {
      const started = performance.now();
      const res = await post(gw, '/v1/messages', body.replace('"sonnet"', `"${model}"`), {}, 'ci');
      return { ms: res.arrivals.at(-1)! - started, bytes: res.bytes };
    };
    const recordedMs = PACE_MS * (eventsFor(STREAM as unknown as Record<string, unknown>).length - 1);
    const paced = await timed('sonnet-paced');
    const doubled = await timed('sonnet-2x');
    const fast = await timed('sonnet');
    assert.ok(paced.ms >= recordedMs * 0.9, `original: ${Math.round(paced.ms)} ms for a ${recordedMs} ms recording`);
    assert.ok(doubled.ms >= recordedMs * 0.45 && doubled.ms < paced.ms * 0.8, `2x: ${Math.round(doubled.ms)} ms`);
    assert.ok(fast.ms < 50, `fast: ${Math.round(fast.ms)} ms`);
    assert.deepEqual(paced.bytes, fast.bytes);
  });

  test('an unrecorded request is a 404 naming the closest recording and where it differs; the SDK does not retry it', async () => {
    const statuses: number[] = [];
    const err = await sdk(gw, statuses)
      .messages.create({ ...CREATE, messages: [{ role: 'user', content: 'What is a casette?' }] })
      .catch((e: unknown) => e);
    assert.equal((err as Error).constructor.name, 'NotFoundError');
    assert.deepEqual(statuses, [404]);
    const body = (err as { error: unknown }).error as { type: string; error: { type: string; message: string } };
    assert.equal(body.error.type, 'not_found_error');
    assert.match(
      body.error.message,
      /^No recorded exchange in the cassette .*ci\/sonnet\.jsonl matches this request \(6 recorded\)\. The closest, exchange #1 recorded at \d{4}-\d\d-\d\dT[\d:.]+Z, differs at body\.messages\[0\]\.content\[0\]\.text: recorded "What is a cassette\?", got "What is a casette\?"\.$/,
    );
  });

  test('a missing cassette is a 404 that says to record it first', async () => {
    const res = await post(gw, '/v1/messages', JSON.stringify({ ...CREATE, model: 'unrecorded' }), {}, 'ci');
    assert.equal(res.status, 404);
    assert.match(res.bytes.toString(), /The cassette .*ci\/unrecorded\.jsonl does not exist: record it first/);
  });
});
