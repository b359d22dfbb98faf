// What Node's parser used to answer on its own goes through the error catalogue (issue 13, items 7-9):
// malformed requests, oversized headers, Expect, a missing Host, CONNECT; a valid request followed by a
// malformed one in the same packet is answered first and logged as answered; client aborts are counted,
// not reported as unexpected errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HELLO, startTestGateway, type TestGateway } from './helpers.ts';
import { assertCatalogued, exchange, hasResponses, messagesHead, messagesRequest, parseResponses, type ParsedResponse } from './socket-helpers.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const BODY = JSON.stringify(HELLO);

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

/** The one answer to `bytes` sent on a fresh connection, which the gateway then closes. */
async function answerTo(bytes: string): Promise<ParsedResponse> {
  const out = await exchange(gw, (s) => s.write(bytes));
  assert.ok(out.closed, 'the gateway closed the connection');
  assert.equal(out.error, undefined, 'without a reset');
  const responses = parseResponses(out.text);
  assert.equal(responses.length, 1, out.text);
  return responses[0]!;
}

describe("the parser's answers", () => {
  test('a malformed request line: 400 saying what is wrong', async () => {
    assertCatalogued(await answerTo('GET /healthz HTTP/1.1 extra\r\nhost: x\r\n\r\n'), 400, 'invalid_request_error', /not valid HTTP\/1\.1 \(.+\)/);
    assertCatalogued(await answerTo('NOT HTTP AT ALL\r\n\r\n'), 400, 'invalid_request_error', /not valid HTTP\/1\.1/);
  });

  test('a malformed chunked body: 400 in the name of the request it belongs to', async () => {
    const head = messagesHead(gw, 0).replace('content-length: 0\r\n', 'transfer-encoding: chunked\r\nx-ms-client-request-id: bad-chunks\r\n');
    const r = await answerTo(`${head}5\r\n{"mod\r\nnot-a-size\r\n`);
    assertCatalogued(r, 400, 'invalid_request_error', /not valid HTTP\/1\.1/);
    assert.equal(r.headers['x-ms-client-request-id'], 'bad-chunks');
    const record = await loggedRecord(gw, await managementToken(gw), r.headers['request-id']!);
    assert.deepEqual([record.status, record.errorCode], [400, 'invalid_request']);
  });

  test('headers over 16 KB: 431 RequestHeaderFieldsTooLarge', async () => {
    assertCatalogued(await answerTo(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'RequestHeaderFieldsTooLarge', /16 KB/);
  });

  test('an Expect other than 100-continue: 417 ExpectationFailed naming it', async () => {
    const out = await exchange(gw, (s) => s.write(messagesHead(gw, BODY.length, 'expect: bogus\r\n') + BODY), { until: hasResponses(1) });
    assertCatalogued(parseResponses(out.text)[0]!, 417, 'ExpectationFailed', /'bogus' is not supported/);
  });

  test('Expect: 100-continue still works', async () => {
    const out = await exchange(gw, (s) => {
      s.write(messagesHead(gw, BODY.length, 'expect: 100-continue\r\n'));
      s.once('data', () => s.write(BODY));
    }, { until: (text) => text.includes('"type":"message"') });
    assert.match(out.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  test('an HTTP/1.1 request without Host: 400 saying Host is required, and the connection goes on; HTTP/1.0 needs none', async () => {
    const out = await exchange(gw, (s) => s.write('GET /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'), { until: hasResponses(2) });
    const [missing, next] = parseResponses(out.text);
    assertCatalogued(missing!, 400, 'invalid_request_error', /no Host header/);
    assert.equal(next?.status, 200);
    const old = await exchange(gw, (s) => s.write('GET /healthz HTTP/1.0\r\n\r\n'));
    assert.equal(parseResponses(old.text)[0]?.status, 200);
  });

  test('CONNECT: 405 MethodNotAllowed, the gateway is not a proxy', async () => {
    const r = await answerTo('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    assertCatalogued(r, 405, 'MethodNotAllowed', /CONNECT is not allowed: the gateway is not a proxy/);
    assert.ok(r.headers['allow']);
  });
});

describe('a valid request and a malformed one in the same packet', () => {
  test('the valid one is answered first, then the 400; the request log holds exactly what the client saw (10 tries)', async () => {
    const token = await managementToken(gw);
    for (let i = 0; i < 10; i++) {
      const out = await exchange(gw, (s) => s.write(messagesRequest(gw, BODY) + 'POST /claude-local/anthropic/v1/messages HTTP/1.1 junk\r\n\r\n'));
      assert.ok(out.closed);
      const [first, second, ...rest] = parseResponses(out.text);
      assert.equal(first?.status, 200, `try ${i}: ${out.text.slice(0, 200)}`);
      assert.match(first!.body, /"type":"message"/);
      assertCatalogued(second!, 400, 'invalid_request_error', /not valid HTTP\/1\.1/);
      assert.equal(rest.length, 0);
      const record = await loggedRecord(gw, token, first!.headers['request-id']!);
      assert.equal(record.status, 200);
      assert.equal(record.errorCode, null);
    }
  });
});

describe('client aborts mid-body', () => {
  test('are counted in claude_foundry_client_aborts_total and logged as client_closed, never as unexpected errors', async () => {
    const debugGw = await startTestGateway({}, { env: { CLAUDE_FOUNDRY_LOG_LEVEL: 'debug' } });
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      const before = aborts(debugGw);
      for (let i = 0; i < 20; i++) {
        await exchange(debugGw, (s) => {
          s.write(messagesHead(debugGw, BODY.length) + BODY.slice(0, 10));
          // Half of them end the connection (FIN), half reset it (RST).
          setTimeout(() => (i % 2 === 0 ? s.destroy() : s.resetAndDestroy()), 10);
        });
      }
      for (let i = 0; i < 100 && aborts(debugGw) - before < 20; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(aborts(debugGw) - before, 20);
    } finally {
      process.stderr.write = write;
      await debugGw.close();
    }
    assert.equal(lines.filter((l) => l.includes('unexpected error')).length, 0, lines.join(''));
    const debug = lines.filter((l) => l.includes('client closed the connection mid-request'));
    assert.equal(debug.length, 1, 'one debug line for 20 aborts within the interval');
    assert.match(debug[0]!, /"level":"debug"/);
  });

  test('the request log records a client that left mid-body as 499 client_closed', async () => {
    const token = await managementToken(gw);
    const out = await exchange(gw, (s) => {
      s.write(messagesHead(gw, BODY.length, 'x-ms-client-request-id: abort-me\r\n') + BODY.slice(0, 10));
      setTimeout(() => s.destroy(), 20);
    });
    assert.equal(out.text, '');
    await gw.telemetry.flush();
    const res = await fetch(`${gw.url}/monitoring/logs?from=1h`, { headers: { authorization: `Bearer ${token}` } });
    const { value } = (await res.json()) as { value: Array<{ status: number; errorCode: string | null; clientRequestId: string | null }> };
    const record = value.find((r) => r.clientRequestId === 'abort-me');
    assert.ok(record, 'the aborted request was logged');
    assert.equal(record.status, 499);
    assert.equal(record.errorCode, 'client_closed');
  });
});

function aborts(g: TestGateway): number {
  const line = g.telemetry.metricsText().split('\n').find((l) => l.startsWith('claude_foundry_client_aborts_total '));
  return Number(line?.split(' ')[1]);
}
