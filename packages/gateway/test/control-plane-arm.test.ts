// The ARM subset over HTTP, as a client sees it: Microsoft.CognitiveServices accounts, keys and deployments, and
// resource groups, in ARM's shapes; every bad input refused with ARM's error body; RBAC on every route; and writes that
// stay consistent under 20 concurrent PUTs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RawResponse, startTestGateway, type TestGateway } from './helpers.ts';
import { assign, devToken, newPrincipal, ROLES, SUBSCRIPTION, subscriptionScope } from './identity-helpers.ts';
import {
  ACCOUNT,
  accountPath,
  adminToken,
  type Arm,
  armWith,
  callResource,
  deploymentBody,
  deploymentPath,
  errorOf,
  keysOf,
  MANAGEMENT_SCOPE,
} from './control-helpers.ts';

let gw: TestGateway;
let arm: Arm;
before(async () => {
  gw = await startTestGateway();
  arm = armWith(gw, await adminToken(gw));
});
after(() => gw.close());

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${randomUUID().slice(0, 6)}`;

async function newAccount(name = unique('acct'), rg = 'claude-foundry', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await arm('PUT', accountPath(name, rg), { ...ACCOUNT, ...extra });
  assert.equal(res.status, 201, res.text);
  return accountPath(name, rg);
}

function refused(res: RawResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, res.text);
  const error = errorOf(res);
  assert.equal(error.code, code, res.text);
  if (message) assert.match(error.message, message);
}

describe('accounts', () => {
  test('PUT creates one (201) in ARM\'s shape with the gateway\'s own endpoints and no polling headers; the same PUT again is 200', async () => {
    const name = unique('shape');
    const res = await arm('PUT', accountPath(name), { ...ACCOUNT, tags: { team: 'a' }, properties: { customSubDomainName: name } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers['location'], undefined);
    assert.equal(res.headers['azure-asyncoperation'], undefined);
    assert.ok(res.headers['x-ms-request-id']);
    const json = res.json() as { id: string; name: string; type: string; kind: string; sku: unknown; location: string; tags: unknown; properties: Record<string, unknown> };
    assert.equal(json.id, accountPath(name));
    assert.equal(json.type, 'Microsoft.CognitiveServices/accounts');
    assert.deepEqual([json.name, json.kind, json.sku, json.location, json.tags], [name, 'AIServices', { name: 'S0' }, 'eastus2', { team: 'a' }]);
    const p = json.properties;
    assert.equal(p['provisioningState'], 'Succeeded');
    assert.equal(p['endpoint'], `${gw.httpsUrl}/${name}/`);
    assert.deepEqual(p['endpoints'], {
      'AI Foundry API': `${gw.httpsUrl}/${name}/`,
      Anthropic: `${gw.httpsUrl}/${name}/anthropic/`,
      'AI Foundry API (HTTP)': `${gw.url}/${name}/`,
      'Anthropic (HTTP)': `${gw.url}/${name}/anthropic/`,
    });
    assert.deepEqual([p['customSubDomainName'], p['publicNetworkAccess'], p['disableLocalAuth']], [name, 'Enabled', false]);
    const again = await arm('PUT', accountPath(name), { ...ACCOUNT, properties: { customSubDomainName: name } });
    assert.equal(again.status, 200);
    assert.deepEqual((again.json() as { tags: unknown }).tags, {}, 'a PUT replaces the whole account');
  });

  test('PATCH changes what it names and keeps the rest; GET reads it back; DELETE answers 200, then 204', async () => {
    const path = await newAccount(undefined, 'claude-foundry', { properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24' }] } } });
    const patched = await arm('PATCH', path, { tags: { env: 'ci' }, properties: { disableLocalAuth: true } });
    assert.equal(patched.status, 200, patched.text);
    const got = (await arm('GET', path)).json() as { tags: unknown; properties: Record<string, unknown> };
    assert.deepEqual(got.tags, { env: 'ci' });
    assert.equal(got.properties['disableLocalAuth'], true);
    assert.deepEqual(got.properties['networkAcls'], { defaultAction: 'Deny', bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [{ value: '203.0.113.0/24' }] });
    assert.equal((await arm('DELETE', path)).status, 200);
    assert.equal((await arm('DELETE', path)).status, 204);
    refused(await arm('GET', path), 404, 'ResourceNotFound', /under resource group 'claude-foundry' was not found/);
    refused(await arm('PATCH', path, { tags: {} }), 404, 'ResourceNotFound');
  });

  test('a PUT into a resource group that does not exist creates the group; lists are per group and per subscription', async () => {
    const rg = unique('rg');
    const name = unique('grouped');
    await newAccount(name, rg);
    const group = await arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups/${rg}?api-version=2021-04-01`);
    assert.equal(group.status, 200, group.text);
    assert.deepEqual(group.json(), { id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`, name: rg, type: 'Microsoft.Resources/resourceGroups', location: 'eastus2', tags: {}, properties: { provisioningState: 'Succeeded' } });
    const inGroup = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.CognitiveServices/accounts`)).json() as { value: Array<{ name: string }> };
    assert.deepEqual(inGroup.value.map((a) => a.name), [name]);
    const all = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CognitiveServices/accounts`)).json() as { value: Array<{ name: string }> };
    assert.ok(all.value.some((a) => a.name === name) && all.value.some((a) => a.name === 'claude-local'));
  });

  test('listKeys answers Key1 and Key2; regenerateKey replaces exactly one, and the old value stops working at once', async () => {
    const name = unique('keys');
    const path = await newAccount(name);
    assert.equal((await arm('PUT', `${path}/deployments/claude-haiku-4-5`, deploymentBody('claude-haiku-4-5'))).status, 201);
    const before = await keysOf(arm, path);
    assert.match(before.key1, /^[A-Za-z0-9]{84}$/);
    assert.equal((await callResource(gw, name, before.key1, 'claude-haiku-4-5')).status, 200);
    const res = await arm('POST', `${path}/regenerateKey`, { keyName: 'Key2' });
    assert.equal(res.status, 200, res.text);
    const after = res.json() as { key1: string; key2: string };
    assert.equal(after.key1, before.key1);
    assert.notEqual(after.key2, before.key2);
    refused(await callResource(gw, name, before.key2, 'claude-haiku-4-5'), 401, '401', /invalid subscription key/);
    assert.equal((await callResource(gw, name, after.key2, 'claude-haiku-4-5')).status, 200);
    assert.deepEqual(await keysOf(arm, path), after);
  });
});

describe('deployments', () => {
  test('PUT 201 then 200, callable at once; version and SKU default from the catalog; modelProviderData is accepted and echoed', async () => {
    const name = unique('dep');
    const path = await newAccount(name);
    const providerData = { organizationName: 'Contoso', countryCode: 'US', industry: 'technology' };
    const created = await arm('PUT', `${path}/deployments/sonnet`, { properties: { model: { format: 'Anthropic', name: 'claude-opus-4-5' }, modelProviderData: providerData } });
    assert.equal(created.status, 201, created.text);
    const json = created.json() as { id: string; type: string; sku: unknown; properties: Record<string, unknown> };
    assert.equal(json.id, `${path}/deployments/sonnet`);
    assert.equal(json.type, 'Microsoft.CognitiveServices/accounts/deployments');
    // Opus 4.5 is deprecated (retires 2027-01-22), still deployable; no other deployment of it holds any quota here.
    assert.deepEqual(json.sku, { name: 'GlobalStandard', capacity: 10_000 }, 'no capacity given: the whole quota of an Enterprise subscription');
    assert.deepEqual(json.properties['model'], { format: 'Anthropic', name: 'claude-opus-4-5', version: '20251101' });
    assert.deepEqual(json.properties['modelProviderData'], providerData);
    assert.deepEqual(json.properties['claudeFoundry'], { backend: 'simulator' });
    const { key1 } = await keysOf(arm, path);
    assert.equal((await callResource(gw, name, key1, 'sonnet')).status, 200);
    const updated = await arm('PUT', `${path}/deployments/sonnet`, deploymentBody('claude-opus-4-5', 7, 'DataZoneStandard'));
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual((updated.json() as { sku: unknown }).sku, { name: 'DataZoneStandard', capacity: 7 });
    const listed = (await arm('GET', `${path}/deployments`)).json() as { value: Array<{ name: string }> };
    assert.deepEqual(listed.value.map((d) => d.name), ['sonnet']);
    assert.equal((await arm('DELETE', `${path}/deployments/sonnet`)).status, 200);
    assert.equal((await arm('DELETE', `${path}/deployments/sonnet`)).status, 204);
    refused(await callResource(gw, name, key1, 'sonnet'), 404, 'DeploymentNotFound');
    refused(await arm('GET', `${path}/deployments/sonnet`), 404, 'NotFound', /Specified resource '.*\/deployments\/sonnet' cannot be found/);
  });

  test("a deployment's model cannot be changed, as ARM refuses it; its version, SKU and capacity can", async () => {
    const path = await newAccount();
    assert.equal((await arm('PUT', `${path}/deployments/d1`, deploymentBody('claude-sonnet-4-6'))).status, 201);
    refused(await arm('PUT', `${path}/deployments/d1`, deploymentBody('claude-haiku-4-5')), 400, 'CannotChangeDeploymentModel', /The model of deployment cannot be changed: 'd1' serves 'claude-sonnet-4-6', not 'claude-haiku-4-5'/);
    refused(await arm('PATCH', `${path}/deployments/d1`, { properties: { model: { format: 'Anthropic', name: 'claude-opus-4-5' } } }), 400, 'CannotChangeDeploymentModel');
    const patched = await arm('PATCH', `${path}/deployments/d1`, { sku: { capacity: 3 } });
    assert.deepEqual((patched.json() as { sku: unknown }).sku, { name: 'GlobalStandard', capacity: 3 });
    const versioned = await arm('PUT', `${path}/deployments/d1`, { ...deploymentBody('claude-sonnet-4-6'), properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6', version: '2' } } });
    assert.equal(versioned.status, 200, versioned.text);
  });
});

describe('resource groups', () => {
  test('PUT creates (201) and updates (200); another location is refused as ARM refuses it', async () => {
    const rg = unique('group');
    const path = `/subscriptions/${SUBSCRIPTION}/resourcegroups/${rg}?api-version=2021-04-01`;
    assert.equal((await arm('PUT', path, { location: 'eastus2' })).status, 201);
    assert.equal((await arm('PUT', path, { location: 'East US 2', tags: { a: 'b' } })).status, 200);
    refused(await arm('PUT', path, { location: 'swedencentral' }), 409, 'InvalidResourceGroupLocation', /already exists in location 'eastus2'/);
    const list = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups?api-version=2021-04-01`)).json() as { value: Array<{ name: string }> };
    assert.ok(list.value.some((g) => g.name === rg) && list.value.some((g) => g.name === 'claude-foundry'));
    refused(await arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups/nope-${rg}?api-version=2021-04-01`), 404, 'ResourceGroupNotFound');
  });
});

describe('every bad input gets a clear ARM error', () => {
  const cases: Array<[string, () => Promise<RawResponse>, number, string, RegExp?]> = [
    ['a one-character account name', () => arm('PUT', accountPath('a'), ACCOUNT), 400, 'InvalidAccountName', /only allows 2 to 64 characters/],
    ['an account name starting with a hyphen', () => arm('PUT', accountPath('-bad'), ACCOUNT), 400, 'InvalidAccountName'],
    ['an account name ending with a hyphen', () => arm('PUT', accountPath('bad-'), ACCOUNT), 400, 'InvalidAccountName'],
    ['a 65-character account name', () => arm('PUT', accountPath('a'.repeat(65)), ACCOUNT), 400, 'InvalidAccountName'],
    ['an underscore in an account name (it is a DNS label here)', () => arm('PUT', accountPath('under_score'), ACCOUNT), 400, 'InvalidAccountName'],
    ['a custom subdomain with an underscore', () => arm('PUT', accountPath(unique('sub')), { ...ACCOUNT, properties: { customSubDomainName: 'ai_foundry-resource' } }), 400, 'CustomDomainInvalid', /^Sub domain name 'ai_foundry-resource' is not valid\.$/],
    ['a missing location', () => arm('PUT', accountPath(unique('loc')), { kind: 'AIServices', sku: { name: 'S0' } }), 400, 'LocationRequired'],
    ['a kind other than AIServices', () => arm('PUT', accountPath(unique('kind')), { ...ACCOUNT, kind: 'OpenAI' }), 400, 'InvalidResourceProperties', /kind 'OpenAI' is not supported/],
    ['an account SKU other than S0', () => arm('PUT', accountPath(unique('sku')), { ...ACCOUNT, sku: { name: 'F0' } }), 400, 'InvalidResourceProperties', /'S0'/],
    ['publicNetworkAccess neither Enabled nor Disabled', () => arm('PUT', accountPath(unique('pna')), { ...ACCOUNT, properties: { publicNetworkAccess: 'Sometimes' } }), 400, 'InvalidResourceProperties'],
    ['networkAcls without defaultAction', () => arm('PUT', accountPath(unique('acl')), { ...ACCOUNT, properties: { networkAcls: { ipRules: [] } } }), 400, 'InvalidRequestContent', /defaultAction/],
    ['a CIDR prefix past /32', () => arm('PUT', accountPath(unique('cidr')), { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '10.0.0.0/33' }] } } }), 400, 'BadRequest', /The IP rule '10\.0\.0\.0\/33' \(properties\.networkAcls\.ipRules\[0\]\.value\) is not valid/],
    ['an IP rule that is no address', () => arm('PUT', accountPath(unique('cidr')), { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '1.2.3.4' }, { value: 'not-an-ip' }] } } }), 400, 'BadRequest', /ipRules\[1\]/],
    ['an IPv4 octet past 255', () => arm('PUT', accountPath(unique('cidr')), { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '300.1.1.1' }] } } }), 400, 'BadRequest'],
    ['an IPv6 prefix past /128', () => arm('PUT', accountPath(unique('cidr')), { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '2001:db8::/129' }] } } }), 400, 'BadRequest'],
    ['virtual network rules', () => arm('PUT', accountPath(unique('vnet')), { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', virtualNetworkRules: [{ id: '/subscriptions/x/vnet' }] } } }), 400, 'BadRequest', /not supported/],
    ['malformed JSON', () => arm('PUT', accountPath(unique('json')), '{"location": "eastus2",'), 400, 'InvalidRequestContent', /could not be deserialized/],
    ['a JSON array for a body', () => arm('PUT', accountPath(unique('json')), '[]'), 400, 'InvalidRequestContent'],
    ['an unsupported api-version', () => arm('GET', `${accountPath('claude-local')}?api-version=2019-01-01`), 400, 'InvalidApiVersionParameter', /The api-version '2019-01-01' is invalid\. The supported versions are '.*2025-09-01/],
    ['no api-version', () => arm('GET', `${accountPath('claude-local')}?x=1&api-version=`), 400, 'MissingApiVersionParameter'],
    ['a subscription that is not a GUID', () => arm('GET', '/subscriptions/not-a-guid/providers/Microsoft.CognitiveServices/accounts'), 400, 'InvalidSubscriptionId'],
    ['a subscription the gateway does not serve', () => arm('GET', `/subscriptions/${randomUUID()}/providers/Microsoft.CognitiveServices/accounts`), 404, 'SubscriptionNotFound'],
    ['a resource group that does not exist', () => arm('GET', accountPath('claude-local', 'no-such-group')), 404, 'ResourceGroupNotFound', /^Resource group 'no-such-group' could not be found\.$/],
    ['a deployment in an account that does not exist', () => arm('PUT', deploymentPath('no-such-account', 'd1'), deploymentBody()), 404, 'ResourceNotFound', /Microsoft\.CognitiveServices\/accounts\/no-such-account/],
    ['a one-character deployment name', () => arm('PUT', deploymentPath('claude-local', 'x'), deploymentBody()), 400, 'InvalidResourceName', /2 to 64 characters/],
    ['a deployment name with a space', () => arm('PUT', deploymentPath('claude-local', 'bad%20name'), deploymentBody()), 400, 'InvalidResourceName'],
    ['an unknown model, answered with the catalog', () => arm('PUT', deploymentPath('claude-local', 'gpt'), deploymentBody('gpt-4o')), 400, 'DeploymentModelNotSupported', /The model 'Format:Anthropic,Name:gpt-4o,Version:1' of account deployment is not supported\. Deploy a model of the catalog with format 'Anthropic': .*claude-sonnet-5-5.*claude-haiku-4-5\.$/],
    ['a model of another format', () => arm('PUT', deploymentPath('claude-local', 'gpt'), { properties: { model: { format: 'OpenAI', name: 'claude-sonnet-4-6', version: '1' } } }), 400, 'DeploymentModelNotSupported'],
    ['no model', () => arm('PUT', deploymentPath('claude-local', 'nomodel'), { sku: { name: 'GlobalStandard', capacity: 1 } }), 400, 'InvalidRequestContent', /properties\.model/],
    ['capacity 0', () => arm('PUT', deploymentPath('claude-local', 'cap'), deploymentBody('claude-sonnet-4-6', 0)), 400, 'InvalidResourceProperties', /The capacity '0' is not valid: use a whole number from 1 to 1000000/],
    ['a fractional capacity', () => arm('PUT', deploymentPath('claude-local', 'cap'), deploymentBody('claude-sonnet-4-6', 1.5)), 400, 'InvalidResourceProperties'],
    ['a capacity past the maximum', () => arm('PUT', deploymentPath('claude-local', 'cap'), deploymentBody('claude-sonnet-4-6', 1_000_001)), 400, 'InvalidResourceProperties'],
    ['a deployment SKU Claude does not offer', () => arm('PUT', deploymentPath('claude-local', 'std'), deploymentBody('claude-sonnet-4-6', 1, 'Standard')), 400, 'InvalidResourceProperties', /The specified SKU 'Standard' of account deployment is not supported by the model 'claude-sonnet-4-6'/],
    ['regenerateKey with a lower-case key name', () => arm('POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'key1' }), 400, 'BadRequest', /^The key name 'key1' is invalid\. Valid values are 'Key1' and 'Key2'\.$/],
    ['a method the path does not serve', () => arm('POST', accountPath('claude-local')), 405, 'MethodNotAllowed'],
  ];
  for (const [what, send, status, code, message] of cases) {
    test(what, async () => refused(await send(), status, code, message));
  }

  test('nothing refused was created', async () => {
    const all = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CognitiveServices/accounts`)).json() as { value: Array<{ name: string }> };
    assert.ok(!all.value.some((a) => /^(a|-bad|bad-|under_score|(sub|loc|kind|sku|pna|acl|cidr|vnet|json)-.*)$/.test(a.name)), all.value.map((a) => a.name).join());
    const deployments = (await arm('GET', `${accountPath('claude-local')}/deployments`)).json() as { value: Array<{ name: string }> };
    assert.deepEqual(deployments.value.map((d) => d.name), ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5']);
  });
});

