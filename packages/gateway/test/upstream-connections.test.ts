// The upstream's connections as the gateway's client sees them, against a bare TCP server that answers
// HTTP/1.1 by hand: a keep-alive connection that dies after taking a request (before any byte of
// answer) is retried once on a new one, a fresh connection is not; repeated reply headers are folded
// as node:http folds them; a reader that stops reading pauses the upstream without tripping the
// between-chunks timeout; an HTTPS upstream is trusted as Node trusts (NODE_EXTRA_CA_CERTS), no more.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createAnthropicBackend } from '../src/backends/anthropic/index.ts';
import { testCall, testDeployment } from './simulator-helpers.ts';
import { UpstreamPool } from '../src/backends/upstream/pool.ts';
import { Secret } from '../src/config/secret.ts';
import { GatewayError } from '../src/errors/index.ts';
import { CA_FILE, TlsCertificates, tlsNames } from '../src/http/tls.ts';
import { runNodeScript } from './helpers.ts';

const REPLY = '{"type":"message","usage":{"input_tokens":1,"output_tokens":1}}';

/** What the server does with the nth request it reads (counting from 1), on the socket it came on. */
type Script = (n: number, socket: Socket) => void;

function answer(socket: Socket, extra = ''): void {
  socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${REPLY.length}\r\n${extra}\r\n${REPLY}`);
}

let server: Server;
let port = 0;
let script: Script = (_n, socket) => answer(socket);
let requests = 0;
let connections = 0;

before(async () => {
  server = createServer((socket) => {
    connections++;
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      // Each request is headers and a body of its content-length.
      for (;;) {
        const head = buffered.indexOf('\r\n\r\n');
        if (head === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, head))?.[1] ?? 0);
        if (buffered.length < head + 4 + length) return;
        buffered = buffered.slice(head + 4 + length);
        script(++requests, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(() => server.close());

/** A call to the deployment at `baseUrl`: one connection at most, so a second request goes on the first one's connection. */
function call(baseUrl = `http://127.0.0.1:${port}`, stream = false) {
  const deployment = testDeployment('claude-sonnet-4-6', {
    backend: 'anthropic',
    upstream: {
      baseUrl,
      model: 'claude-sonnet-4-6',
      auth: { kind: 'key', key: new Secret('sk-ant-test') },
      timeouts: { connectMs: 1000, firstByteMs: 1000, betweenChunksMs: 300 },
      maxConnections: 1,
    },
  });
  return testCall({ model: 'claude-sonnet-4-6', max_tokens: 8, stream, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] }, { deployment });
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('upstream connections', () => {
  for (const how of ['closed', 'reset'] as const) {
    test(`a reused connection ${how} after taking the request, before any answer, is retried once on a new connection`, async () => {
      const pool = new UpstreamPool();
      const backend = createAnthropicBackend(pool);
      requests = 0;
      connections = 0;
      script = (_n, socket) => answer(socket);
      assert.equal(await text((await backend.messages(call())).body), REPLY);
      script = (n, socket) => {
        if (n === 2) {
          if (how === 'closed') socket.end();
          else socket.resetAndDestroy();
        } else answer(socket);
      };
      const reply = await backend.messages(call());
      assert.equal(reply.status, 200);
      assert.equal(await text(reply.body), REPLY);
      assert.deepEqual({ requests, connections }, { requests: 3, connections: 2 });
      await pool.close();
    });
  }

  test('a fresh connection that dies before answering is not retried: 502', async () => {
    const pool = new UpstreamPool();
    requests = 0;
    connections = 0;
    script = (_n, socket) => socket.end();
    const err = await createAnthropicBackend(pool)
      .messages(call())
      .catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 502);
    assert.equal(err.message, "The upstream of deployment 'claude-sonnet-4-6' could not be reached (ECONNRESET).");
    assert.deepEqual({ requests, connections }, { requests: 1, connections: 1 });
    await pool.close();
  });

  test('repeated reply headers: the first content-type, retry-after and content-length; others joined with commas', async () => {
    const pool = new UpstreamPool();
    script = (_n, socket) => answer(socket, 'content-type: text/plain\r\nretry-after: 3\r\nretry-after: 9\r\nx-should-retry: true\r\nx-should-retry: false\r\n');
    const reply = await createAnthropicBackend(pool).messages(call());
    await text(reply.body);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.equal(reply.headers['retry-after'], '3');
    assert.equal(reply.headers['x-should-retry'], 'true, false');
    assert.equal(reply.headers['content-length'], String(REPLY.length));
    await pool.close();
  });

  test('a client that stops reading pauses the upstream, and its pause is not upstream silence', async () => {
    const pool = new UpstreamPool();
    const event = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${'x'.repeat(1000)}"}}\n\n`;
    const events = 4000; // 4 MB, sent as fast as the connection takes it
    let upstreamDone = 0;
    script = (_n, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nevent: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":1,"output_tokens":1}}}\n\n');
      for (let i = 0; i < events; i++) socket.write(event);
      socket.end('event: message_stop\ndata: {"type":"message_stop"}\n\n', () => (upstreamDone = performance.now()));
    };
    // A client that takes the first chunk, then reads nothing for 1.5 s (5 times the between-chunks timeout).
    let received = 0;
    let stalledUntil = 0;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (stalledUntil > 0) done();
        else {
          stalledUntil = performance.now() + 1500;
          setTimeout(done, 1500);
        }
      },
    });
    const reply = await createAnthropicBackend(pool).messages(call(`http://127.0.0.1:${port}`, true));
    assert.equal(reply.stream, true);
    await reply.body.pipeTo!(out, new AbortController().signal);
    await new Promise((resolve) => out.end(resolve));
    assert.ok(received > events * event.length, `all of it arrived in the end (${received} bytes)`);
    assert.ok(upstreamDone >= stalledUntil - 50, `the upstream could not finish sending before the client read again (${Math.round(stalledUntil - upstreamDone)} ms early)`);
    await pool.close();
  });
});

