// Three real `claude-foundry serve` processes on one PostgreSQL store, started at the same moment on an empty
// database, each with its own data folder: they seed one set of keys and one admin; a change made through any one is
// enforced by the others within a second (a regenerated key refused, a removed role refused, a new deployment
// callable); with PostgreSQL stopped the data plane keeps answering from its snapshot and management writes get 503.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import { ClientSecretCredential } from '@azure/identity';
import type { Gateway } from '../src/index.ts';
import { type ChildNotReady, type ServedGateway, serveChild, startAll, stopChild } from './child-helpers.ts';
import { accountPath, API_VERSION, deploymentBody } from './control-helpers.ts';
import { HELLO, raw, type RawResponse } from './helpers.ts';
import { ROLES, SUBSCRIPTION } from './identity-helpers.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

const MANAGEMENT = 'https://management.azure.com/.default';
const root = mkdtempSync(join(tmpdir(), 'cf-replicas-'));
const secretKey = randomBytes(32).toString('base64');

type Replica = ServedGateway;

/** Starts `serve` on free ports with its own data folder; resolves at its banner. */
const serve = (config: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<Replica> =>
  serveChild({ config, dataDir: join(root, name), what: name, env: { CLAUDE_FOUNDRY_SECRET_KEY: secretKey, ...env } });

const on = (r: Replica) => ({ port: r.port }) as Gateway;
const call = (r: Replica, headers: Record<string, string>, model = 'claude-sonnet-4-6') =>
  raw(on(r), { path: '/claude-local/anthropic/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: JSON.stringify({ ...HELLO, model }) });
async function token(r: Replica, clientId: string, clientSecret: string, scope: string): Promise<string> {
  const res = await raw(on(r), {
    path: `/${r.tenantId}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope }).toString(),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`);
  return (res.json() as { access_token: string }).access_token;
}
const arm = (r: Replica, bearer: string, method: string, path: string, body?: unknown): Promise<RawResponse> =>
  raw(on(r), {
    method,
    path: path.includes('api-version=') ? path : `${path}?api-version=${API_VERSION}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Polls until `check` holds; how long it took. Fails past `ms`. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let pg: PostgresServer;
let url: string;
let config: string;
let replicas: Replica[] = [];
let admin: string;

before(async () => {
  pg = await startPostgres();
  url = pg.createDatabase('replicas');
  config = join(root, 'claude-foundry.json');
  const deployments = ['claude-sonnet-4-6', 'claude-haiku-4-5'].map((name) => ({ name }));
  writeFileSync(config, JSON.stringify({ store: { postgres: url }, resources: [{ name: 'claude-local', deployments }] }));
  // All three at once, on an empty database: the seed and the admin bootstrap race.
  replicas = await startAll(['a', 'b', 'c'].map((name) => serve(config, name)), (r) => stopChild(r.child));
  admin = await token(replicas[2]!, replicas[0]!.admin.clientId, replicas[0]!.admin.clientSecret, MANAGEMENT);
});

after(async () => {
  await Promise.all(replicas.map((r) => new Promise((resolve) => (r.child.exitCode !== null ? resolve(undefined) : (r.child.once('exit', resolve), r.child.kill('SIGTERM'))))));
  pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('three replicas on one PostgreSQL store', () => {
  test('starting together on an empty database they seed one set of keys, one admin principal and one admin user', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    assert.equal(pg.sql('SELECT count(*) FROM accounts', 'replicas'), '1');
    assert.equal(pg.sql("SELECT count(*) FROM service_principals WHERE tags_json LIKE '%claude-foundry:admin%'", 'replicas'), '1');
    assert.equal(pg.sql("SELECT count(*) FROM service_principals WHERE tags_json LIKE '%claude-foundry:user%'", 'replicas'), '1');
    assert.deepEqual([b.admin, c.admin].map((x) => [x.clientId, x.clientSecret]), [[a.admin.clientId, a.admin.clientSecret], [a.admin.clientId, a.admin.clientSecret]]);
    assert.deepEqual([b.caPem, c.caPem], [a.caPem, a.caPem], 'one CA, from the store');
    assert.match(pg.sql("SELECT value FROM secrets WHERE name = 'tls.ca-key.pem'", 'replicas'), /^sealed\.v1\./);
    assert.equal(pg.sql("SELECT count(*) FROM secrets WHERE name IN ('identity.signingKeys', 'identity.adminClientSecret', 'identity.adminUserPassword') AND value LIKE 'sealed.v1.%'", 'replicas'), '3');
    const keys = await Promise.all(replicas.map(async (r) => (await arm(r, admin, 'POST', `${accountPath('claude-local')}/listKeys`)).json() as { key1: string }));
    assert.equal(new Set(keys.map((k) => k.key1)).size, 1);
    for (const r of replicas) assert.equal((await call(r, { 'x-api-key': keys[0]!.key1 })).status, 200);
  });

  test('two replicas create one account name at once: in two resource groups one 201 and one 409; in one group 201 and 200 with one set of keys', async () => {
    const [a, b] = replicas as [Replica, Replica, Replica];
    const body = { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' }, properties: {} };
    for (let round = 0; round < 3; round++) {
      const name = `raced-${round}`;
      const split = await Promise.all([arm(a, admin, 'PUT', accountPath(name, 'group-a'), body), arm(b, admin, 'PUT', accountPath(name, 'group-b'), body)]);
      assert.deepEqual(split.map((r) => r.status).sort(), [201, 409], split.map((r) => r.text).join('\n'));
      const same = `same-${round}`;
      const together = await Promise.all([arm(a, admin, 'PUT', accountPath(same, 'group-a'), body), arm(b, admin, 'PUT', accountPath(same, 'group-a'), body)]);
      assert.deepEqual(together.map((r) => r.status).sort(), [200, 201]);
      const keys = await Promise.all([a, b].map(async (r) => ((await arm(r, admin, 'POST', `${accountPath(same, 'group-a')}/listKeys`)).json() as { key1: string }).key1));
      assert.equal(keys[0], keys[1]);
    }
    assert.equal(pg.sql("SELECT count(*) FROM accounts WHERE name LIKE 'raced-%' OR name LIKE 'same-%'", 'replicas'), '6');
  });

  test('a key regenerated on A is refused (401) on B and C within a second, and the new one works there', async (t) => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const before = ((await arm(a, admin, 'POST', `${accountPath('claude-local')}/listKeys`)).json() as { key1: string }).key1;
    const res = await arm(a, admin, 'POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key1' });
    assert.equal(res.status, 200, res.text);
    const after = (res.json() as { key1: string }).key1;
    for (const r of [b, c]) {
      const ms = await within(1000, 'the old key refused', async () => (await call(r, { 'x-api-key': before })).status === 401);
      t.diagnostic(`old key refused after ${ms} ms`);
      assert.equal((await call(r, { 'x-api-key': after })).status, 200);
    }
  });

  test('a role removed on B is refused (403) on A within a second', async (t) => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const created = await arm(a, admin, 'POST', '/v1.0/servicePrincipals', { displayName: 'replica-bot' });
    assert.equal(created.status, 201, created.text);
    const sp = created.json() as { id: string; appId: string; passwordCredentials: Array<{ secretText: string }> };
    const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/claude-foundry/providers/Microsoft.CognitiveServices/accounts/claude-local`;
    const assignment = `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`;
    const roleDefinitionId = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${ROLES.cognitiveServicesUser}`;
    // B learns of A's new principal within a second (until then: 400 PrincipalNotFound, as Azure answers while its directory replicates).
    await within(1000, "the principal known on B", async () => (await arm(b, admin, 'PUT', assignment, { properties: { roleDefinitionId, principalId: sp.id } })).status === 201);
    // The principal was created on A; C issues its token; A serves it once B's assignment has arrived.
    let bearer = '';
    await within(1000, 'the principal known on C', async () => {
      bearer = await token(c, sp.appId, sp.passwordCredentials[0]!.secretText, 'https://cognitiveservices.azure.com/.default').catch(() => '');
      return bearer !== '';
    });
    await within(1000, 'the role granted on A', async () => (await call(a, { authorization: `Bearer ${bearer}` })).status === 200);
    assert.equal((await arm(b, admin, 'DELETE', assignment)).status, 200);
    const ms = await within(1000, 'the removed role refused on A', async () => (await call(a, { authorization: `Bearer ${bearer}` })).status === 403);
    t.diagnostic(`removed role refused after ${ms} ms`);
  });

  test('a deployment created on C with @azure/arm-cognitiveservices is callable on A with the Foundry SDK within a second', async (t) => {
    const [a, , c] = replicas as [Replica, Replica, Replica];
    const agent = new Agent({ ca: c.caPem });
    const credential = new ClientSecretCredential(c.tenantId, c.admin.clientId, c.admin.clientSecret, {
      authorityHost: c.httpsUrl,
      disableInstanceDiscovery: true,
      additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
    });
    const management = new CognitiveServicesManagementClient(credential, SUBSCRIPTION, {
      endpoint: c.httpsUrl,
      additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
    });
    const body = deploymentBody('claude-opus-4-6', 5);
    await management.deployments.beginCreateOrUpdateAndWait('claude-foundry', 'claude-local', 'from-c', { sku: body.sku, properties: body.properties });
    const key = (await management.accounts.listKeys('claude-foundry', 'claude-local')).key1!;
    const foundry = new AnthropicFoundry({ baseURL: `http://127.0.0.1:${a.port}/claude-local/anthropic`, apiKey: key, maxRetries: 0 });
    const ms = await within(1000, 'the deployment callable on A', async () =>
      foundry.messages.create({ model: 'from-c', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] }).then(() => true, () => false),
    );
    t.diagnostic(`deployment callable after ${ms} ms`);
  });

  test('with PostgreSQL stopped, requests are still served from the snapshot and a management write is 503 saying why; once it is back, changes flow again', async (t) => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const key = ((await arm(a, admin, 'POST', `${accountPath('claude-local')}/listKeys`)).json() as { key2: string }).key2;
    pg.pause();
    try {
      for (const r of replicas) assert.equal((await call(r, { 'x-api-key': key })).status, 200);
      const refused = await arm(b, admin, 'POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key2' });
      assert.equal(refused.status, 503, refused.text);
      assert.match((refused.json() as { error: { code: string; message: string } }).error.message, /^The store \(PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/replicas\) is unreachable/);
      assert.equal((await call(a, { 'x-api-key': key })).status, 200, 'the refused write changed nothing');
    } finally {
      pg.resume();
    }
    await within(10_000, 'management writes accepted again', async () => (await arm(b, admin, 'POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key2' })).status === 200);
    const ms = await within(1000, 'the old Key2 refused on C', async () => (await call(c, { 'x-api-key': key })).status === 401);
    t.diagnostic(`after the outage, old Key2 refused on C after ${ms} ms`);
  });
});

