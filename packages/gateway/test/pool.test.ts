// A pool deployment end to end, with the official Foundry SDK as the client and local mock upstreams
// standing in for Foundry resources and the Anthropic API: failover within one request (529, 500, 429
// with retry-after, a reset, a hang), a member resting for its retry-after, 429 with the pool's
// shortest retry-after when no member can take a request, no retry once a stream's first byte left,
// cache affinity keeping a conversation on one member, and what the request log and /metrics show.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { startUpstreamGateway, type UpstreamTestGateway } from './fixtures/gateway.ts';
import { eventsFor, MockUpstream, sendError, sendSse } from './fixtures/mock-upstream.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const KEY = 'sk-ant-api03-pool-test-key-0000000000';
let a: MockUpstream;
let b: MockUpstream;
let c: MockUpstream;
let gw: UpstreamTestGateway;
let client: AnthropicFoundry;
let token: string;

before(async () => {
  [a, b, c] = await Promise.all([MockUpstream.start(), MockUpstream.start(), MockUpstream.start()]);
  const timeouts = { connectMs: 500, firstByteMs: 400, betweenChunksMs: 2_000 };
  const member = (name: string, mock: MockUpstream, extra: object = {}) => ({ name, backend: 'anthropic', baseUrl: mock.url, apiKey: KEY, timeouts, ...extra });
  gw = await startUpstreamGateway({
    resources: [
      {
        name: 'pooled',
        deployments: [
          // Ordered by priority, so that each test knows which member is tried first.
          { name: 'ordered', model: 'claude-sonnet-4-6', upstreams: [member('a', a), member('b', b, { priority: 1 }), { ...member('c', c, { priority: 2 }), backend: 'foundry', baseUrl: `${c.url}/anthropic` }], pool: { breaker: { minRequests: 1000 } } },
          { name: 'spread', model: 'claude-sonnet-4-6', upstreams: [member('a', a), member('b', b), member('c', c)] },
          { name: 'fragile', model: 'claude-sonnet-4-6', upstreams: [member('a', a), member('b', b, { priority: 1 })], pool: { breaker: { minRequests: 2, failureRatio: 0.5, openMs: 300 } } },
          { name: 'two', model: 'claude-sonnet-4-6', upstreams: [member('a', a), member('b', b, { priority: 1 })], pool: { maxAttempts: 2 } },
          { name: 'budgeted', model: 'claude-sonnet-4-6', upstreams: [member('a', a, { rateLimits: { rpm: 2 } }), member('b', b, { priority: 1 })] },
          { name: 'spent', model: 'claude-sonnet-4-6', upstreams: [member('a', a, { rateLimits: { rpm: 2 } }), member('b', b, { rateLimits: { rpm: 3, otpm: 100_000 } })] },
        ],
      },
    ],
  });
  client = new AnthropicFoundry({ apiKey: gw.keys('pooled').key1, baseURL: gw.baseURL('pooled'), maxRetries: 0 });
  token = await managementToken(gw);
});
after(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), c.close()]);
});
beforeEach(() => {
  for (const mock of [a, b, c]) {
    mock.respond(undefined);
    mock.exchanges.length = 0;
  }
});

const ask = (model: string, text = 'hello', extra: object = {}) =>
  client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: text }], ...extra }).withResponse();

