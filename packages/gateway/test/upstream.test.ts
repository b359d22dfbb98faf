// The anthropic and foundry backends against a mock upstream (the real APIs cannot be reached from
// here): bytes forwarded with only `model` changed, SSE passed through byte for byte and as it
// arrives, headers filtered, errors forwarded, each timeout, a dead upstream, a dropped stream, a
// client that leaves, keep-alive reuse, count_tokens, and Foundry's key and Entra authentication.
import assert from 'node:assert/strict';
import { request, type RequestOptions } from 'node:http';
import type { Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GUID, parseSse } from './helpers.ts';
import { closedPort, post, silentServer, startUpstreamGateway, type UpstreamTestGateway } from './fixtures/gateway.ts';
import { eventsFor, MockUpstream, sendError, sendSse, sentBytes, UPSTREAM_ONLY_HEADERS } from './fixtures/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-ant-api03-upstream-test-key-000000';
const FOUNDRY_KEY = '0123456789abcdef0123456789abcdef';

let mock: MockUpstream;
let gw: UpstreamTestGateway;
let silent: Server;
const tokenRequests: string[] = [];

before(async () => {
  mock = await MockUpstream.start();
  const quiet = await silentServer();
  silent = quiet.server;
  const timeouts = { connectMs: 300, firstByteMs: 400, betweenChunksMs: 300 };
  gw = await startUpstreamGateway(
    {
      resources: [
        {
          name: 'upstreams',
          deployments: [
            { name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: UPSTREAM_KEY, timeouts } },
            { name: 'claude-haiku-4-5', backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: UPSTREAM_KEY, model: 'claude-haiku-4-5' } },
            { name: 'down', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: UPSTREAM_KEY } },
            { name: 'unanswering', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: `https://127.0.0.1:${quiet.port}`, apiKey: UPSTREAM_KEY, timeouts } },
            { name: 'foundry-key', model: 'claude-sonnet-4-6', backend: 'foundry', upstream: { baseUrl: `${mock.url}/anthropic`, apiKeyEnv: 'FOUNDRY_KEY', model: 'claude-sonnet-4-6' } },
            { name: 'foundry-entra', model: 'claude-opus-4-6', backend: 'foundry', upstream: { baseUrl: `${mock.url}/anthropic`, entra: true } },
          ],
        },
      ],
    },
    {
      env: { FOUNDRY_KEY },
      upstream: {
        credential: () => ({
          getToken: async (scope: string | string[]) => {
            tokenRequests.push(String(scope));
            return { token: `entra-token-${tokenRequests.length}`, expiresOnTimestamp: Date.now() + 3_600_000 };
          },
        }),
      },
    },
  );
});
after(async () => {
  await gw.close();
  await mock.close();
  silent.close();
});

const headerNames = (h: Record<string, unknown>) => Object.keys(h);