describe('names are global, as in Azure', () => {
  test('an account name used in another resource group, or as another account\'s subdomain, is 409 CustomDomainInUse', async () => {
    const name = unique('taken');
    await newAccount(name, 'claude-foundry');
    refused(await arm('PUT', accountPath(name, unique('other-rg')), ACCOUNT), 409, 'CustomDomainInUse', new RegExp(`The subdomain name '${name}' is not available as it's already used by a resource`));
    refused(await arm('PUT', accountPath(unique('fresh')), { ...ACCOUNT, properties: { customSubDomainName: name } }), 409, 'CustomDomainInUse');
    refused(await arm('PUT', accountPath('CLAUDE-LOCAL', unique('rg')), ACCOUNT), 409, 'CustomDomainInUse', /'claude-local'/i);
  });

  test('an existing account cannot move to another location or change its custom subdomain', async () => {
    const name = unique('fixed');
    await newAccount(name, 'claude-foundry', { properties: { customSubDomainName: name } });
    refused(await arm('PUT', accountPath(name), { ...ACCOUNT, location: 'swedencentral' }), 409, 'InvalidResourceLocation', new RegExp(`The resource '${name}' already exists in location 'eastus2'`));
    refused(await arm('PUT', accountPath(name), { ...ACCOUNT, properties: { customSubDomainName: `${name}-2` } }), 400, 'BadRequest', /cannot be changed/);
  });
});

