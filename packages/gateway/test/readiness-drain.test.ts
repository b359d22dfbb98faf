// /healthz, /readyz and its checks, and the graceful drain: streams in flight finish, a request arriving on a busy
// keep-alive connection is answered and the connection closed, new connections are refused, the bound cuts the rest.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { connectOutcome, parseResponses } from './socket-helpers.ts';

/** A simulator deployment that streams slowly: about 40 tokens a second after 100 ms. */
const SLOW = { name: 'slow', model: 'claude-haiku-4-5', simulator: { ttftMs: 100, tokensPerSecond: 40 } };
const RESOURCES = [{ name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-5' }, SLOW] }];

function streamRequest(gw: TestGateway, maxTokens: number, extra = ''): string {
  const body = JSON.stringify({ model: 'slow', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: 'Write a long story about a lighthouse keeper.' }] });
  return (
    `POST /claude-local/anthropic/v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\n` +
    `x-api-key: ${gw.keys().key1}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}

/** A raw connection that collects everything the gateway sends until it closes the connection. */
function openSocket(gw: TestGateway): { socket: Socket; received: () => string; closed: Promise<void>; firstBytes: Promise<void> } {
  const socket = connect(gw.port, '127.0.0.1');
  let text = '';
  let first!: () => void;
  const firstBytes = new Promise<void>((resolve) => (first = resolve));
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    if (text.includes('event: message_start')) first();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  return { socket, received: () => text, closed, firstBytes };
}


describe('health and readiness', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ resources: RESOURCES });
  });
  after(() => gw.close());

  test('/healthz answers 200 without credentials, naming the process that answered', async () => {
    const res = await raw(gw, { method: 'GET', path: '/healthz' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: 'ok', pid: process.pid });
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('/readyz answers 200 when the store answers, listing each check', async () => {
    const res = await raw(gw, { method: 'GET', path: '/readyz' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: 'ready', checks: { store: 'ok' } });
  });

  test('a failing check makes /readyz 503 and says which one and why; a check that hangs is timed out', async () => {
    let redisUp = false;
    gw.readiness.add('redis', async () => {
      if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    });
    gw.readiness.add('slow-dependency', () => new Promise(() => {}), 100);
    const res = await raw(gw, { method: 'GET', path: '/readyz' });
    assert.equal(res.status, 503);
    assert.deepEqual(res.json(), {
      status: 'not ready',
      checks: { store: 'ok', redis: 'failed: connect ECONNREFUSED 127.0.0.1:6379', 'slow-dependency': 'no answer within 100 ms' },
    });
    redisUp = true;
    assert.equal((await gw.readiness.check()).checks['redis'], 'ok');
    assert.throws(() => gw.readiness.add('redis', async () => {}), /named 'redis' is registered already/);
  });

  test('/readyz refuses methods other than GET and HEAD with 405', async () => {
    const res = await raw(gw, { method: 'POST', path: '/readyz' });
    assert.equal(res.status, 405);
    assert.equal(res.headers['allow'], 'GET, HEAD');
  });
});

describe('graceful drain', () => {
  test('a stream in flight finishes with message_stop, a request on its connection gets 503 draining and Connection: close, new connections are refused', async () => {
    const gw = await startTestGateway({ resources: RESOURCES });
    try {
      const { socket, received, closed, firstBytes } = openSocket(gw);
      // About 1 s of streaming at 40 tokens a second.
      socket.write(streamRequest(gw, 40));
      await firstBytes;
      const drained = gw.drain(10_000);
      assert.equal((await gw.readiness.check()).status, 'draining');
      // Pipelined behind the stream on the same keep-alive connection, sent after the drain began.
      socket.write('GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      assert.equal(await connectOutcome(gw.port), 'ECONNREFUSED');
      await closed;
      // The stream is chunked: it ends with the zero-length chunk, then the pipelined answer follows.
      const text = received();
      const end = text.indexOf('\r\n0\r\n\r\n');
      assert.ok(end > 0, 'the stream ended with its last chunk');
      const stream = text.slice(0, end);
      assert.match(stream, /^HTTP\/1\.1 200 /);
      assert.match(stream, /event: message_stop/);
      const [readyz] = parseResponses(text.slice(end + 7));
      assert.equal(readyz?.status, 503);
      assert.equal(readyz?.headers['connection'], 'close');
      assert.deepEqual(JSON.parse(readyz!.body), { status: 'draining', checks: { store: 'ok' } });
      assert.deepEqual(await drained, { cut: 0 });
    } finally {
      await gw.close();
    }
  });

  test('at the drain bound, a stream still running is cut (no message_stop) and counted', async () => {
    const gw = await startTestGateway({ resources: RESOURCES });
    try {
      const { socket, received, closed, firstBytes } = openSocket(gw);
      // About 50 s at 40 tokens a second: far past the bound.
      socket.write(streamRequest(gw, 2000));
      await firstBytes;
      const started = Date.now();
      const outcome = await gw.drain(300);
      await closed;
      assert.ok(Date.now() - started < 5000, 'the drain ended near its bound');
      assert.deepEqual(outcome, { cut: 1 });
      assert.doesNotMatch(received(), /message_stop/);
    } finally {
      await gw.close();
    }
  });

  test('idle keep-alive connections are closed at once; drain and close may both be called', async () => {
    const gw = await startTestGateway({ resources: RESOURCES });
    const { socket, closed } = openSocket(gw);
    socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    const started = Date.now();
    const drained = gw.drain(10_000);
    await closed;
    assert.deepEqual(await drained, { cut: 0 });
    assert.ok(Date.now() - started < 2000, 'an idle connection does not hold the drain');
    await gw.close();
  });
});
