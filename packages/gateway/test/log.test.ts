// The logger: JSON lines with levels, the request's ids on every line a request writes, secrets censored;
// a failure while validating a token is logged for the operator; process metrics on /metrics.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { createAuthenticator } from '../src/auth/authenticate.ts';
import { GatewayError } from '../src/errors/index.ts';
import { createLogger, type Logger, logLevelFrom, setLogger } from '../src/log/index.ts';
import { HELLO, raw, startTestGateway, type TestGateway } from './helpers.ts';
import { callWithToken, LocalTenant } from './identity-helpers.ts';

/** A logger whose lines land in an array, parsed. */
function capture(level: 'info' | 'debug' = 'info'): { lines: Array<Record<string, unknown>>; text: string[]; log: Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const text: string[] = [];
  const log = createLogger({
    level,
    destination: {
      write(s: string) {
        text.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  });
  return { lines, text, log };
}

describe('redaction', () => {
  test('keys, Authorization, client secrets and tokens are censored at the top level, nested and in headers', () => {
    const { lines, text, log } = capture();
    const secret = `s3cr3t-${randomUUID()}`;
    log.warn(
      {
        key: secret, apiKey: secret, clientSecret: secret, token: secret,
        resource: { name: 'r', keys: { key1: secret, key2: secret } },
        principal: { clientId: 'c', clientSecret: secret },
        headers: { authorization: `Bearer ${secret}`, 'x-api-key': secret, 'api-key': secret, 'content-type': 'application/json' },
        req: { headers: { authorization: `Bearer ${secret}` } },
      },
      'something happened',
    );
    assert.equal(lines.length, 1);
    assert.doesNotMatch(text.join(''), new RegExp(secret), 'the secret appears nowhere in the line');
    const line = lines[0]!;
    assert.equal(line['level'], 40);
    assert.equal(line['msg'], 'something happened');
    assert.equal(line['clientSecret'], '[redacted]');
    assert.deepEqual((line['headers'] as Record<string, unknown>)['content-type'], 'application/json', 'what is not secret is kept');
    assert.equal((line['headers'] as Record<string, unknown>)['x-api-key'], '[redacted]');
  });

  test('levels: debug lines are dropped at info; CLAUDE_FOUNDRY_LOG_LEVEL picks the level and a bad one is refused', () => {
    const { lines, log } = capture('info');
    log.debug('not shown');
    log.info('shown');
    assert.deepEqual(lines.map((l) => l['msg']), ['shown']);
    assert.equal(logLevelFrom({}), 'info');
    assert.equal(logLevelFrom({ CLAUDE_FOUNDRY_LOG_LEVEL: 'DEBUG' }), 'debug');
    assert.throws(() => logLevelFrom({ CLAUDE_FOUNDRY_LOG_LEVEL: 'loud' }), /CLAUDE_FOUNDRY_LOG_LEVEL='loud' is not a log level; use one of fatal, error/);
  });
});

describe('token validation failures are logged with the request ids', () => {
  let gw: TestGateway;
  let tenant: LocalTenant;
  let captured: ReturnType<typeof capture>;
  let previous: Logger;

  before(async () => {
    tenant = await new LocalTenant().start();
    gw = await startTestGateway({ identity: { trustedTenants: [{ tenantId: tenant.tenantId, jwksUri: tenant.jwksUri }] } });
    // The tenant's key endpoint goes away before the first token arrives.
    await tenant.close();
  });
  after(() => gw.close());
  afterEach(() => setLogger(previous));

  test("the tenant's keys unreachable: 401 to the caller, a warning with its request-id and apim-request-id, no token", async () => {
    captured = capture();
    previous = setLogger(captured.log);
    const token = tenant.sign(tenant.claims(randomUUID()));
    const res = await callWithToken(gw, token);
    assert.equal(res.status, 401, res.text);
    const line = captured.lines.find((l) => l['msg'] === 'token signing keys unavailable');
    assert.ok(line, JSON.stringify(captured.lines));
    assert.equal(line['requestId'], res.headers['request-id']);
    assert.equal(line['apimRequestId'], res.headers['apim-request-id']);
    assert.match(JSON.stringify(line['err']), /fetch failed|ECONNREFUSED/);
    assert.doesNotMatch(captured.text.join(''), new RegExp(token.slice(-20)));
  });

  test('an unexpected error inside the validator: 401 invalid_token, and an error line with the ids and the stack', async () => {
    captured = capture();
    previous = setLogger(captured.log);
    // Nothing real throws unexpectedly on demand: a validator that does stands in for a bug.
    const authenticate = createAuthenticator({
      control: gw.control,
      directory: gw.identity.directory,
      validator: { validate: () => Promise.reject(new TypeError('boom in validation')) },
    });
    const resource = gw.control.current.resource('claude-local');
    const ids = { requestId: 'req_test', apimRequestId: randomUUID(), clientRequestId: undefined };
    await assert.rejects(async () => authenticate({ authorization: `Bearer ${tenant.sign(tenant.claims(randomUUID()))}` }, resource, 'messages', ids), (err: unknown) => {
      assert.ok(err instanceof GatewayError, String(err));
      assert.equal(err.status, 401);
      return true;
    });
    const line = captured.lines.find((l) => l['msg'] === 'unexpected error while validating a token');
    assert.ok(line, JSON.stringify(captured.lines));
    assert.equal(line['level'], 50);
    assert.equal(line['requestId'], 'req_test');
    assert.match(String((line['err'] as { stack: string }).stack), /TypeError: boom in validation/);
  });
});

describe('process metrics on /metrics', () => {
  let gw: TestGateway;
  before(async () => (gw = await startTestGateway({ monitoring: { metricsToken: 'metrics-token-0123456789' } })));
  after(() => gw.close());

  test('resident memory, heap, CPU, event-loop delay and open connections are exposed', async () => {
    await raw(gw, { path: '/claude-local/anthropic/v1/messages', headers: { 'x-api-key': gw.keys().key1, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: JSON.stringify(HELLO) });
    const scrape = () => raw(gw, { method: 'GET', path: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    const read = (text: string, name: string) => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      assert.ok(m, `${name} in\n${text.slice(0, 400)}`);
      return Number(m[1]);
    };
    // The delay sampler ticks every 100 ms (process-metrics.ts): its first sample may still be due.
    let res = await scrape();
    for (const deadline = Date.now() + 5000; read(res.text, 'nodejs_eventloop_delay_p99_seconds') === 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      res = await scrape();
    }
    assert.equal(res.status, 200);
    const value = (name: string) => read(res.text, name);
    assert.match(res.text, /# TYPE process_resident_memory_bytes gauge/);
    assert.ok(value('process_resident_memory_bytes') > 10e6);
    assert.ok(value('nodejs_heap_size_used_bytes') > 1e6);
    assert.ok(value('nodejs_heap_size_total_bytes') >= value('nodejs_heap_size_used_bytes'));
    assert.ok(value('process_cpu_seconds_total') > 0);
    assert.ok(value('nodejs_eventloop_delay_p99_seconds') > 0);
    assert.ok(value('nodejs_eventloop_delay_p99_seconds') >= value('nodejs_eventloop_delay_p50_seconds'));
    assert.ok(value('nodejs_eventloop_delay_max_seconds') >= 0);
    // The scrape's own connection is open while it is answered.
    assert.ok(value('claude_foundry_connections_open') >= 1);
  });
});