describe('management auth and RBAC, in ARM\'s words', () => {
  async function tokenFor(role: string | undefined, scope = subscriptionScope(), audience = MANAGEMENT_SCOPE): Promise<string> {
    const p = await newPrincipal(gw);
    if (role) await assign(gw, p.objectId, role, scope);
    return devToken(gw, p.clientId, p.clientSecret, audience);
  }

  test('no token is 401 AuthenticationFailed; a Cognitive Services token is 401 InvalidAuthenticationTokenAudience', async () => {
    refused(await armWith(gw, undefined)('GET', accountPath('claude-local')), 401, 'AuthenticationFailed');
    refused(await armWith(gw, await tokenFor(ROLES.owner, subscriptionScope(), 'https://cognitiveservices.azure.com/.default'))('GET', accountPath('claude-local')), 401, 'InvalidAuthenticationTokenAudience');
  });

  test("a token for the gateway's own origin works, as Azure's SDK asks for `{endpoint}/.default`", async () => {
    const token = await tokenFor(ROLES.reader, subscriptionScope(), `${gw.url}/.default`);
    assert.equal((await armWith(gw, token)('GET', accountPath('claude-local'))).status, 200);
  });

  test('Reader reads and lists, but cannot write, list keys or regenerate them (403 AuthorizationFailed naming the action)', async () => {
    const reader = armWith(gw, await tokenFor(ROLES.reader));
    assert.equal((await reader('GET', accountPath('claude-local'))).status, 200);
    assert.equal((await reader('GET', `${accountPath('claude-local')}/deployments`)).status, 200);
    refused(await reader('PUT', accountPath(unique('r')), ACCOUNT), 403, 'AuthorizationFailed', /does not have authorization to perform action 'Microsoft\.CognitiveServices\/accounts\/write' over scope/);
    refused(await reader('POST', `${accountPath('claude-local')}/listKeys`), 403, 'AuthorizationFailed', /listKeys\/action/);
    refused(await reader('POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key1' }), 403, 'AuthorizationFailed');
    refused(await reader('PUT', deploymentPath('claude-local', 'r1'), deploymentBody()), 403, 'AuthorizationFailed', /deployments\/write/);
  });

  test('Cognitive Services Contributor on a resource group creates accounts and deployments there, but not resource groups', async () => {
    const rg = unique('cs-rg');
    assert.equal((await arm('PUT', `/subscriptions/${SUBSCRIPTION}/resourcegroups/${rg}?api-version=2021-04-01`, { location: 'eastus2' })).status, 201);
    const contributor = armWith(gw, await tokenFor(ROLES.cognitiveServicesContributor, `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`));
    const name = unique('csc');
    assert.equal((await contributor('PUT', accountPath(name, rg), ACCOUNT)).status, 201);
    assert.equal((await contributor('PUT', `${accountPath(name, rg)}/deployments/d1`, deploymentBody())).status, 201);
    assert.equal((await contributor('POST', `${accountPath(name, rg)}/listKeys`)).status, 200);
    refused(await contributor('PUT', accountPath(unique('elsewhere')), ACCOUNT), 403, 'AuthorizationFailed');
    refused(await contributor('PUT', `/subscriptions/${SUBSCRIPTION}/resourcegroups/${unique('rg')}?api-version=2021-04-01`, { location: 'eastus2' }), 403, 'AuthorizationFailed', /resourceGroups\/write/);
    const listed = (await contributor('GET', `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CognitiveServices/accounts`)).json() as { value: Array<{ name: string }> };
    assert.deepEqual(listed.value.map((a) => a.name), [name], 'a list shows what the caller may read');
  });

  test('role assignments can name an account created through ARM', async () => {
    const name = unique('assignable');
    const path = await newAccount(name);
    const p = await newPrincipal(gw);
    const res = await arm('PUT', `${path}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`, {
      properties: { roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${ROLES.cognitiveServicesUser}`, principalId: p.objectId },
    });
    assert.equal(res.status, 201, res.text);
  });
});

describe('20 concurrent PUTs leave a consistent state', () => {
  test('20 different deployments of one account: all created, all listed, all callable', async () => {
    const name = unique('burst');
    const path = await newAccount(name);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => arm('PUT', `${path}/deployments/d${i}`, deploymentBody('claude-haiku-4-5', i + 1))));
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(201));
    const listed = (await arm('GET', `${path}/deployments`)).json() as { value: Array<{ name: string; sku: { capacity: number } }> };
    assert.deepEqual(listed.value.map((d) => d.name).sort(), Array.from({ length: 20 }, (_, i) => `d${i}`).sort());
    const { key1 } = await keysOf(arm, path);
    const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => callResource(gw, name, key1, `d${i}`)));
    assert.deepEqual(calls.map((r) => r.status), Array(20).fill(200));
  });

  test('20 PUTs of one new account name in 20 resource groups: exactly one wins, 19 get 409', async () => {
    const name = unique('race');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => arm('PUT', accountPath(name, `race-rg-${n}-${i}`), ACCOUNT)));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array(19).fill(409)]);
    const all = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.CognitiveServices/accounts`)).json() as { value: Array<{ name: string }> };
    assert.equal(all.value.filter((a) => a.name === name).length, 1);
  });

  test('20 PUTs of one deployment with different capacities: one 201, nineteen 200, and what is read is what is served', async () => {
    const name = unique('same');
    const path = await newAccount(name);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => arm('PUT', `${path}/deployments/one`, deploymentBody('claude-sonnet-4-6', i + 1))));
    assert.deepEqual(results.map((r) => r.status).sort(), [...Array(19).fill(200), 201]);
    const got = (await arm('GET', `${path}/deployments/one`)).json() as { sku: { capacity: number }; properties: { rateLimits: Array<{ key: string; count: number }> } };
    assert.equal(got.properties.rateLimits.find((r) => r.key === 'request')?.count, got.sku.capacity);
    assert.equal(gw.control.current.resource(name)?.deployments.get('one')?.capacity, got.sku.capacity);
  });

  test('20 concurrent regenerations of Key1: each answers a new pair, and only the last one stored works', async () => {
    const name = unique('rotate');
    const path = await newAccount(name);
    assert.equal((await arm('PUT', `${path}/deployments/claude-haiku-4-5`, deploymentBody('claude-haiku-4-5'))).status, 201);
    const results = await Promise.all(Array.from({ length: 20 }, () => arm('POST', `${path}/regenerateKey`, { keyName: 'Key1' })));
    const issued = results.map((r) => (r.json() as { key1: string }).key1);
    assert.equal(new Set(issued).size, 20);
    const { key1 } = await keysOf(arm, path);
    assert.ok(issued.includes(key1));
    const statuses = await Promise.all(issued.map((k) => callResource(gw, name, k, 'claude-haiku-4-5').then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 200).length, 1);
  });
});
