// A pool set over ARM, without a restart: `properties.claudeFoundry.pool` on a deployment PUT (raw ARM REST; Azure's own
// @azure/arm-cognitiveservices drops the field from what it sends, shown below), served at once by the members it
// names; its secrets sealed at rest and never answered (GET shows them redacted, and sending GET's body back keeps
// them); PATCH and a PUT that does not name the pool keep it, `"pool": null` removes it; every bad field a 400 naming
// it; and GET /monitoring/pools/{resource}/{deployment} with each member's live state.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { ACCOUNT, accountPath, adminToken, type Arm, armWith, errorOf, keysOf } from './control-helpers.ts';
import { MockUpstream, sendError } from './fixtures/mock-upstream.ts';
import { raw, type RawResponse, startTestGateway, type TestGateway } from './helpers.ts';
import { credential, newPrincipal, SUBSCRIPTION } from './identity-helpers.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const KEY_A = 'sk-ant-api03-arm-pool-member-a-secret-000';
const KEY_B = 'foundry-key-arm-pool-member-b-secret-111';
const ACCOUNT_NAME = 'pool-arm';
const path = (d: string) => `${accountPath(ACCOUNT_NAME)}/deployments/${d}`;

let a: MockUpstream;
let b: MockUpstream;
let gw: TestGateway;
let arm: Arm;
let token: string;
let client: AnthropicFoundry;
let entraCalls: Array<{ tenantId: string; clientId: string }> = [];

before(async () => {
  [a, b] = await Promise.all([MockUpstream.start(), MockUpstream.start()]);
  // A Foundry member with Entra client credentials gets its token from the gateway's own development IdP through
  // @azure/identity's ClientSecretCredential; the seam is only the authority host and trust of the gateway's CA.
  const credentials: Array<{ tenantId: string; clientId: string }> = [];
  // The members are local mock upstreams over http: the operator's upstream policy has to allow them (security.md).
  gw = await startTestGateway({ upstreams: { allow: ['127.0.0.1'], allowHttp: true } }, {
    upstream: {
      credential: (auth) => {
        if (auth.credential !== 'clientSecret') throw new Error(`expected client credentials, got ${auth.credential}`);
        credentials.push({ tenantId: auth.tenantId, clientId: auth.clientId });
        return credential(gw, auth.clientId, auth.clientSecret.reveal());
      },
    },
  });
  entraCalls = credentials;
  token = await adminToken(gw);
  arm = armWith(gw, token);
  assert.equal((await arm('PUT', accountPath(ACCOUNT_NAME), ACCOUNT)).status, 201);
  const { key1 } = await keysOf(arm, accountPath(ACCOUNT_NAME));
  client = new AnthropicFoundry({ apiKey: key1, baseURL: gw.baseURL(ACCOUNT_NAME), maxRetries: 0 });
});
after(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  for (const m of [a, b]) {
    m.respond(undefined);
    m.exchanges.length = 0;
  }
});

const timeouts = { connectMs: 500, firstByteMs: 2_000 };
const memberA = () => ({ name: 'a', kind: 'anthropic', endpoint: a.url, credentials: { type: 'key', key: KEY_A }, rateLimits: { rpm: 1000 }, timeouts });
const memberB = () => ({ name: 'b', kind: 'foundry', endpoint: `${b.url}/anthropic`, model: 'sonnet-on-b', credentials: { type: 'key', key: KEY_B }, priority: 1, timeouts });
const body = (pool: unknown, extra: Record<string, unknown> = {}) => ({
  sku: { name: 'GlobalStandard', capacity: 50 },
  properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' }, claudeFoundry: { pool }, ...extra },
});
const ask = (model: string, text = 'hello') => client.messages.create({ model, max_tokens: 32, messages: [{ role: 'user', content: text }] }).withResponse();

interface DeploymentJson {
  properties: { claudeFoundry: { backend: string; pool?: { members: Array<Record<string, unknown> & { credentials: Record<string, string> }>; maxAttempts: number | null } } };
}

function refused(res: RawResponse, field: string, message: RegExp): void {
  assert.equal(res.status, 400, res.text);
  const error = errorOf(res);
  assert.ok(error.message.includes(`'${field}'`), `names ${field}: ${error.message}`);
  assert.match(error.message, message);
}

