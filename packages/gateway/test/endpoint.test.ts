// The Foundry endpoint over raw HTTP: addressing, keys, correlation ids, routes and the error catalogue.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GUID, HELLO, messages, raw, REQUEST_ID, startTestGateway, type RawResponse, type TestGateway } from './helpers.ts';

const INVALID_KEY_BODY = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
};
const MISSING_KEY_BODY = {
  error: {
    code: '401',
    message: 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
  },
};

function assertCorrelated(res: RawResponse): void {
  assert.match(String(res.headers['request-id']), REQUEST_ID);
  assert.match(String(res.headers['apim-request-id']), GUID);
  for (const name of Object.keys(res.headers)) assert.ok(!name.startsWith('anthropic-ratelimit'), `unexpected header ${name}`);
}

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    resources: [
      { name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-6' }, { name: 'claude-haiku-4-5' }] },
      { name: 'other-resource', deployments: [{ name: 'my-sonnet', model: 'claude-sonnet-4-6' }] },
    ],
  });
});
after(() => gw.close());

describe('a successful call', () => {
  test('answers 200 with a Message, request-id, apim-request-id and no rate-limit headers', async () => {
    const res = await messages(gw);
    assert.equal(res.status, 200);
    assertCorrelated(res);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json() as Record<string, unknown>;
    assert.equal(body['type'], 'message');
    assert.equal(body['role'], 'assistant');
    assert.equal(body['model'], 'claude-sonnet-4-6');
    assert.match(String(body['id']), /^msg_01/);
  });

  test('echoes x-ms-client-request-id', async () => {
    const res = await messages(gw, HELLO, { 'x-ms-client-request-id': 'my-trace-42' });
    assert.equal(res.headers['x-ms-client-request-id'], 'my-trace-42');
  });

  test('ignores unknown query parameters such as beta=true and api-version', async () => {
    const res = await raw(gw, {
      path: '/claude-local/anthropic/v1/messages?beta=true&api-version=2025-01-01',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1 },
      body: JSON.stringify(HELLO),
    });
    assert.equal(res.status, 200);
  });

  test('accepts the anthropic-version the 1.x SDKs send (2026-10-21)', async () => {
    const res = await messages(gw, HELLO, { 'anthropic-version': '2026-10-21' });
    assert.equal(res.status, 200);
  });

  test('gives every response its own request-id', async () => {
    const [a, b] = await Promise.all([messages(gw), messages(gw)]);
    assert.notEqual(a.headers['request-id'], b.headers['request-id']);
    assert.notEqual(a.headers['apim-request-id'], b.headers['apim-request-id']);
  });
});

describe('API keys', () => {
  const call = (headers: Record<string, string>, path = '/claude-local/anthropic/v1/messages') =>
    raw(gw, { path, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify(HELLO) });

  test('are accepted in x-api-key, api-key and Authorization: Bearer, Key1 and Key2 alike', async () => {
    const { key1, key2 } = gw.keys();
    for (const headers of [{ 'x-api-key': key1 }, { 'api-key': key2 }, { authorization: `Bearer ${key1}` }, { 'x-api-key': key2 }]) {
      const res = await call(headers);
      assert.equal(res.status, 200, JSON.stringify(Object.keys(headers)));
    }
  });

  test('a missing key answers 401 with the Azure body for a missing subscription key', async () => {
    const res = await call({});
    assert.equal(res.status, 401);
    assertCorrelated(res);
    assert.deepEqual(res.json(), MISSING_KEY_BODY);
  });

  test('a wrong key answers 401 with the Azure body, which never repeats the key', async () => {
    const res = await call({ 'x-api-key': 'not-a-real-key-0123456789' });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json(), INVALID_KEY_BODY);
    assert.ok(!res.text.includes('not-a-real-key'));
  });

  test("a key of one resource is refused by another resource with 401", async () => {
    const res = await call({ 'x-api-key': gw.keys('other-resource').key1 });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json(), INVALID_KEY_BODY);
  });

  test('alone, a key addresses its own resource at /anthropic/v1/messages', async () => {
    const res = await raw(gw, {
      path: '/anthropic/v1/messages',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys('other-resource').key2 },
      body: JSON.stringify({ ...HELLO, model: 'my-sonnet' }),
    });
    assert.equal(res.status, 200);
    assert.equal((res.json() as { model: string }).model, 'my-sonnet');
  });
});