describe('an HTTPS upstream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-upstream-tls-'));
  const https = createHttpsServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(REPLY.length) });
    res.end(REPLY);
  });
  let url = '';
  before(async () => {
    const tls = await TlsCertificates.open(dir, tlsNames([], [], '127.0.0.1'));
    https.setSecureContext({ key: tls.key, cert: tls.cert });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(https.address() as { port: number }).port}`;
  });
  after(() => {
    https.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('signed by a CA that Node does not trust: refused with a 502 naming the TLS error', async () => {
    const pool = new UpstreamPool();
    const err = await createAnthropicBackend(pool)
      .messages(call(url))
      .catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 502);
    assert.equal(err.message, "The upstream of deployment 'claude-sonnet-4-6' could not be reached (UNABLE_TO_VERIFY_LEAF_SIGNATURE).");
    await pool.close();
  });

  test('trusted through NODE_EXTRA_CA_CERTS, in a fresh process: answered', async () => {
    // NODE_EXTRA_CA_CERTS is read once at process start, so the backend runs in a child process.
    const src = (path: string) => JSON.stringify(new URL(`../src/${path}`, import.meta.url).href);
    const script = `import { createAnthropicBackend } from ${src('backends/anthropic/index.ts')};
import { testCall, testDeployment } from ${JSON.stringify(new URL('./simulator-helpers.ts', import.meta.url).href)};
import { UpstreamPool } from ${src('backends/upstream/pool.ts')};
const pool = new UpstreamPool();
const upstream = { baseUrl: process.argv[1], model: 'm', auth: { kind: 'key', key: { reveal: () => 'k' } }, timeouts: { connectMs: 5000, firstByteMs: 5000, betweenChunksMs: 5000 }, maxConnections: 1 };
const deployment = testDeployment('claude-sonnet-4-6', { backend: 'anthropic', upstream });
const reply = await createAnthropicBackend(pool).messages(testCall({ model: 'claude-sonnet-4-6', max_tokens: 8, stream: false, messages: [{ role: 'user', content: 'Hi' }] }, { deployment }));
let body = '';
for await (const chunk of reply.body) body += Buffer.from(chunk).toString();
process.stdout.write(reply.status + ' ' + body);
await pool.close();
`;
    const { code, out, errors } = await runNodeScript(script, [url], { NODE_EXTRA_CA_CERTS: join(dir, CA_FILE) });
    assert.equal(code, 0, errors);
    assert.equal(out, `200 ${REPLY}`);
  });
});