describe('failover before the first byte', () => {
  test('529 from the first member: the second serves the same request; the log names it and both attempts', async () => {
    a.respond((_e, res) => sendError(res, 529, 'overloaded_error', 'Overloaded', { 'request-id': 'req_upstream_a_failed' }));
    const { data, response } = await ask('ordered', 'fail me over');
    assert.equal(data.content[0]!.type, 'text');
    assert.deepEqual([a.exchanges.length, b.exchanges.length, c.exchanges.length], [1, 1, 0]);
    assert.equal(b.last.body.toString(), a.last.body.toString(), 'the same bytes went to both');
    assert.equal(b.last.headers['x-api-key'], KEY);
    const requestId = response.headers.get('request-id')!;
    assert.notEqual(requestId, 'req_upstream_a_failed', 'nothing of the failed attempt reaches the caller');
    const record = await loggedRecord(gw, token, requestId);
    assert.equal(record.upstream, 'b');
    assert.equal(record.attempts, 'a 529, b 200');
    assert.equal(record.status, 200);
    assert.equal(record.apimRequestId, response.headers.get('apim-request-id'), "the correlation ids are the gateway's");
  });

  test('500, a reset connection and a hang each move the request on; the third member (a foundry upstream) serves', async () => {
    a.respond((_e, res) => sendError(res, 500, 'api_error', 'Internal server error'));
    b.respond((_e, res) => {
      res.socket?.destroy();
    });
    const { data, response } = await ask('ordered');
    assert.equal(data.type, 'message');
    assert.equal(c.exchanges.length, 1);
    assert.equal(c.last.path, '/anthropic/v1/messages');
    const record = await loggedRecord(gw, token, response.headers.get('request-id')!);
    assert.equal(record.attempts, 'a 500, b 502, c 200');

    a.respond(() => new Promise(() => undefined)); // never answers: firstByteMs (400 ms) runs out
    b.respond(undefined);
    const started = performance.now();
    const second = await ask('ordered');
    assert.equal(second.data.type, 'message');
    assert.ok(performance.now() - started < 3_000);
    assert.equal((await loggedRecord(gw, token, second.response.headers.get('request-id')!)).attempts, 'a 504, b 200');
  });

  test('a 400 is the answer, not a failure: it is not retried elsewhere', async () => {
    a.respond((_e, res) => sendError(res, 400, 'invalid_request_error', 'messages: bad'));
    await assert.rejects(ask('ordered'), (err: Error) => err instanceof AnthropicFoundry.BadRequestError);
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 0]);
  });

  test("429 with retry-after takes a member out of rotation for that long; when no member can take a request, 429 with the pool's shortest wait", async () => {
    a.respond((_e, res) => sendError(res, 429, 'rate_limit_error', 'Slow down', { 'retry-after': '30' }));
    await ask('two', 'first');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 1]);
    await ask('two', 'second');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 2], 'a rests: the second request goes straight to b');

    b.respond((_e, res) => sendError(res, 429, 'rate_limit_error', 'Slow down', { 'retry-after': '4' }));
    await assert.rejects(ask('two', 'third'), (err: InstanceType<typeof AnthropicFoundry.RateLimitError>) => {
      assert.ok(err instanceof AnthropicFoundry.RateLimitError);
      assert.equal(err.headers.get('retry-after'), '4', 'the shortest wait of the pool (b: 4 s, a: about 30 s)');
      assert.match(err.message, /Every upstream of deployment 'two'/);
      return true;
    });
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 3]);
    // Now both rest: refused at once, without a request upstream.
    await assert.rejects(ask('two', 'fourth'), (err: Error) => err instanceof AnthropicFoundry.RateLimitError);
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 3]);
  });
});

describe("members' own budgets", () => {
  test('a member whose RPM is spent is passed by, not failed: the third request goes to the other member', async () => {
    const served: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const { response } = await ask('budgeted', text);
      served.push((await loggedRecord(gw, token, response.headers.get('request-id')!)).upstream as string);
    }
    assert.deepEqual(served, ['a', 'a', 'b']);
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [2, 1]);
    const record = await loggedRecord(gw, token, (await ask('budgeted', 'four')).response.headers.get('request-id')!);
    assert.equal(record.attempts, 'b 200', 'a skipped member is no attempt');
    const text = gw.telemetry.metricsText();
    const member = 'resource="pooled",deployment="budgeted",upstream="a"';
    assert.match(text, new RegExp(`^claude_foundry_pool_upstream_failures_total\\{${member}\\} 0$`, 'm'), 'no failure counted against a');
    assert.match(text, new RegExp(`^claude_foundry_pool_upstream_available\\{${member}\\} 1$`, 'm'), 'a stays in rotation: its budget refills');
  });

  test("every member's budget spent: 429 with the pool's smallest retry-after, and no request upstream", async () => {
    const started = Date.now();
    for (let i = 0; i < 5; i++) await ask('spent', `fill ${i}`);
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [2, 3]);
    await assert.rejects(ask('spent', 'one too many'), (err: InstanceType<typeof AnthropicFoundry.RateLimitError>) => {
      assert.ok(err instanceof AnthropicFoundry.RateLimitError, String(err));
      // a refills one request in 30 s (2 a minute), b in 20 s (3 a minute): the pool's smallest wait is b's.
      // Both refill while the requests run (a slow machine may take seconds over them): b's wait is 20 s less that time, a's 30 s less.
      const seconds = Number(err.headers.get('retry-after'));
      const elapsed = (Date.now() - started) / 1000;
      assert.ok(seconds <= 20 && seconds >= 19 - elapsed, `retry-after ${seconds} after ${elapsed} s`);
      assert.ok(Number(err.headers.get('retry-after-ms')) <= 20_000);
      assert.match(err.message, /out of its budget/);
      return true;
    });
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [2, 3], 'nothing was sent upstream');
  });
});

