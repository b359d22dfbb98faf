// Issue 13, one route table: every route outside the data plane answers by the same rules — a malformed
// percent-escape is 400 InvalidUri (never 500), HEAD wherever GET is served, 405 with Allow otherwise, and 401
// before any lookup, so an unauthenticated caller cannot tell which resource names exist. Raw requests, since
// an HTTP client could normalize the paths and methods under test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { GUID, raw, type RawResponse, REQUEST_ID, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, devToken, subscriptionScope } from './identity-helpers.ts';

const METRICS_TOKEN = `metrics-${randomUUID()}`;
let gw: TestGateway;
let owner: string;

before(async () => {
  gw = await startTestGateway({ monitoring: { metricsToken: METRICS_TOKEN, metricsPort: 0 } });
  const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
  owner = await devToken(gw, admin.clientId, admin.clientSecret, 'https://management.azure.com/.default');
});
after(() => gw.close());

const send = (method: string, path: string, token?: string, port = gw.port) =>
  raw({ ...gw, port }, { method, path, headers: token ? { authorization: `Bearer ${token}` } : {} });

function assertError(res: RawResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.match(String(res.headers['request-id']), REQUEST_ID);
  assert.match(String(res.headers['apim-request-id']), GUID);
  assert.equal((res.json() as { error: { code: string } }).error.code, code);
}

/** Exactly these bytes on a socket: the whole answer as text. */
function rawBytes(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

const account = `${accountScope('claude-local')}?api-version=2025-09-01`;
const assignments = `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`;

describe('decoding', () => {
  test('a malformed percent-escape is 400 InvalidUri on every kind of route, with or without a token', async () => {
    for (const path of ['/monitoring/budgets/%E0%A4%A', '/monitoring/budgets/%zz', `${accountScope('claude%')}?api-version=2025-09-01`, `/subscriptions/${randomUUID()}/providers/Microsoft.Authorization/roleAssignments/%E0%A4%A?api-version=2022-04-01`, '/v1.0/servicePrincipals/%', '/%/oauth2/v2.0/token']) {
      for (const token of [undefined, owner]) assertError(await send('GET', path, token), 400, 'InvalidUri');
    }
    const text = await rawBytes('GET /monitoring/budgets/%E0%A4%A HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"code":"InvalidUri"/);
  });

  test('an escaped name is decoded once: %63laude-local names claude-local', async () => {
    const res = await send('GET', '/monitoring/budgets/%63laude-local', owner);
    assert.equal(res.status, 404, res.text); // it exists but has no budget: the resource was found
    assert.match(res.text, /'claude-local' has no budget/);
  });
});

describe('authentication before any lookup', () => {
  test('an existing and a missing resource answer alike without a token: 401, same code', async () => {
    const pairs = [
      ['/monitoring/budgets/claude-local', '/monitoring/budgets/no-such-resource'],
      ['/monitoring/usage?resource=claude-local', '/monitoring/usage?resource=no-such-resource'],
      [account, `${accountScope('no-such-account')}?api-version=2025-09-01`],
      [assignments, `/subscriptions/${randomUUID()}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`],
    ];
    for (const [known, unknown] of pairs) {
      for (const path of [known!, unknown!]) assertError(await send('GET', path), 401, 'AuthenticationFailed');
    }
  });

  test('every route of the table answers 401 without a credential, every method, except the few that are public by nature', async () => {
    // A route added without authentication fails here until it is listed below on purpose.
    const PUBLIC = new Set([
      '/healthz', '/readyz', '/portal/{path*}', '/{tenant}/oauth2/v2.0/authorize', '/{tenant}/oauth2/v2.0/token',
      '/{tenant}/v2.0/.well-known/openid-configuration', '/{tenant}/.well-known/openid-configuration', '/{tenant}/discovery/v2.0/keys', '/{tenant}/discovery/keys',
    ]);
    const checked: string[] = [];
    for (const route of gw.routes) {
      if (route.auth === 'public') {
        assert.ok(PUBLIC.has(route.path), `${route.path} is public: list it in PUBLIC if it must be, or give it auth 'entra'`);
        continue;
      }
      // Any value will do: authentication comes before any lookup.
      const path = route.path.replace(/\{[A-Za-z]+\*\}/g, `subscriptions/${randomUUID()}`).replace(/\{[A-Za-z]+\}/g, 'claude-local');
      for (const method of Object.keys(route.methods)) {
        const res = await send(method, `${path}?api-version=2025-09-01`);
        assert.equal(res.status, 401, `${method} ${route.path}: ${res.text}`);
        checked.push(`${method} ${route.path}`);
      }
    }
    assert.ok(checked.length >= 40, `${checked.length} routes and methods checked`);
    assert.ok(checked.includes('GET /metrics') && checked.includes('GET /monitoring/pools/{resource}/{deployment}'), checked.join(', '));
  });

  test('with a token the lookups answer as before: 404 for a missing resource', async () => {
    assertError(await send('GET', '/monitoring/budgets/no-such-resource', owner), 404, 'ResourceNotFound');
  });
});

describe('methods', () => {
  test('HEAD is served wherever GET is: headers and no body', async () => {
    const cases: Array<[string, string | undefined, number]> = [
      ['/healthz', undefined, gw.port],
      ['/monitoring/usage', owner, gw.port],
      [account, owner, gw.port],
      ['/metrics', METRICS_TOKEN, gw.port],
      ['/metrics', METRICS_TOKEN, gw.telemetry.metricsPort!],
      [`/${gw.identity.tenantId}/discovery/v2.0/keys`, undefined, gw.port],
    ];
    for (const [path, token, port] of cases) {
      const res = await send('HEAD', path, token, port);
      assert.equal(res.status, 200, `HEAD ${path}`);
      assert.equal(res.text, '');
      assert.ok(Number(res.headers['content-length']) > 0, `HEAD ${path} announces the GET body's length`);
    }
  });

  test('a method a route does not serve is 405 with Allow, before authentication', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['POST', '/monitoring/usage', 'GET, HEAD'],
      ['PATCH', '/monitoring/budgets/claude-local', 'GET, HEAD, PUT, DELETE'],
      ['PATCH', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, 'GET, HEAD, PUT, DELETE'],
      ['DELETE', '/metrics', 'GET, HEAD'],
      ['PUT', `/${gw.identity.tenantId}/oauth2/v2.0/token`, 'POST, GET, HEAD'],
      ['OPTIONS', '/v1.0/servicePrincipals', 'GET, HEAD, POST'],
      ['PUT', `${accountScope('claude-local')}/listKeys?api-version=2025-09-01`, 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await send(method, path);
      assertError(res, 405, 'MethodNotAllowed');
      assert.equal(res.headers['allow'], allow, `${method} ${path}`);
    }
  });

  test('a path no route serves is 404 in the catalogue, on both listeners', async () => {
    assertError(await send('GET', '/monitoring/nothing-here', owner), 404, '404');
    assertError(await send('GET', '/nothing', undefined, gw.telemetry.metricsPort!), 404, '404');
  });
});
