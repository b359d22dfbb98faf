// Connections held to account (issue 13, items 5 and 6), through raw sockets: slow headers and bodies get
// 408 and a close, a trickle is cut off while a slow but steady body is served, idle keep-alive
// connections close, one address cannot hold more than its cap, and a refused body is read and
// discarded so the client sees its 413 rather than a reset.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/index.ts';
import { HELLO, startTestGateway, type TestGateway } from './helpers.ts';
import { assertCatalogued, exchange, hasResponses, messagesHead, messagesRequest, parseResponses } from './socket-helpers.ts';

const BODY = JSON.stringify(HELLO);

function metric(gw: TestGateway, name: string): number {
  const line = gw.telemetry.metricsText().split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

test('the connections settings: defaults, and a clear error for an unknown key or a bad value', () => {
  assert.deepEqual(loadConfig({ env: {} }).connections, { headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, bodyMinBytes: 1024, keepAliveTimeoutMs: 65_000, maxPerAddress: 1024, discardMs: 5000 });
  assert.throws(() => loadConfig({ env: {}, overrides: { connections: { maxPerAdress: 5 } } }), /connections\.maxPerAdress is not a setting; did you mean "maxPerAddress"\?/);
  assert.throws(() => loadConfig({ env: {}, overrides: { connections: { bodyTimeoutMs: 0 } } }), /connections\.bodyTimeoutMs must be a number from 10 to 3600000/);
  assert.throws(() => loadConfig({ env: {}, overrides: { connections: 'fast' } }), /connections must be an object/);
});

describe('timeouts (small values: 300 ms windows of at least 64 bytes)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ connections: { headersTimeoutMs: 300, bodyTimeoutMs: 300, bodyMinBytes: 64, keepAliveTimeoutMs: 300, discardMs: 300 } });
  });
  after(() => gw.close());

  test('half a body, then silence: 408 RequestTimeout with both ids, and the connection is closed', async () => {
    const out = await exchange(gw, (s) => s.write(messagesHead(gw, BODY.length) + BODY.slice(0, 20)));
    assert.ok(out.closed, 'closed by the gateway');
    assert.ok(out.ms < 3000, `closed after ${Math.round(out.ms)} ms`);
    const [answer, ...more] = parseResponses(out.text);
    assertCatalogued(answer, 408, 'RequestTimeout', /less than 64 bytes in 0.3 s/);
    assert.equal(more.length, 0);
    assert.equal(metric(gw, 'claude_foundry_request_body_timeouts_total'), 1);
  });

  test('a body trickled at one byte per 50 ms is cut off while the client is still sending', async () => {
    let sent = 0;
    const out = await exchange(gw, (s) => {
      s.write(messagesHead(gw, BODY.length));
      const timer = setInterval(() => {
        if (s.destroyed || sent >= BODY.length) return clearInterval(timer);
        s.write(BODY[sent++]!);
      }, 50);
      s.once('close', () => clearInterval(timer));
    });
    assert.ok(out.closed);
    assert.ok(sent < BODY.length, `cut off after ${sent} of ${BODY.length} bytes`);
    assertCatalogued(parseResponses(out.text)[0], 408, 'RequestTimeout', /arrived too slowly/);
  });

  test('a slow but steady body (100 bytes per 100 ms, over several windows) is served', async () => {
    const padded = JSON.stringify({ ...HELLO, system: 'Be brief. '.repeat(90) });
    const out = await exchange(
      gw,
      (s) => {
        s.write(messagesHead(gw, padded.length));
        let at = 0;
        const timer = setInterval(() => {
          if (s.destroyed || at >= padded.length) return clearInterval(timer);
          s.write(padded.slice(at, (at += 100)));
        }, 100);
      },
      { until: hasResponses(1) },
    );
    assert.equal(parseResponses(out.text)[0]?.status, 200, out.text.slice(0, 300));
  });

  test('incomplete headers, or none at all, get 408 and a close', async () => {
    for (const bytes of [`POST /claude-local/anthropic/v1/messages HTTP/1.1\r\nhost: localhost\r\n`, '']) {
      const out = await exchange(gw, (s) => bytes && s.write(bytes));
      assert.ok(out.closed && out.ms < 3000, `closed after ${Math.round(out.ms)} ms`);
      assertCatalogued(parseResponses(out.text)[0], 408, 'RequestTimeout', /headers were not complete within 0.3 s/);
    }
    assert.ok(metric(gw, 'claude_foundry_request_headers_timeouts_total') >= 2);
  });

  test('a connection to the HTTPS listener that never starts its handshake is closed', async () => {
    const out = await new Promise<{ closed: boolean; ms: number }>((resolve) => {
      const start = performance.now();
      const socket = connect(gw.httpsPort, '127.0.0.1');
      const timer = setTimeout(() => resolve({ closed: false, ms: performance.now() - start }), 5000);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ closed: true, ms: performance.now() - start });
      });
    });
    assert.ok(out.closed, 'closed by the gateway');
    assert.ok(out.ms < 3000, `after ${Math.round(out.ms)} ms`);
  });

  test('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const out = await exchange(gw, (s) => s.write(messagesRequest(gw, BODY)));
    assert.equal(parseResponses(out.text)[0]?.status, 200);
    assert.ok(out.closed && out.ms < 3000, `closed while idle, after ${Math.round(out.ms)} ms`);
  });

  test('a body declared larger than the limit: 413 at once, then the connection is closed once discarding takes longer than discardMs', async () => {
    const out = await exchange(gw, (s) => s.write(messagesHead(gw, 40 * 1024 * 1024) + '{"model":'));
    assert.ok(out.closed && out.ms < 3000, `closed after ${Math.round(out.ms)} ms`);
    assertCatalogued(parseResponses(out.text)[0], 413, 'request_too_large', /32 MB/);
    assert.ok(metric(gw, 'claude_foundry_request_body_discards_cut_total') >= 1);
  });
});