describe('a replica that cannot use its PostgreSQL store does not start', () => {
  test('an unreachable server: exit non-zero, an error naming store.postgres, nothing written', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ store: { postgres: 'postgres://postgres@127.0.0.1:1/none' } }));
    const err = (await serve(bad, 'bad').then(() => assert.fail('started'), (e: unknown) => e)) as ChildNotReady;
    assert.notEqual(err.exitCode, 0);
    assert.match(err.output, /store\.postgres: cannot open the store at postgres:\/\/postgres@127\.0\.0\.1:1\/none/);
    assert.ok(!existsSync(join(root, 'bad')), 'not even the data folder was created');
  });

  test('without CLAUDE_FOUNDRY_SECRET_KEY: exit non-zero, naming it, the store untouched', async () => {
    const version = pg.sql('SELECT version FROM changes', 'replicas');
    const err = (await serve(config, 'nokey', { CLAUDE_FOUNDRY_SECRET_KEY: '' }).then(() => assert.fail('started'), (e: unknown) => e)) as ChildNotReady;
    assert.notEqual(err.exitCode, 0);
    assert.match(err.output, /CLAUDE_FOUNDRY_SECRET_KEY must be set/);
    assert.equal(pg.sql('SELECT version FROM changes', 'replicas'), version);
  });
});