describe('circuit breaker', () => {
  test('opens after the failure ratio (no request to the member while open), then one probe; its success closes it', async () => {
    a.respond((_e, res) => sendError(res, 500, 'api_error', 'Internal server error'));
    await ask('fragile', 'one');
    await ask('fragile', 'two');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [2, 2], 'both failed over');
    await ask('fragile', 'three');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [2, 3], 'open: a is not asked');
    a.respond(undefined);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const probe = await ask('fragile', 'probe');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [3, 3], 'half-open: the probe goes to a, and succeeds');
    assert.equal((await loggedRecord(gw, token, probe.response.headers.get('request-id')!)).upstream, 'a');
    await ask('fragile', 'closed');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [4, 3], 'closed again');
  });
});

describe('streams', () => {
  test('never retried after the first byte: a stream cut midway ends with an error and no other member is asked', async () => {
    a.respond((e, res) => sendSse(res, eventsFor(e.json), { cut: { after: 3, how: 'drop' } }));
    const stream = client.messages.stream({ model: 'ordered', max_tokens: 64, messages: [{ role: 'user', content: 'stream and break' }] });
    const events: string[] = [];
    await assert.rejects(async () => {
      for await (const event of stream) events.push(event.type);
    });
    assert.ok(events.includes('message_start'), `the caller saw the start: ${events.join(', ')}`);
    assert.deepEqual([a.exchanges.length, b.exchanges.length, c.exchanges.length], [1, 0, 0]);
  });

  test('a stream whose first member fails before answering is served whole by the next', async () => {
    a.respond((_e, res) => sendError(res, 529, 'overloaded_error', 'Overloaded'));
    const message = await client.messages.stream({ model: 'ordered', max_tokens: 64, messages: [{ role: 'user', content: 'stream me' }] }).finalMessage();
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [1, 1]);
  });
});

describe('cache affinity through the gateway', () => {
  test("every turn of a conversation goes to one member; different agents spread over the pool", async () => {
    const system = [{ type: 'text' as const, text: 'You review TypeScript. '.repeat(20), cache_control: { type: 'ephemeral' as const } }];
    const turns: MessageParam[] = [];
    for (let turn = 0; turn < 6; turn++) {
      turns.push({ role: 'user', content: [{ type: 'text', text: `turn ${turn}`, cache_control: { type: 'ephemeral' } }] });
      const { data } = await client.messages.create({ model: 'spread', max_tokens: 64, system, messages: turns }).withResponse();
      turns.push({ role: 'assistant', content: data.content });
    }
    const counts = [a, b, c].map((m) => m.exchanges.length);
    assert.deepEqual(counts.filter((n) => n > 0), [6], `all six turns on one member: ${counts.join(', ')}`);

    for (const mock of [a, b, c]) mock.exchanges.length = 0;
    for (let agent = 0; agent < 30; agent++) await client.messages.create({ model: 'spread', max_tokens: 8, system: `agent ${agent}`, messages: [{ role: 'user', content: 'hi' }] });
    const spread = [a, b, c].map((m) => m.exchanges.length);
    assert.ok(spread.every((n) => n > 0), `30 agents reach every member: ${spread.join(', ')}`);
  });
});

describe('metrics', () => {
  test('/metrics shows each member: availability, served, failures, 429s, and the pool\'s failovers', async () => {
    a.respond((_e, res) => sendError(res, 529, 'overloaded_error', 'Overloaded'));
    await ask('ordered');
    const text = gw.telemetry.metricsText();
    const value = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const member = (upstream: string) => `resource="pooled",deployment="ordered",upstream="${upstream}"`;
    assert.ok(value('claude_foundry_pool_upstream_failures_total', member('a')) >= 1, text.split('\n').filter((l) => l.includes('pool')).join('\n'));
    assert.ok(value('claude_foundry_pool_upstream_served_total', member('b')) >= 1);
    assert.equal(value('claude_foundry_pool_upstream_in_flight', member('b')), 0);
    assert.ok(value('claude_foundry_pool_failovers_total', 'resource="pooled",deployment="ordered"') >= 1);
    assert.equal(value('claude_foundry_pool_upstream_throttled_total', 'resource="pooled",deployment="two",upstream="a"'), 1);
    assert.equal(value('claude_foundry_pool_upstream_available', 'resource="pooled",deployment="two",upstream="a"'), 0, 'a still rests after its 30 s retry-after');
  });
});
