// ARM's subscription routes, which the portal's subscription page reads: `GET /subscriptions` and
// `GET /subscriptions/{id}` ("Subscriptions - List" and "Subscriptions - Get", Microsoft.Resources 2022-12-01),
// read through the official `@azure/arm-resources-subscriptions` client, and what a caller holding a role only at a
// resource group, or none, is answered; with the resource-group list those callers see.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { armWith, errorOf, MANAGEMENT_SCOPE } from './control-helpers.ts';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { assign, credential, devToken, groupScope, newPrincipal, ROLES, SUBSCRIPTION } from './identity-helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

function client(clientId: string, clientSecret: string): SubscriptionClient {
  const agent = new Agent({ ca: gw.identity.caPem });
  return new SubscriptionClient(credential(gw, clientId, clientSecret), {
    endpoint: gw.httpsUrl,
    additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-gateway-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
  });
}

async function principalWith(role: string | undefined, scope: string) {
  const p = await newPrincipal(gw);
  if (role) await assign(gw, p.objectId, role, scope);
  const token = await devToken(gw, p.clientId, p.clientSecret, MANAGEMENT_SCOPE);
  return { ...p, token, arm: armWith(gw, token) };
}

describe('ARM subscriptions', () => {
  test('the official SubscriptionClient gets and lists the subscription, in ARM\'s shape', async () => {
    const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
    const subs = client(admin.clientId, admin.clientSecret);
    const one = await subs.subscriptions.get(SUBSCRIPTION);
    assert.equal(one.id, `/subscriptions/${SUBSCRIPTION}`);
    assert.equal(one.subscriptionId, SUBSCRIPTION);
    assert.equal(one.tenantId, gw.identity.tenantId);
    assert.equal(one.state, 'Enabled');
    assert.equal(one.subscriptionPolicies?.spendingLimit, 'Off');
    const listed = [];
    for await (const s of subs.subscriptions.list()) listed.push(s.subscriptionId);
    assert.deepEqual(listed, gw.control.current.subscriptions());
  });

  test('a caller with a role only at a resource group gets the subscription and lists that group alone; one with no role is told it is not found', async () => {
    const group = `only-${crypto.randomUUID().slice(0, 8)}`;
    const owner = await principalWith(ROLES.owner, groupScope('claude-foundry'));
    assert.equal((await owner.arm('PUT', `/subscriptions/${SUBSCRIPTION}/resourcegroups/${group}?api-version=2021-04-01`, { location: 'eastus2' })).status, 403);
    const got = await owner.arm('GET', `/subscriptions/${SUBSCRIPTION}?api-version=2022-12-01`);
    assert.equal(got.status, 200, got.text);
    assert.equal((got.json() as { subscriptionId: string }).subscriptionId, SUBSCRIPTION);
    const groups = await owner.arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups?api-version=2022-09-01`);
    assert.deepEqual((groups.json() as { value: Array<{ name: string }> }).value.map((g) => g.name), ['claude-foundry']);

    const nobody = await principalWith(undefined, '');
    const missing = await nobody.arm('GET', `/subscriptions/${SUBSCRIPTION}?api-version=2022-12-01`);
    assert.equal(missing.status, 404);
    assert.deepEqual(errorOf(missing), { code: 'SubscriptionNotFound', message: `The subscription '${SUBSCRIPTION}' could not be found.` });
    assert.equal((await nobody.arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups?api-version=2022-09-01`)).status, 403);
  });

  test('bad input: a malformed ID, no api-version, an unknown one, no token', async () => {
    const owner = await principalWith(ROLES.owner, `/subscriptions/${SUBSCRIPTION}`);
    const malformed = await owner.arm('GET', '/subscriptions/not-a-guid?api-version=2022-12-01');
    assert.equal(malformed.status, 400);
    assert.match(errorOf(malformed).message, /subscription identifier 'not-a-guid' is malformed/);
    const noVersion = await raw(gw, { method: 'GET', path: `/subscriptions/${SUBSCRIPTION}`, headers: { authorization: `Bearer ${owner.token}` } });
    assert.equal(noVersion.status, 400);
    assert.equal(errorOf(noVersion).code, 'MissingApiVersionParameter');
    const badVersion = await owner.arm('GET', `/subscriptions/${SUBSCRIPTION}?api-version=1999-01-01`);
    assert.equal(badVersion.status, 400);
    assert.match(errorOf(badVersion).message, /api-version '1999-01-01' is invalid/);
    const anonymous = await armWith(gw, undefined)('GET', `/subscriptions/${SUBSCRIPTION}?api-version=2022-12-01`);
    assert.equal(anonymous.status, 401);
  });
});