describe('bodies over the limit', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  test('a 33 MB body sent without Expect: 100-continue gets its 413, not a reset (10 times)', async () => {
    const big = Buffer.alloc(33 * 1024 * 1024, 0x20);
    big.write('{"model":"claude-sonnet-4-6","max_tokens":1,"messages":[{"role":"user","content":"x"}],"pad":"');
    big.write('"}', big.length - 2);
    const request = Buffer.concat([Buffer.from(messagesHead(gw, big.length)), big]);
    for (let i = 0; i < 10; i++) {
      const out = await writeWholeThenRead(gw, request);
      assert.equal(out.error, undefined, `try ${i}: the client could not write its body: ${out.error}`);
      assertCatalogued(parseResponses(out.text)[0], 413, 'request_too_large', /32 MB/);
    }
  });

  test('a body refused while it is read (chunked, no length declared) is drained: the client writes all 16 MB, sees its 413, and the connection serves the next request', async () => {
    const small = await startTestGateway({ maxBodyBytes: 4096 });
    try {
      const big = Buffer.alloc(16 * 1024 * 1024, 0x20);
      const head = messagesHead(small, 0).replace('content-length: 0\r\n', 'transfer-encoding: chunked\r\n');
      const request = Buffer.concat([Buffer.from(`${head}${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n0\r\n\r\n')]);
      // 16 MB is more than the sockets' buffers hold: the client can finish writing only if the gateway reads on.
      const drained = await writeWholeThenRead(small, request);
      assert.equal(drained.error, undefined, `the client could not write its body: ${drained.error}`);
      assertCatalogued(parseResponses(drained.text)[0], 413, 'request_too_large', /4096 bytes/);

      const over = JSON.stringify({ ...HELLO, system: 'Be brief. '.repeat(2000) });
      const out = await exchange(small, (s) => s.write(messagesRequest(small, over) + messagesRequest(small, BODY)), { until: hasResponses(2) });
      assert.deepEqual(parseResponses(out.text).map((r) => r.status), [413, 200]);
    } finally {
      await small.close();
    }
  });
});

describe('connections per address', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ connections: { maxPerAddress: 3 } });
  });
  after(() => gw.close());

  test('the connection past the cap gets 429 TooManyConnections with both ids; once one closes, a new one is served', async () => {
    const held = await Promise.all([0, 1, 2].map(() => openIdle(gw)));
    await waitFor(() => metric(gw, 'claude_foundry_connections_open') >= 3);
    const out = await exchange(gw, (s) => s.write(messagesRequest(gw, BODY)));
    assert.ok(out.closed, 'the refused connection is closed');
    assert.equal(out.error, undefined, 'without a reset');
    const refused = parseResponses(out.text)[0];
    assertCatalogued(refused, 429, 'TooManyConnections', /already holds 3 open connections/);
    assert.equal(refused!.headers['retry-after'], '1');
    assert.equal(metric(gw, 'claude_foundry_connections_refused_total'), 1);

    const tls = await exchange(gw, (s) => s.write(messagesRequest(gw, BODY)), { tls: { ca: gw.identity.caPem } });
    assertCatalogued(parseResponses(tls.text)[0], 429, 'TooManyConnections', /already holds 3/);

    assert.ok(held.every((s) => !s.destroyed), 'the held connections are untouched');
    held[0]!.destroy();
    await waitFor(() => metric(gw, 'claude_foundry_connections_open') <= 2);
    const served = await exchange(gw, (s) => s.write(messagesRequest(gw, BODY)), { until: hasResponses(1) });
    assert.equal(parseResponses(served.text)[0]?.status, 200);
    for (const s of held) s.destroy();
  });
});

describe('requests whose bodies are arriving (the sweep every second)', () => {
  let gw: TestGateway;
  before(async () => {
    // bodyTimeoutMs and discardMs of 10 s and more: the sweep runs once a second.
    gw = await startTestGateway({ connections: { bodyTimeoutMs: 30_000, discardMs: 10_000 } });
  });
  after(() => gw.close());

  test('a request is held while its body arrives and let go when the body ends, not at the next sweep', async () => {
    const socket = await openIdle(gw);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.write(messagesHead(gw, BODY.length) + BODY.slice(0, 20));
    await waitFor(() => metric(gw, 'claude_foundry_request_bodies_arriving') === 1);
    socket.write(BODY.slice(20));
    await waitFor(() => hasResponses(1)(text));
    assert.equal(parseResponses(text)[0]?.status, 200);
    // Once answered, nothing holds the request (a finished request kept to the next sweep kept all it reaches alive).
    assert.equal(metric(gw, 'claude_foundry_request_bodies_arriving'), 0);
    socket.destroy();
  });
});

/** As most clients do: the whole request is written first, then the answer is read (a reset while writing loses it). */
function writeWholeThenRead(gw: TestGateway, request: Buffer): Promise<{ text: string; error: string | undefined }> {
  return new Promise((resolve) => {
    let text = '';
    let written = false;
    const socket = connect(gw.port, '127.0.0.1', () => {
      socket.write(request, (err) => {
        if (err) return;
        written = true;
        if (hasResponses(1)(text)) done(undefined);
      });
    });
    const timer = setTimeout(() => done('timeout'), 20_000);
    const done = (error: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, error });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (written && hasResponses(1)(text)) done(undefined);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.on('close', () => done(written ? undefined : 'closed before the body was written'));
  });
}

function openIdle(gw: TestGateway): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'condition reached');
}
