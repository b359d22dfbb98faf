// Usage and cost end to end: a real gateway on port 0, requests through the simulator and through a mock
// upstream replaying SSE written from the real wire shapes (foundry-wire.md 3.6) with cache writes 5m/1h and
// cache reads, then the figures read back from the monitoring API and compared with hand-computed ones.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { parseUsd } from '../src/telemetry/money.ts';
import { MockUpstream, sendSse } from './fixtures/mock-upstream.ts';
import { countTextTokens } from '../src/tokens/count.ts';
import { messages, parseSse, type TestGateway, startTestGateway } from './helpers.ts';
import { loggedRecord, managementToken, monitoring } from './telemetry-helpers.ts';

/** Sonnet 4.5 list prices in picodollars per token: $3 input, $15 output, $3.75 5m write, $6 1h write, $0.30 read (per million). */
const SONNET_45 = { input: 3_000_000n, output: 15_000_000n, write5m: 3_750_000n, write1h: 6_000_000n, read: 300_000n };

interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** Cost by hand, in USD as the API writes it. */
function usd(u: Usage, multiplier: 'x1' | 'x1.1' = 'x1'): string {
  let pico = BigInt(u.input_tokens) * SONNET_45.input + BigInt(u.output_tokens) * SONNET_45.output +
    BigInt(u.cache_creation.ephemeral_5m_input_tokens) * SONNET_45.write5m + BigInt(u.cache_creation.ephemeral_1h_input_tokens) * SONNET_45.write1h +
    BigInt(u.cache_read_input_tokens) * SONNET_45.read;
  if (multiplier === 'x1.1') pico = (pico * 11n) / 10n;
  const whole = pico / 10n ** 12n;
  const fraction = (pico % 10n ** 12n).toString().padStart(12, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** A streamed reply, as the real API sends it, with cache writes split 5m/1h, cache reads, and two cumulative message_deltas. */
const SAMPLE_SSE = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-6","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":2500,"cache_read_input_tokens":30000,"cache_creation":{"ephemeral_5m_input_tokens":500,"ephemeral_1h_input_tokens":2000},"output_tokens":1,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", world"}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":100}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":25,"cache_creation_input_tokens":2500,"cache_read_input_tokens":30000,"output_tokens":312}}

event: message_stop
data: {"type":"message_stop"}

`;

const SAMPLE_EVENTS = SAMPLE_SSE.trim()
  .split('\n\n')
  .map((block): [string, string] => {
    const [event, data] = block.split('\n');
    return [event!.slice('event: '.length), data!.slice('data: '.length)];
  });

const LONG_SYSTEM = 'The gateway keeps an exact ledger of every token it serves. '.repeat(150);

/**
 * Streams a request and hangs up as soon as `enough(text so far)` returns something; resolves with that and the
 * response's request-id.
 */
function streamThenHangUp<T>(gw: TestGateway, body: unknown, headers: Record<string, string>, enough: (text: string) => T | undefined): Promise<{ requestId: string; got: T }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1', port: gw.port, method: 'POST', path: `/${gw.config.resources[0]!.name}/anthropic/v1/messages`, agent: false,
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const got = req.destroyed ? undefined : enough(text);
          if (got === undefined) return;
          req.destroy();
          resolve({ requestId: String(res.headers['request-id']), got });
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.end(JSON.stringify(body));
  });
}

/** The texts of the complete `content_block_delta` events in `text`, once there are at least `count`. */
const deltaTexts = (count: number) => (text: string) => {
  const texts = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2))
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => (e.data as { delta: { text: string } }).delta.text);
  return texts.length >= count ? texts : undefined;
};

describe('usage and cost end to end', () => {
  let gw: TestGateway;
  let mock: MockUpstream;
  let token: string;

  before(async () => {
    mock = await MockUpstream.start();
    const upstream = { baseUrl: mock.url, apiKey: 'sk-ant-test-0123456789abcdef' };
    gw = await startTestGateway({
      resources: [
        {
          name: 'ledger',
          deployments: [
            { name: 'claude-sonnet-4-6' },
            { name: 'upstream-sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream },
            { name: 'upstream-datazone', model: 'claude-sonnet-4-6', backend: 'anthropic', sku: 'DataZoneStandard', upstream },
          ],
        },
      ],
    });
    token = await managementToken(gw);
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('simulator, JSON: a 1-hour cache write then a cache read, each logged and priced to the picodollar', async () => {
    const body = { model: 'claude-sonnet-4-6', max_tokens: 64, system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [{ role: 'user', content: 'Hello, Claude' }] };
    const first = await messages(gw, body, { 'x-ms-client-request-id': 'ledger-json-1', 'user-agent': 'ledger-test/1.0' });
    const second = await messages(gw, body);
    const u1 = (first.json() as { usage: Usage }).usage;
    const u2 = (second.json() as { usage: Usage }).usage;
    assert.ok(u1.cache_creation.ephemeral_1h_input_tokens > 1000 && u2.cache_read_input_tokens === u1.cache_creation.ephemeral_1h_input_tokens, JSON.stringify([u1, u2]));

    const r1 = await loggedRecord(gw, token, String(first.headers['request-id']));
    assert.equal(r1.resource, 'ledger');
    assert.equal(r1.deployment, 'claude-sonnet-4-6');
    assert.equal(r1.backend, 'simulator');
    assert.equal(r1.principal, 'key1');
    assert.equal(r1.status, 200);
    assert.equal(r1.errorCode, null);
    assert.equal(r1.stream, false);
    assert.equal(r1.apimRequestId, first.headers['apim-request-id']);
    assert.equal(r1.clientRequestId, 'ledger-json-1');
    assert.equal(r1.userAgent, 'ledger-test/1.0');
    assert.equal(r1.clientIp, '127.0.0.1');
    assert.deepEqual([r1.inputTokens, r1.outputTokens, r1.cacheWrite5mTokens, r1.cacheWrite1hTokens, r1.cacheReadTokens], [u1.input_tokens, u1.output_tokens, 0, u1.cache_creation.ephemeral_1h_input_tokens, 0]);
    assert.equal(r1.costUsd, usd(u1));
    assert.ok(r1.overheadMs <= r1.durationMs && r1.ttfbMs !== null && r1.ttfbMs <= r1.durationMs);

    const r2 = await loggedRecord(gw, token, String(second.headers['request-id']));
    assert.equal(r2.cacheReadTokens, u2.cache_read_input_tokens);
    assert.equal(r2.cacheWrite1hTokens, 0);
    assert.equal(r2.costUsd, usd(u2));
  });

  test('mock upstream, SSE: message_start plus cumulative message_deltas give 25 in, 312 out, 500 + 2,000 cache writes, 30,000 reads: $0.02763', async () => {
    mock.respond((_exchange, res) => sendSse(res, SAMPLE_EVENTS, { paceMs: 1 }));
    const res = await messages(gw, { model: 'upstream-sonnet', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Hello' }] });
    const dz = await messages(gw, { model: 'upstream-datazone', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Hello' }] });
    mock.respond(undefined);
    assert.equal(res.status, 200);
    assert.equal(res.text, SAMPLE_SSE, 'the stream passed through byte for byte');
    const r = await loggedRecord(gw, token, String(res.headers['request-id']));
    assert.equal(r.backend, 'anthropic');
    assert.equal(r.stream, true);
    assert.deepEqual([r.inputTokens, r.outputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.cacheReadTokens], [25, 312, 500, 2000, 30000]);
    // 25 × $3 + 312 × $15 + 500 × $3.75 + 2,000 × $6 + 30,000 × $0.30 = $27,630 per million tokens.
    assert.equal(r.costUsd, '0.02763');
    const d = await loggedRecord(gw, token, String(dz.headers['request-id']));
    assert.equal(d.costUsd, '0.030393', 'DataZoneStandard bills 1.1x');
  });

  test('mock upstream, a client that hangs up mid-stream: billed with the output forwarded ("Hello", 2 tokens), not message_start\'s 1', async () => {
    mock.respond((_exchange, res) => sendSse(res, SAMPLE_EVENTS, { paceMs: 150 }));
    const { requestId } = await streamThenHangUp(gw, { model: 'upstream-sonnet', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'Hello' }] }, {}, (text) => (text.includes('event: content_block_delta') ? true : undefined));
    const r = await loggedRecord(gw, token, requestId);
    mock.respond(undefined);
    assert.equal(r.status, 200);
    assert.equal(r.errorCode, 'client_closed');
    assert.equal(countTextTokens('Hello'), 2);
    assert.deepEqual([r.inputTokens, r.outputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.cacheReadTokens], [25, 2, 500, 2000, 30000]);
    // 25 × $3 + 2 × $15 + 500 × $3.75 + 2,000 × $6 + 30,000 × $0.30 = $22,980 per million tokens.
    assert.equal(r.costUsd, '0.02298');
  });

  test('simulator, a client that leaves after 3 deltas: billed output = the tokens of the text it was sent, with its cache read and time to first token', async () => {
    const body = { model: 'claude-sonnet-4-6', max_tokens: 256, stream: true, system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [{ role: 'user', content: 'Tell me a long story' }] };
    // 10 tokens/s: the next 4-token delta is 400 ms away when the client leaves, so none is in flight.
    const { requestId, got: texts } = await streamThenHangUp(gw, body, { 'x-claude-foundry-simulate': 'tps=10' }, deltaTexts(3));
    const sent = texts.reduce((n, t) => n + countTextTokens(t), 0);
    assert.ok(sent >= 3, `tokens sent ${sent}`);
    const r = await loggedRecord(gw, token, requestId);
    assert.equal(r.errorCode, 'client_closed');
    assert.equal(r.stream, true);
    assert.equal(r.outputTokens, sent);
    assert.ok(r.cacheReadTokens > 1000, `cache read ${r.cacheReadTokens}`);
    assert.equal(r.costUsd, usd({ input_tokens: r.inputTokens, output_tokens: sent, cache_read_input_tokens: r.cacheReadTokens, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } }));
    assert.ok(r.ttftMs !== null && r.ttfbMs !== null && r.ttfbMs <= r.ttftMs);
  });

  test('failures before the backend are logged with their catalogue code; the usage API adds everything up exactly', async () => {
    const missing = await messages(gw, { model: 'no-such-deployment', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(missing.status, 404);
    const r = await loggedRecord(gw, token, String(missing.headers['request-id']));
    assert.deepEqual([r.status, r.errorCode, r.deployment, r.costUsd], [404, 'deployment_not_found', null, '0']);

    await gw.telemetry.flush();
    const logs = (await monitoring(gw, '/monitoring/logs?resource=ledger&from=1h&limit=1000', token)).json() as { value: Array<{ costUsd: string; outputTokens: number }> };
    const usage = await monitoring(gw, '/monitoring/usage?resource=ledger&interval=minute&from=1h&groupBy=deployment', token);
    assert.equal(usage.status, 200);
    const { totals, value } = usage.json() as { totals: { requests: number; costUsd: string; outputTokens: number }; value: Array<{ deployment: string }> };
    assert.equal(totals.requests, logs.value.length);
    assert.equal(totals.outputTokens, logs.value.reduce((n, l) => n + l.outputTokens, 0));
    assert.equal(parseUsd(totals.costUsd), logs.value.reduce((n, l) => n + parseUsd(l.costUsd), 0n), 'the rollup sums to the records, exactly');
    assert.ok(value.some((v) => v.deployment === 'upstream-datazone'));
  });
});