describe('a pool over ARM', () => {
  test('PUT makes the deployment a pool at once; GET shows it with its secrets redacted; nothing secret is stored in clear', async () => {
    const put = await arm('PUT', path('pooled'), body({ members: [memberA(), memberB()], maxAttempts: 2, breaker: { openMs: 5_000 } }));
    assert.equal(put.status, 201, put.text);
    for (const res of [put, await arm('GET', path('pooled')), await arm('GET', `${accountPath(ACCOUNT_NAME)}/deployments`)]) {
      assert.ok(!res.text.includes(KEY_A) && !res.text.includes(KEY_B), `no secret in ${res.text.slice(0, 200)}`);
    }
    const shown = (await arm('GET', path('pooled'))).json() as DeploymentJson;
    assert.equal(shown.properties.claudeFoundry.backend, 'pool');
    const members = shown.properties.claudeFoundry.pool!.members;
    assert.deepEqual(members.map((m) => [m['name'], m['kind'], m['endpoint'], m.credentials['type'], m.credentials['key']]), [
      ['a', 'anthropic', a.url, 'key', '[redacted]'],
      ['b', 'foundry', `${b.url}/anthropic`, 'key', '[redacted]'],
    ]);
    assert.equal(shown.properties.claudeFoundry.pool!.maxAttempts, 2);

    // Served by the pool with no restart: a first, then b (a Foundry member, with its own key and model) on a 529.
    const first = await ask('pooled');
    assert.equal(a.last.headers['x-api-key'], KEY_A);
    assert.equal((await loggedRecord(gw, await managementToken(gw), first.response.headers.get('request-id')!)).upstream, 'a');
    a.respond((_e, res) => sendError(res, 529, 'overloaded_error', 'Overloaded'));
    const second = await ask('pooled');
    assert.equal(b.last.headers['x-api-key'], KEY_B);
    assert.equal(b.last.json['model'], 'sonnet-on-b');
    assert.equal((await loggedRecord(gw, await managementToken(gw), second.response.headers.get('request-id')!)).attempts, 'a 529, b 200');

    const files = ['claude-foundry.db', 'claude-foundry.db-wal'].map((f) => {
      try {
        return readFileSync(join(gw.config.dataDir, f));
      } catch {
        return Buffer.alloc(0);
      }
    });
    for (const key of [KEY_A, KEY_B]) assert.ok(!files.some((bytes) => bytes.includes(key)), 'member keys are sealed at rest');
  });

  test("sending GET's body back keeps the stored secrets; a changed pool applies at once", async () => {
    await arm('PUT', path('roundtrip'), body({ members: [memberA(), memberB()] }));
    const shown = (await arm('GET', path('roundtrip'))).json() as DeploymentJson & { sku: unknown };
    const pool = shown.properties.claudeFoundry.pool!;
    // Swap the priorities: b first now. Its key comes back as '[redacted]'.
    pool.members[0]!['priority'] = 1;
    pool.members[1]!['priority'] = 0;
    const put = await arm('PUT', path('roundtrip'), { sku: shown.sku, properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' }, claudeFoundry: { pool } } });
    assert.equal(put.status, 200, put.text);
    await ask('roundtrip');
    assert.deepEqual([a.exchanges.length, b.exchanges.length], [0, 1], 'the new order applies to the next request');
    assert.equal(b.last.headers['x-api-key'], KEY_B, 'the stored key was kept');

    // A new member sent with a redacted key has nothing to keep: refused, naming the field.
    const fresh = { ...memberA(), name: 'c', credentials: { type: 'key', key: '[redacted]' } };
    refused(await arm('PUT', path('roundtrip'), body({ members: [memberA(), fresh] })), 'properties.claudeFoundry.pool.members[1].credentials.key', /the secret is required/);
  });

  test('a stored secret is not kept for a member pointed elsewhere: the endpoint or the authority changed, the secret must be sent again', async () => {
    await arm('PUT', path('moved'), body({ members: [memberA(), memberB()] }));
    const before = (await arm('GET', path('moved'))).text;
    // b's key, sent as GET showed it, with b's endpoint on a's mock: refused, nothing changes, and a sees no key of b's.
    const elsewhere = { ...memberB(), endpoint: `${a.url}/anthropic`, credentials: { type: 'key', key: '[redacted]' } };
    refused(await arm('PUT', path('moved'), body({ members: [memberA(), elsewhere] })), 'properties.claudeFoundry.pool.members[1].credentials.key', /the endpoint changed, so the stored secret is not sent there: send the secret again/);
    const left = { ...memberB(), endpoint: `${a.url}/anthropic`, credentials: { type: 'key' } };
    refused(await arm('PUT', path('moved'), body({ members: [memberA(), left] })), 'properties.claudeFoundry.pool.members[1].credentials.key', /the endpoint changed/);
    assert.equal((await arm('GET', path('moved'))).text, before, 'nothing was changed');
    // With the key sent again it may move.
    const resent = await arm('PUT', path('moved'), body({ members: [memberA(), { ...elsewhere, credentials: { type: 'key', key: KEY_B } }] }));
    assert.equal(resent.status, 200, resent.text);

    // Entra client credentials: a new authorityHost (its secret would go there) asks for the secret again too.
    const app = await newPrincipal(gw);
    const entra = (authorityHost: string | null, clientSecret: string) => ({ ...memberB(), credentials: { type: 'entra', tenantId: gw.identity.tenantId, clientId: app.clientId, clientSecret, authorityHost } });
    assert.equal((await arm('PUT', path('moved'), body({ members: [entra(null, app.clientSecret)] }))).status, 200);
    assert.equal((await arm('PUT', path('moved'), body({ members: [entra(null, '[redacted]')] }))).status, 200, 'unchanged: kept');
    refused(await arm('PUT', path('moved'), body({ members: [entra('https://127.0.0.1:9', '[redacted]')] })), 'properties.claudeFoundry.pool.members[0].credentials.clientSecret', /the authorityHost changed, so the stored secret is not sent there/);
    refused(await arm('PUT', path('moved'), body({ members: [{ ...entra(null, '[redacted]'), endpoint: `${a.url}/anthropic` }] })), 'properties.claudeFoundry.pool.members[0].credentials.clientSecret', /the endpoint changed/);
  });

  test('PATCH and a PUT that does not name the pool keep it (Azure\'s SDK drops the field); "pool": null removes it', async () => {
    await arm('PUT', path('kept'), body({ members: [memberA()] }));
    const patched = await arm('PATCH', path('kept'), { sku: { name: 'GlobalStandard', capacity: 60 } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((patched.json() as DeploymentJson).properties.claudeFoundry.backend, 'pool');
    const plain = await arm('PUT', path('kept'), { sku: { name: 'GlobalStandard', capacity: 70 }, properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' } } });
    assert.equal((plain.json() as DeploymentJson).properties.claudeFoundry.pool?.members.length, 1);
    await ask('kept');
    assert.equal(a.exchanges.length, 1);
    const removed = await arm('PUT', path('kept'), body(null));
    assert.equal(removed.status, 200, removed.text);
    const after = removed.json() as DeploymentJson;
    assert.equal(after.properties.claudeFoundry.pool, undefined);
    assert.notEqual(after.properties.claudeFoundry.backend, 'pool');
    await ask('kept');
    assert.equal(a.exchanges.length, 1, 'no longer forwarded to the pool');
  });

  test('every bad field is a 400 naming it and saying what to write; nothing is changed', async () => {
    const bad = async (pool: unknown, field: string, message: RegExp, extra: Record<string, unknown> = {}) => refused(await arm('PUT', path('bad'), body(pool, extra)), field, message);
    await bad({}, 'properties.claudeFoundry.pool.members', /expected 1 to 16 members/);
    await bad('east', 'properties.claudeFoundry.pool', /expected an object/);
    await bad({ members: [{ ...memberA(), kind: 'openai' }] }, 'properties.claudeFoundry.pool.members[0].kind', /use 'anthropic' or 'foundry', not 'openai'/);
    await bad({ members: [{ ...memberA(), name: undefined }] }, 'properties.claudeFoundry.pool.members[0].name', /required/);
    await bad({ members: [{ ...memberB(), endpoint: undefined }] }, 'properties.claudeFoundry.pool.members[0].endpoint', /needs its endpoint/);
    await bad({ members: [{ ...memberA(), endpoint: 'not a url' }] }, 'properties.claudeFoundry.pool.members[0].endpoint', /not a URL/);
    await bad({ members: [{ ...memberA(), endpoint: 'https://user:pw@example.com' }] }, 'properties.claudeFoundry.pool.members[0].endpoint', /no query, fragment or credentials/);
    await bad({ members: [{ ...memberA(), credentials: undefined }] }, 'properties.claudeFoundry.pool.members[0].credentials', /required/);
    await bad({ members: [{ ...memberA(), credentials: { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 's' } }] }, 'properties.claudeFoundry.pool.members[0].credentials.type', /Entra credentials are for kind 'foundry'/);
    await bad({ members: [{ ...memberB(), credentials: { type: 'entra', clientId: 'c', clientSecret: 's' } }] }, 'properties.claudeFoundry.pool.members[0].credentials.tenantId', /required/);
    await bad({ members: [{ ...memberA(), weight: 0 }] }, 'properties.claudeFoundry.pool.members[0].weight', /from 0.001/);
    await bad({ members: [{ ...memberA(), rateLimits: { rpm: 1.5 } }] }, 'properties.claudeFoundry.pool.members[0].rateLimits.rpm', /whole number/);
    await bad({ members: [{ ...memberA(), rateLimits: {} }] }, 'properties.claudeFoundry.pool.members[0].rateLimits', /at least one of rpm, itpm, otpm/);
    await bad({ members: [{ ...memberA(), apiKey: 'x' }] }, 'properties.claudeFoundry.pool.members[0].apiKey', /not a field here/);
    await bad({ members: [memberA(), memberA()] }, 'properties.claudeFoundry.pool.members[1].name', /names another member/);
    await bad({ members: [memberA()], breaker: { failureRatio: 2 } }, 'properties.claudeFoundry.pool.breaker.failureRatio', /from 0.01 to 1/);
    await bad({ members: [memberA()], affinity: 'yes' }, 'properties.claudeFoundry.pool.affinity', /true or false/);
    const both = await arm('PUT', path('bad'), { properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' }, claudeFoundry: { backend: 'simulator', pool: { members: [memberA()] } } } });
    assert.equal(both.status, 400, both.text);
    assert.match(errorOf(both).message, /served by its pool/);
    const retired = await arm('PUT', path('bad'), { properties: { model: { format: 'Anthropic', name: 'claude-opus-4-1' }, claudeFoundry: { pool: { members: [memberA()] } } } });
    assert.equal(retired.status, 400, retired.text);
    assert.match(errorOf(retired).message, /retired/);
    assert.equal((await arm('GET', path('bad'))).status, 404, 'nothing was created');
  });
});

describe('a Foundry member with Entra client credentials', () => {
  test('its token comes from its own tenant, client ID and (sealed, redacted) secret; GET and PUT back keep the secret', async () => {
    const app = await newPrincipal(gw);
    const entra = { name: 'entra', kind: 'foundry', endpoint: `${b.url}/anthropic`, credentials: { type: 'entra', tenantId: gw.identity.tenantId, clientId: app.clientId, clientSecret: app.clientSecret }, timeouts };
    assert.equal((await arm('PUT', path('entra'), body({ members: [entra] }))).status, 201);
    await ask('entra');
    const bearer = String(b.last.headers['authorization']);
    const claims = JSON.parse(Buffer.from(bearer.split('.')[1]!, 'base64url').toString()) as { appid: string; tid: string; aud: string };
    assert.deepEqual([claims.appid, claims.tid], [app.clientId, gw.identity.tenantId], 'a real token of the member\'s app');
    assert.deepEqual(entraCalls.at(-1), { tenantId: gw.identity.tenantId, clientId: app.clientId });
    const shown = await arm('GET', path('entra'));
    assert.ok(!shown.text.includes(app.clientSecret));
    const member = (shown.json() as DeploymentJson).properties.claudeFoundry.pool!.members[0]!;
    assert.deepEqual(member.credentials, { type: 'entra', tenantId: gw.identity.tenantId, clientId: app.clientId, clientSecret: '[redacted]', authorityHost: null });
    const fetched = entraCalls.length;
    assert.equal((await arm('PUT', path('entra'), body({ members: [{ ...member, weight: 2 }] }))).status, 200);
    await ask('entra', 'again');
    assert.equal(entraCalls.length, fetched + 1, 'the changed pool fetched a new token');
    assert.match(String(b.last.headers['authorization']), /^Bearer ey/, 'with the kept secret, the IdP gave one');
  });
});

describe('GET /monitoring/pools/{resource}/{deployment}', () => {
  test("each member's live state: healthy, resting until its retry-after, counters; no secret; authenticated; 404 for a non-pool", async () => {
    await arm('PUT', path('watched'), body({ members: [memberA(), memberB()] }));
    a.respond((_e, res) => sendError(res, 429, 'rate_limit_error', 'Slow down', { 'retry-after': '30' }));
    const before = Date.now();
    await ask('watched');
    const status = await raw(gw, { method: 'GET', path: `/monitoring/pools/${ACCOUNT_NAME}/watched`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(status.status, 200, status.text);
    assert.ok(!status.text.includes(KEY_A) && !status.text.includes(KEY_B));
    const view = status.json() as { failovers: number; members: Array<{ name: string; state: string; until: string | null; served: number; failures: number; throttled: number; inFlight: number; rateLimits: unknown }> };
    const [ma, mb] = view.members;
    assert.equal(ma!.state, 'resting');
    const until = Date.parse(ma!.until!);
    assert.ok(until >= before + 29_000 && until <= Date.now() + 30_000, `resting until ${ma!.until}`);
    assert.deepEqual([ma!.throttled, ma!.failures, ma!.served, ma!.rateLimits], [1, 1, 0, { rpm: 1000 }]);
    assert.deepEqual([mb!.name, mb!.state, mb!.until, mb!.served, mb!.inFlight], ['b', 'healthy', null, 1, 0]);
    assert.equal(view.failovers, 1);

    // A changed pool keeps what it knew of a member that stays (a's rest); a re-created deployment starts afresh.
    const statusOf = async () => (await raw(gw, { method: 'GET', path: `/monitoring/pools/${ACCOUNT_NAME}/watched`, headers: { authorization: `Bearer ${token}` } })).json() as typeof view;
    assert.equal((await arm('PUT', path('watched'), body({ members: [{ ...memberA(), weight: 3 }, memberB()] }))).status, 200);
    const changed = await statusOf();
    assert.deepEqual([changed.members[0]!.state, changed.members[0]!.throttled, changed.failovers], ['resting', 1, 1]);
    assert.equal((await arm('DELETE', path('watched'))).status, 200);
    await arm('PUT', path('watched'), body({ members: [memberA(), memberB()] }));
    const recreated = await statusOf();
    assert.deepEqual([recreated.members[0]!.state, recreated.members[0]!.throttled, recreated.failovers], ['healthy', 0, 0]);
    const series = gw.telemetry.metricsText().split('\n').filter((l) => l.startsWith(`claude_foundry_pool_upstream_throttled_total{resource="${ACCOUNT_NAME}",deployment="watched",upstream="a"}`));
    assert.deepEqual(series.map((l) => l.split(' ')[1]), ['0'], 'one series per member: the re-created pool replaced the old one');

    assert.equal((await raw(gw, { method: 'GET', path: `/monitoring/pools/${ACCOUNT_NAME}/watched` })).status, 401);
    await arm('PUT', path('plain'), { sku: { name: 'GlobalStandard', capacity: 10 }, properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' } } });
    const plain = await raw(gw, { method: 'GET', path: `/monitoring/pools/${ACCOUNT_NAME}/plain`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(plain.status, 404);
    assert.match(plain.text, /is not a pool/);
    const none = await raw(gw, { method: 'GET', path: `/monitoring/pools/${ACCOUNT_NAME}/nothing`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(none.status, 404);
  });
});

describe("Azure's @azure/arm-cognitiveservices", () => {
  test('drops properties.claudeFoundry from what it sends (so pools are set over raw ARM REST), and reads a pool back redacted', async () => {
    const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
    const agent = new Agent({ ca: gw.identity.caPem });
    const sent: string[] = [];
    const sdk = new CognitiveServicesManagementClient(credential(gw, admin.clientId, admin.clientSecret), SUBSCRIPTION, {
      endpoint: gw.httpsUrl,
      additionalPolicies: [{ position: 'perCall', policy: { name: 'ca-and-body', sendRequest: (req, next) => ((req.agent = agent), sent.push(String(req.body ?? '')), next(req)) } }],
    });
    const properties = { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' }, claudeFoundry: { pool: { members: [memberA()] } } };
    const created = await sdk.deployments.beginCreateOrUpdateAndWait('claude-foundry', ACCOUNT_NAME, 'via-sdk', { sku: { name: 'GlobalStandard', capacity: 10 }, properties: properties as never });
    assert.ok(!sent.at(-1)!.includes('claudeFoundry'), `the SDK sent: ${sent.at(-1)}`);
    assert.notEqual((created.properties as Record<string, unknown> & { claudeFoundry?: { backend: string } }).claudeFoundry?.backend, 'pool');

    // A pool set over REST reads back through the SDK, its secret redacted.
    await arm('PUT', path('via-sdk'), body({ members: [memberA()] }));
    const read = await sdk.deployments.get('claude-foundry', ACCOUNT_NAME, 'via-sdk');
    const extension = (read.properties as Record<string, unknown>)['claudeFoundry'] as DeploymentJson['properties']['claudeFoundry'] | undefined;
    assert.equal(extension?.pool?.members[0]?.credentials['key'], '[redacted]', JSON.stringify(read.properties));
  });
});
