// Bad input over raw HTTP: each gets a clean 4xx with a JSON body that says what was wrong,
// and the gateway goes on serving the next, normal request.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { HELLO, messages, raw, REQUEST_ID, startTestGateway, type RawResponse, type TestGateway } from './helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());
afterEach(async () => {
  const res = await messages(gw);
  assert.equal(res.status, 200, 'the gateway still serves a normal request afterwards');
});

function assertAnthropicError(res: RawResponse, status: number, type: string, message: RegExp): void {
  assert.equal(res.status, status, res.text);
  const body = res.json() as { type: string; error: { type: string; message: string }; request_id: string };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, type);
  assert.match(body.error.message, message);
  assert.equal(body.request_id, res.headers['request-id']);
  assert.match(body.request_id, REQUEST_ID);
}

const headers = () => ({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1 });
const post = (body: string | Buffer, extra: Record<string, string> = {}) =>
  raw(gw, { path: '/claude-local/anthropic/v1/messages', headers: { ...headers(), ...extra }, body });

test('malformed JSON answers 400 invalid_request_error saying the body is not valid JSON', async () => {
  assertAnthropicError(await post('{"model": "claude-sonnet-4-6",'), 400, 'invalid_request_error', /not valid JSON/);
});

test('a body that is not an object answers 400', async () => {
  assertAnthropicError(await post('[1,2,3]'), 400, 'invalid_request_error', /object/);
  assertAnthropicError(await post('"hello"'), 400, 'invalid_request_error', /object/);
});

test('an empty body answers 400', async () => {
  assertAnthropicError(await post(''), 400, 'invalid_request_error', /empty/);
});

test('a wrong or missing content type answers 400 naming application/json', async () => {
  assertAnthropicError(await post(JSON.stringify(HELLO), { 'content-type': 'text/plain' }), 400, 'invalid_request_error', /Content-Type: application\/json/);
  const res = await raw(gw, { path: '/claude-local/anthropic/v1/messages', headers: { 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1 }, body: JSON.stringify(HELLO) });
  assertAnthropicError(res, 400, 'invalid_request_error', /Missing Content-Type/);
});

test('a missing or non-string model answers 400 naming the model parameter', async () => {
  const { model: _, ...noModel } = HELLO;
  assertAnthropicError(await post(JSON.stringify(noModel)), 400, 'invalid_request_error', /^model: /);
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, model: 42 })), 400, 'invalid_request_error', /^model: /);
});

test('a missing anthropic-version header answers 400', async () => {
  const { 'anthropic-version': _, ...rest } = headers();
  const res = await raw(gw, { path: '/claude-local/anthropic/v1/messages', headers: rest, body: JSON.stringify(HELLO) });
  assertAnthropicError(res, 400, 'invalid_request_error', /anthropic-version: header is required/);
  assertAnthropicError(await post(JSON.stringify(HELLO), { 'anthropic-version': '2099-01-01' }), 400, 'invalid_request_error', /2023-06-01, 2026-10-21/);
});

test('a body over 32 MB answers 413 request_too_large', async () => {
  const big = Buffer.alloc(33 * 1024 * 1024, 0x20);
  big.write('{"model":"claude-sonnet-4-6","max_tokens":1,"messages":[{"role":"user","content":"x"}],"pad":"');
  big.write('"}', big.length - 2);
  assertAnthropicError(await post(big), 413, 'request_too_large', /32 MB/);
});

test('a body declaring more than 32 MB is refused before it is read', async () => {
  // The answer comes at once; the connection then stays open a while to discard the rest (connections.test.ts).
  const res = await new Promise<string>((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => {
      socket.write(
        `POST /claude-local/anthropic/v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\n` +
          `x-api-key: ${gw.keys().key1}\r\ncontent-length: ${40 * 1024 * 1024}\r\n\r\n{"model":`,
      );
    });
    let text = '';
    socket.on('data', (c) => {
      text += c.toString();
      if (text.endsWith('}')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(res, /^HTTP\/1\.1 413/);
  assert.match(res, /"type":"request_too_large"/);
});

test('deeply nested JSON answers 400 without a crash', async () => {
  const deep = `{"model":"claude-sonnet-4-6","max_tokens":1,"messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  assertAnthropicError(await post(deep), 400, 'invalid_request_error', /nested/);
});

test('oversized headers answer 431 with a JSON body', async () => {
  const res = await post(JSON.stringify(HELLO), { 'x-padding': 'a'.repeat(20_000) });
  assert.equal(res.status, 431);
  assert.match(String(res.headers['apim-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'RequestHeaderFieldsTooLarge');
});

test('garbage that is not HTTP answers 400 with a JSON body', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
    let text = '';
    socket.on('data', (c) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(res, /^HTTP\/1\.1 400/);
  assert.match(res, /"code":"400"|invalid_request/);
});

test('a client that sends half a body and hangs up leaves the gateway serving', async () => {
  await new Promise<void>((resolve) => {
    const socket = connect(gw.port, '127.0.0.1', () => {
      socket.write(`POST /claude-local/anthropic/v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\nx-api-key: ${gw.keys().key1}\r\ncontent-length: 1000\r\n\r\n{"mo`);
      setTimeout(() => socket.destroy(), 20);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
});

test('invalid messages answer 400 with the real API\'s message', async () => {
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, messages: [] })), 400, 'invalid_request_error', /at least one message is required/);
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, max_tokens: -1 })), 400, 'invalid_request_error', /^max_tokens/);
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, max_tokens: 1_000_000 })), 400, 'invalid_request_error', /maximum allowed number of output tokens/);
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, bogus: 1 })), 400, 'invalid_request_error', /bogus: Extra inputs are not permitted/);
});

test('2026-10-21 refuses temperature, as the new API version does', async () => {
  assertAnthropicError(await post(JSON.stringify({ ...HELLO, temperature: 0.5 }), { 'anthropic-version': '2026-10-21' }), 400, 'invalid_request_error', /temperature: Extra inputs are not permitted/);
  assert.equal((await post(JSON.stringify({ ...HELLO, temperature: 0.5 }))).status, 200);
});