describe('resource addressing by Host', () => {
  for (const host of ['claude-local.services.ai.azure.com', 'claude-local.cognitiveservices.azure.com', 'CLAUDE-LOCAL.openai.azure.com:443', 'claude-local.localhost:4480']) {
    test(`${host} addresses the resource claude-local`, async () => {
      const ok = await raw(gw, {
        path: '/anthropic/v1/messages',
        headers: { host, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1 },
        body: JSON.stringify(HELLO),
      });
      assert.equal(ok.status, 200);
      const wrong = await raw(gw, {
        path: '/anthropic/v1/messages',
        headers: { host, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys('other-resource').key1 },
        body: JSON.stringify(HELLO),
      });
      assert.equal(wrong.status, 401);
    });
  }

  test('an unknown resource answers 404 in the Azure shape', async () => {
    for (const req of [
      { path: '/anthropic/v1/messages', headers: { host: 'nope.services.ai.azure.com' } },
      { path: '/nope/anthropic/v1/messages', headers: {} },
    ]) {
      const res = await raw(gw, { path: req.path, headers: { ...req.headers, 'content-type': 'application/json', 'x-api-key': gw.keys().key1 }, body: '{}' });
      assert.equal(res.status, 404);
      assertCorrelated(res);
      const body = res.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'ResourceNotFound');
      assert.match(body.error.message, /'nope' does not exist/);
    }
  });
});

describe('APIs Foundry does not offer', () => {
  for (const path of ['v1/models', 'v1/models/claude-sonnet-4-6', 'v1/messages/batches', 'v1/messages/batches/msgbatch_1', 'v1/organizations/users', 'v1/files', 'v1/skills', 'v1/complete', 'v2/messages', '']) {
    test(`/anthropic/${path} answers 404 api_not_supported`, async () => {
      for (const method of ['GET', 'POST']) {
        const res = await raw(gw, { method, path: `/claude-local/anthropic/${path}`, headers: { 'x-api-key': gw.keys().key1 } });
        assert.equal(res.status, 404);
        assertCorrelated(res);
        assert.deepEqual(res.json(), { error: { code: 'api_not_supported', message: 'Requested API is currently not supported' } });
      }
    });
  }

  test('a GET on a POST route answers 405 with Allow: POST', async () => {
    for (const path of ['v1/messages', 'v1/messages/count_tokens']) {
      const res = await raw(gw, { method: 'GET', path: `/claude-local/anthropic/${path}`, headers: { 'x-api-key': gw.keys().key1 } });
      assert.equal(res.status, 405);
      assert.equal(res.headers['allow'], 'POST');
      assert.equal((res.json() as { error: { code: string } }).error.code, 'MethodNotAllowed');
    }
  });

  test('paths outside /anthropic answer 404 with a pointer to the Messages API', async () => {
    const res = await raw(gw, { method: 'GET', path: '/v1/messages' });
    assert.equal(res.status, 404);
    assert.match((res.json() as { error: { message: string } }).error.message, /\/anthropic\/v1\/messages/);
  });
});

describe('deployments', () => {
  test('an unknown deployment answers 404 saying it does not exist in this resource', async () => {
    const res = await messages(gw, { ...HELLO, model: 'gpt-4o' });
    assert.equal(res.status, 404);
    assertCorrelated(res);
    const body = res.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'DeploymentNotFound');
    assert.match(body.error.message, /'gpt-4o' does not exist in resource 'claude-local'/);
    assert.match(body.error.message, /claude-sonnet-4-6, claude-haiku-4-5/);
  });

  test('a deployment is called by its name, whatever its model', async () => {
    const res = await raw(gw, {
      path: '/other-resource/anthropic/v1/messages',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys('other-resource').key1 },
      body: JSON.stringify({ ...HELLO, model: 'my-sonnet' }),
    });
    assert.equal(res.status, 200);
  });
});