describe('forwarding', () => {
  test('the body goes upstream with only the value of model changed, and the upstream key instead of ours', async () => {
    // Odd spacing, key order, escapes and "model" inside strings and nested objects: all kept.
    const body =
      '{ "messages" :[{"role":"user","content":"say \\"model\\": \\"x\\" and caf\\u00e9 ☕"}],\n' +
      '  "model" : "sonnet", "max_tokens":64,"system":"Be brief.",\n' +
      '  "tools":[{"name":"pick","description":"Picks","input_schema":{"type":"object","properties":{"model":{"type":"string"}}}}]}';
    const res = await post(gw, '/v1/messages', body, { 'anthropic-beta': 'context-1m-2025-08-07, interleaved-thinking-2025-05-14' });
    assert.equal(res.status, 200);
    const upstream = mock.last;
    assert.equal(upstream.path, '/v1/messages');
    assert.equal(upstream.body.toString('utf8'), body.replace('"model" : "sonnet"', '"model" : "claude-sonnet-4-6"'));
    assert.equal(upstream.headers['x-api-key'], UPSTREAM_KEY);
    assert.equal(upstream.headers['anthropic-version'], '2023-06-01');
    assert.equal(upstream.headers['anthropic-beta'], 'context-1m-2025-08-07, interleaved-thinking-2025-05-14');
    assert.ok(!JSON.stringify(upstream.headers).includes(gw.keys('upstreams').key1), "the gateway's own key never goes upstream");
  });

  test('a body whose model already is the upstream model is forwarded untouched', async () => {
    const body = '{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}';
    assert.equal((await post(gw, '/v1/messages', body)).status, 200);
    assert.equal(mock.last.body.toString('utf8'), body);
  });

  test('a JSON reply comes back byte for byte with the upstream request-id as ours and no upstream-only headers', async () => {
    const res = await post(gw, '/v1/messages', JSON.stringify({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.bytes, sentBytes(mock.last));
    assert.match(String(res.headers['request-id']), /^req_011CMock/);
    assert.match(String(res.headers['apim-request-id']), GUID);
    assert.equal(res.headers['content-type'], 'application/json');
    for (const name of Object.keys(UPSTREAM_ONLY_HEADERS)) assert.ok(!(name in res.headers), `${name} is not passed on`);
  });

  test('SSE passes through byte for byte, each event as it arrives', async () => {
    mock.respond((exchange, res) => sendSse(res, eventsFor(exchange.json), { paceMs: 40 }));
    const started = performance.now();
    const res = await post(gw, '/v1/messages', JSON.stringify({ model: 'sonnet', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Stream a few words to me' }] }));
    mock.respond(undefined);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    assert.deepEqual(res.bytes, sentBytes(mock.last), 'the client got exactly the bytes the upstream sent');
    assert.ok(res.arrivals.length >= mock.last.sent.length - 1, 'chunk by chunk, not buffered');
    assert.ok(res.arrivals[0]! - started < 150, `first event after ${Math.round(res.arrivals[0]! - started)} ms`);
    assert.ok(res.arrivals.at(-1)! - res.arrivals[0]! > 200, 'the pace of the upstream is kept');
    assert.match(String(res.headers['request-id']), /^req_011CMock/);
    assert.ok(!headerNames(res.headers).some((h) => h.startsWith('anthropic-ratelimit')));
  });

  test('count_tokens is forwarded with the model replaced and answered as the upstream did', async () => {
    const res = await post(gw, '/v1/messages/count_tokens', JSON.stringify({ model: 'sonnet', messages: [{ role: 'user', content: 'Hello' }] }));
    assert.equal(res.status, 200);
    assert.equal(res.bytes.toString(), '{"input_tokens":42}');
    assert.equal(mock.last.path, '/v1/messages/count_tokens');
    assert.equal(mock.last.json['model'], 'claude-sonnet-4-6');
  });

  test('consecutive requests reuse one keep-alive connection to the upstream', async () => {
    const body = JSON.stringify({ model: 'sonnet', max_tokens: 8, messages: [{ role: 'user', content: 'again' }] });
    await post(gw, '/v1/messages', body);
    const first = mock.last.remotePort;
    await post(gw, '/v1/messages', body);
    assert.equal(mock.last.remotePort, first);
  });
});

/** A Messages request to the `upstreams` resource on its own connection, for tests that cut it short. */
function rawMessagesRequest(): RequestOptions {
  return {
    host: '127.0.0.1',
    port: gw.port,
    method: 'POST',
    path: '/upstreams/anthropic/v1/messages',
    agent: false,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys('upstreams').key1 },
  };
}

describe('upstream errors and failures', () => {
  const hello = JSON.stringify({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
  const streamHello = JSON.stringify({ model: 'sonnet', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello there' }] });

  for (const [status, type, message, extra] of [
    [429, 'rate_limit_error', "This request would exceed your account's rate limit. Please try again later.", { 'retry-after': '7', 'x-should-retry': 'true' }],
    [529, 'overloaded_error', 'Overloaded', { 'retry-after': '3' }],
    [400, 'invalid_request_error', 'max_tokens: Field required', { 'x-should-retry': 'false' }],
  ] as const) {
    test(`an upstream ${status} is forwarded with its status, Anthropic body and ${Object.keys(extra).join(', ')}`, async () => {
      mock.respond((_exchange, res) => sendError(res, status, type, message, extra));
      const res = await post(gw, '/v1/messages', hello);
      mock.respond(undefined);
      assert.equal(res.status, status);
      assert.deepEqual(res.bytes, sentBytes(mock.last));
      assert.equal((JSON.parse(res.bytes.toString()) as { error: { type: string } }).error.type, type);
      for (const [name, value] of Object.entries(extra)) assert.equal(res.headers[name], value);
      assert.ok(!headerNames(res.headers).some((h) => h.startsWith('anthropic-ratelimit')));
    });
  }

  test('an upstream that is down answers 502 at once, in Anthropic shape', async () => {
    const started = performance.now();
    const res = await post(gw, '/v1/messages', hello.replace('"sonnet"', '"down"'));
    assert.ok(performance.now() - started < 1000);
    assert.equal(res.status, 502);
    const body = JSON.parse(res.bytes.toString()) as { type: string; error: { type: string; message: string }; request_id: string };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'api_error');
    assert.equal(body.error.message, "The upstream of deployment 'down' could not be reached (ECONNREFUSED).");
    assert.equal(body.request_id, res.headers['request-id']);
  });

  test('the connect timeout fires: an upstream that never completes its handshake answers 504', async () => {
    const started = performance.now();
    const res = await post(gw, '/v1/messages', hello.replace('"sonnet"', '"unanswering"'));
    const took = performance.now() - started;
    assert.equal(res.status, 504);
    assert.ok(took >= 280 && took < 1500, `after ${Math.round(took)} ms`);
    const body = JSON.parse(res.bytes.toString()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'timeout_error');
    assert.equal(body.error.message, "The upstream of deployment 'unanswering' did not accept a connection within 300 ms.");
  });

  test('the first-byte timeout fires: an upstream that never answers gets a 504', async () => {
    mock.respond(() => undefined); // never answers
    const started = performance.now();
    const res = await post(gw, '/v1/messages', hello);
    mock.respond(undefined);
    const took = performance.now() - started;
    assert.equal(res.status, 504);
    assert.ok(took >= 380 && took < 1500, `after ${Math.round(took)} ms`);
    assert.equal((JSON.parse(res.bytes.toString()) as { error: { message: string } }).error.message, "The upstream of deployment 'sonnet' sent no response within 400 ms.");
    await sleep(20);
    assert.ok(mock.last.abortedAt !== undefined, 'the upstream request was given up');
  });

  test('the between-chunks timeout fires mid-stream: the events so far, then event: error', async () => {
    mock.respond((exchange, res) => sendSse(res, eventsFor(exchange.json), { cut: { after: 3, how: 'stall' } }));
    const res = await post(gw, '/v1/messages', streamHello);
    mock.respond(undefined);
    assert.equal(res.status, 200);
    const sent = sentBytes(mock.last);
    assert.deepEqual(res.bytes.subarray(0, sent.length), sent, 'every complete event was passed on unchanged');
    const events = parseSse(res.bytes.toString()) as Array<{ event: string; data: { error?: { type: string; message: string } } }>;
    assert.deepEqual(events.map((e) => e.event), ['message_start', 'content_block_start', 'ping', 'error']);
    assert.equal(events.at(-1)!.data.error!.type, 'timeout_error');
    assert.equal(events.at(-1)!.data.error!.message, "The upstream of deployment 'sonnet' sent nothing for 300 ms in the middle of its reply.");
  });

  test('a connection dropped mid-stream ends the stream with event: error, never message_stop', async () => {
    mock.respond((exchange, res) => sendSse(res, eventsFor(exchange.json), { cut: { after: 4, how: 'drop' } }));
    const res = await post(gw, '/v1/messages', streamHello);
    mock.respond(undefined);
    const events = parseSse(res.bytes.toString()) as Array<{ event: string; data: { error?: { type: string } } }>;
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal(events.at(-1)!.data.error!.type, 'api_error');
    assert.ok(!events.some((e) => e.event === 'message_stop'));
    assert.equal(events.length, 5);
  });

  test('an event cut in half is never passed on: the stream ends at the last whole event', async () => {
    mock.respond(async (_exchange, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}\n\nevent: content_block_start\ndata: {"type":"content_bl');
      await sleep(20);
      res.socket?.destroy();
    });
    const res = await post(gw, '/v1/messages', streamHello);
    mock.respond(undefined);
    const text = res.bytes.toString();
    assert.ok(!text.includes('content_bl'), 'the half event is dropped');
    assert.deepEqual((parseSse(text) as Array<{ event: string }>).map((e) => e.event), ['message_start', 'error']);
  });

  test('a client that disconnects mid-stream is seen by the upstream as an abort within 100 ms', async () => {
    mock.respond((exchange, res) => sendSse(res, eventsFor(exchange.json), { paceMs: 150 }));
    const before = mock.exchanges.length;
    const leftAt = await new Promise<number>((resolve, reject) => {
      const req = request(
        rawMessagesRequest(),
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve(performance.now());
          });
        },
      );
      req.on('error', () => undefined);
      req.end(streamHello);
      setTimeout(() => reject(new Error('no data')), 2000);
    });
    for (let i = 0; i < 50 && mock.exchanges[before]?.abortedAt === undefined; i++) await sleep(5);
    mock.respond(undefined);
    const abortedAt = mock.exchanges[before]!.abortedAt;
    assert.ok(abortedAt !== undefined, 'the upstream saw the abort');
    assert.ok(abortedAt - leftAt < 100, `${Math.round(abortedAt - leftAt)} ms after the client left`);
  });
});

test('a client that disconnects before the upstream answers is seen by the upstream as an abort within 100 ms', async () => {
  mock.respond(() => undefined); // thinking, no answer yet
  const before = mock.exchanges.length;
  const req = request(rawMessagesRequest());
  req.on('error', () => undefined);
  req.end(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }));
  for (let i = 0; i < 100 && mock.exchanges.length === before; i++) await sleep(5);
  await sleep(20);
  const leftAt = performance.now();
  req.destroy();
  for (let i = 0; i < 50 && mock.exchanges[before]?.abortedAt === undefined; i++) await sleep(5);
  mock.respond(undefined);
  const abortedAt = mock.exchanges[before]?.abortedAt;
  assert.ok(abortedAt !== undefined, 'the upstream saw the abort');
  assert.ok(abortedAt - leftAt < 100, `${Math.round(abortedAt - leftAt)} ms after the client left`);
});

describe('foundry upstreams', () => {
  test('a Foundry resource is called at {base}/anthropic/v1/messages with its key in x-api-key', async () => {
    const res = await post(gw, '/v1/messages', JSON.stringify({ model: 'foundry-key', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(res.status, 200);
    assert.equal(mock.last.path, '/anthropic/v1/messages');
    assert.equal(mock.last.headers['x-api-key'], FOUNDRY_KEY);
    assert.equal(mock.last.headers['authorization'], undefined);
    assert.equal(mock.last.json['model'], 'claude-sonnet-4-6', 'the upstream deployment name');
  });

  test('with Entra, a Bearer token from the credential for the Cognitive Services scope, fetched once and cached', async () => {
    const before = tokenRequests.length;
    const body = JSON.stringify({ model: 'foundry-entra', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
    const answers = await Promise.all([post(gw, '/v1/messages', body), post(gw, '/v1/messages', body), post(gw, '/v1/messages', body)]);
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.equal(mock.last.headers['authorization'], `Bearer entra-token-${before + 1}`);
    assert.equal(mock.last.headers['x-api-key'], undefined);
    assert.deepEqual(tokenRequests.slice(before), ['https://cognitiveservices.azure.com/.default']);
    assert.equal(mock.last.json['model'], 'claude-opus-4-6');
  });
});
