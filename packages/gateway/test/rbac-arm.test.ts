// The management endpoints the CLI uses, in Azure's shapes: ARM role assignments and role definitions
// (api-version 2022-04-01) and the Graph-like service principal endpoint, authorized by the caller's own roles.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { raw, type RawResponse, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, devToken, newPrincipal, ROLES, subscriptionScope } from './identity-helpers.ts';

const V = '?api-version=2022-04-01';
const MANAGEMENT = 'https://management.azure.com/.default';

let gw: TestGateway;
let admin: string;
before(async () => {
  gw = await startTestGateway();
  const creds = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
  admin = await devToken(gw, creds.clientId, creds.clientSecret, MANAGEMENT);
});
after(() => gw.close());

function arm(method: string, path: string, token: string | undefined, body?: unknown): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  return raw(gw, { method, path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

const assignmentPath = (scope: string, name: string = randomUUID()) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`;
const roleRef = (role: string) => `/subscriptions/${gw.config.resources[0]!.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
const errorOf = (res: RawResponse) => (res.json() as { error: { code: string; message: string } }).error;

async function managementToken(role: string | undefined): Promise<{ token: string; objectId: string }> {
  const p = await newPrincipal(gw);
  if (role) await assign(gw, p.objectId, role, subscriptionScope());
  return { token: await devToken(gw, p.clientId, p.clientSecret, MANAGEMENT), objectId: p.objectId };
}

describe('role assignments', () => {
  test('PUT creates one (201) in ARM\'s shape; the same PUT again is 200; the same role under another name is 409', async () => {
    const p = await newPrincipal(gw);
    const scope = accountScope('claude-local');
    const name = randomUUID();
    const body = { properties: { roleDefinitionId: roleRef(ROLES.cognitiveServicesUser), principalId: p.objectId } };
    const created = await arm('PUT', assignmentPath(scope, name), admin, body);
    assert.equal(created.status, 201, created.text);
    const json = created.json() as { id: string; name: string; type: string; properties: Record<string, unknown> };
    assert.equal(json.id, `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    assert.equal(json.type, 'Microsoft.Authorization/roleAssignments');
    assert.equal(json.properties['principalType'], 'ServicePrincipal');
    assert.equal(json.properties['scope'], scope);
    assert.equal(json.properties['roleDefinitionId'], roleRef(ROLES.cognitiveServicesUser));
    assert.equal((await arm('PUT', assignmentPath(scope, name), admin, body)).status, 200);
    const duplicate = await arm('PUT', assignmentPath(scope), admin, body);
    assert.equal(duplicate.status, 409);
    assert.deepEqual(errorOf(duplicate), { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' });
    assert.equal((await arm('GET', assignmentPath(scope, name), admin)).status, 200);
  });

  test('list filters: atScope(), principalId eq, assignedTo() through groups; DELETE answers 200 then 204', async () => {
    const group = randomUUID();
    const p = await newPrincipal(gw, undefined, [group]);
    const sub = subscriptionScope();
    const res = accountScope('claude-local');
    const direct = randomUUID();
    const viaGroup = randomUUID();
    await arm('PUT', assignmentPath(res, direct), admin, { properties: { roleDefinitionId: roleRef(ROLES.azureAiUser), principalId: p.objectId } });
    await arm('PUT', assignmentPath(sub, viaGroup), admin, { properties: { roleDefinitionId: roleRef(ROLES.reader), principalId: group, principalType: 'Group' } });
    const names = async (path: string) => ((await arm('GET', path, admin)).json() as { value: Array<{ name: string }> }).value.map((a) => a.name);

    assert.deepEqual(await names(`${sub}/providers/Microsoft.Authorization/roleAssignments${V}&$filter=${encodeURIComponent(`principalId eq '${p.objectId}'`)}`), [direct]);
    assert.deepEqual((await names(`${sub}/providers/Microsoft.Authorization/roleAssignments${V}&$filter=${encodeURIComponent(`assignedTo('${p.objectId}')`)}`)).sort(), [direct, viaGroup].sort());
    const atSub = await names(`${sub}/providers/Microsoft.Authorization/roleAssignments${V}&$filter=atScope()`);
    assert.ok(atSub.includes(viaGroup) && !atSub.includes(direct), 'atScope() leaves out assignments below the scope');
    const atRes = await names(`${res}/providers/Microsoft.Authorization/roleAssignments${V}`);
    assert.ok(atRes.includes(viaGroup) && atRes.includes(direct), 'a resource inherits the subscription\'s assignments');

    const deleted = await arm('DELETE', assignmentPath(res, direct), admin);
    assert.equal(deleted.status, 200);
    assert.equal((deleted.json() as { name: string }).name, direct);
    assert.equal((await arm('DELETE', assignmentPath(res, direct), admin)).status, 204);
    assert.equal((await arm('GET', assignmentPath(res, direct), admin)).status, 404);
  });

  const refusals: Array<[string, () => Promise<RawResponse>, number, string, RegExp]> = [
    ['no api-version', () => arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments`, admin), 400, 'MissingApiVersionParameter', /api-version query parameter/],
    ['an unknown api-version', () => arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments?api-version=1999-01-01`, admin), 400, 'InvalidApiVersionParameter', /'1999-01-01' is invalid/],
    ['no token', () => arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, undefined), 401, 'AuthenticationFailed', /'Authorization' header is missing/],
    ['an unknown role', () => newPrincipal(gw).then((p) => arm('PUT', assignmentPath(subscriptionScope()), admin, { properties: { roleDefinitionId: roleRef(randomUUID()), principalId: p.objectId } })), 400, 'RoleDefinitionDoesNotExist', /does not exist/],
    ['an unknown principal without principalType', () => arm('PUT', assignmentPath(subscriptionScope()), admin, { properties: { roleDefinitionId: roleRef(ROLES.reader), principalId: randomUUID() } }), 400, 'PrincipalNotFound', /does not exist in the directory/],
    ['an unknown subscription', () => arm('GET', `/subscriptions/${randomUUID()}/providers/Microsoft.Authorization/roleAssignments${V}`, admin), 404, 'SubscriptionNotFound', /could not be found/],
    ['an unknown resource group', () => arm('GET', `${subscriptionScope()}/resourceGroups/nope/providers/Microsoft.Authorization/roleAssignments${V}`, admin), 404, 'ResourceGroupNotFound', /'nope' could not be found/],
    ['a malformed scope', () => arm('GET', `/subscriptions/not-a-guid/providers/Microsoft.Authorization/roleAssignments${V}`, admin), 400, 'InvalidScope', /not valid/],
    ['a name that is not a GUID', () => arm('PUT', assignmentPath(subscriptionScope(), 'abc'), admin, {}), 400, 'InvalidRoleAssignmentRequest', /must be a GUID/],
    ['a body that is not JSON', () => raw(gw, { method: 'PUT', path: assignmentPath(subscriptionScope()), headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{nope' }), 400, 'InvalidRequestContent', /could not be deserialized/],
  ];
  for (const [name, call, status, code, message] of refusals) {
    test(`${name} → ${status} ${code}`, async () => {
      const res = await call();
      assert.equal(res.status, status, res.text);
      assert.equal(errorOf(res).code, code);
      assert.match(errorOf(res).message, message);
    });
  }

  test('a Cognitive Services token is refused on ARM with 401 InvalidAuthenticationTokenAudience', async () => {
    const creds = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
    const res = await arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, await devToken(gw, creds.clientId, creds.clientSecret));
    assert.equal(res.status, 401);
    assert.equal(errorOf(res).code, 'InvalidAuthenticationTokenAudience');
  });

  test('Reader may list but not assign; Contributor may not assign either (Microsoft.Authorization/*/Write is a notAction): 403 AuthorizationFailed', async () => {
    const target = await newPrincipal(gw);
    const body = { properties: { roleDefinitionId: roleRef(ROLES.cognitiveServicesUser), principalId: target.objectId } };
    const reader = await managementToken(ROLES.reader);
    assert.equal((await arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, reader.token)).status, 200);
    for (const who of [reader, await managementToken(ROLES.contributor)]) {
      const res = await arm('PUT', assignmentPath(subscriptionScope()), who.token, body);
      assert.equal(res.status, 403);
      assert.equal(errorOf(res).code, 'AuthorizationFailed');
      assert.match(errorOf(res).message, new RegExp(`The client '${who.objectId}' with object id '${who.objectId}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope`));
    }
    const nobody = await managementToken(undefined);
    assert.equal((await arm('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, nobody.token)).status, 403);
  });

  test('Azure AI Account Owner may assign Azure AI User and nothing else (its ABAC condition)', async () => {
    const owner = await managementToken(ROLES.azureAiAccountOwner);
    const target = await newPrincipal(gw);
    const put = (role: string) => arm('PUT', assignmentPath(accountScope('claude-local')), owner.token, { properties: { roleDefinitionId: roleRef(role), principalId: target.objectId } });
    assert.equal((await put(ROLES.azureAiUser)).status, 201);
    assert.equal((await put(ROLES.cognitiveServicesUser)).status, 403);
  });
});

describe('role definitions', () => {
  test('list, filter by name and get by ID, in ARM\'s shape', async () => {
    const base = `${subscriptionScope()}/providers/Microsoft.Authorization/roleDefinitions`;
    const all = (await arm('GET', `${base}${V}`, admin)).json() as { value: Array<{ name: string; properties: { roleName: string } }> };
    assert.ok(all.value.length >= 8);
    const filtered = (await arm('GET', `${base}${V}&$filter=${encodeURIComponent("roleName eq 'Azure AI User'")}`, admin)).json() as { value: Array<Record<string, unknown>> };
    assert.equal(filtered.value.length, 1);
    const one = (await arm('GET', `${base}/${ROLES.cognitiveServicesUser}${V}`, admin)).json() as { id: string; properties: { roleName: string; type: string; permissions: Array<{ dataActions: string[] }> } };
    assert.equal(one.id, `${base}/${ROLES.cognitiveServicesUser}`);
    assert.equal(one.properties.roleName, 'Cognitive Services User');
    assert.equal(one.properties.type, 'BuiltInRole');
    assert.deepEqual(one.properties.permissions[0]!.dataActions, ['Microsoft.CognitiveServices/*']);
    assert.equal((await arm('GET', `${base}/${randomUUID()}${V}`, admin)).status, 404);
  });
});

describe('service principals (/v1.0/servicePrincipals)', () => {
  test('create returns the secret once; list and get do not; delete removes it; the secret works at the token endpoint', async () => {
    const created = await arm('POST', '/v1.0/servicePrincipals', admin, { displayName: 'ci-bot', groups: [randomUUID()] });
    assert.equal(created.status, 201, created.text);
    const sp = created.json() as { id: string; appId: string; displayName: string; appOwnerOrganizationId: string; passwordCredentials: Array<{ secretText: string }> };
    assert.equal(sp.appOwnerOrganizationId, gw.identity.tenantId);
    const secret = sp.passwordCredentials[0]!.secretText;
    assert.match(secret, /^.{3}8Q~.{34}$/);
    assert.ok(await devToken(gw, sp.appId, secret));
    const list = (await arm('GET', '/v1.0/servicePrincipals', admin)).json() as { value: Array<Record<string, unknown>> };
    assert.ok(list.value.some((p) => p['id'] === sp.id));
    assert.ok(!JSON.stringify(list).includes(secret));
    assert.equal((await arm('GET', `/v1.0/servicePrincipals(appId='${sp.appId}')`, admin)).status, 200);
    assert.equal((await arm('DELETE', `/v1.0/servicePrincipals/${sp.id}`, admin)).status, 204);
    assert.equal((await arm('GET', `/v1.0/servicePrincipals/${sp.id}`, admin)).status, 404);
  });

  test('Reader may list but not create; the admin principal cannot be deleted', async () => {
    const reader = await managementToken(ROLES.reader);
    assert.equal((await arm('GET', '/v1.0/servicePrincipals', reader.token)).status, 200);
    const res = await arm('POST', '/v1.0/servicePrincipals', reader.token, { displayName: 'x' });
    assert.equal(res.status, 403);
    assert.equal(errorOf(res).code, 'Authorization_RequestDenied');
    const adminId = (JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { objectId: string }).objectId;
    const refused = await arm('DELETE', `/v1.0/servicePrincipals/${adminId}`, admin);
    assert.equal(refused.status, 400);
    assert.match(errorOf(refused).message, /admin principal cannot be deleted/);
  });
});

describe('permissions', () => {
  test("GET {scope}/providers/Microsoft.Authorization/permissions lists what the caller's own roles at or above the scope permit, and 404 for an unknown scope", async () => {
    const p = await newPrincipal(gw);
    const resource = gw.config.resources[0]!.name;
    await assign(gw, p.objectId, ROLES.reader, accountScope(resource));
    const token = await devToken(gw, p.clientId, p.clientSecret, MANAGEMENT);
    const path = (scope: string) => `${scope}/providers/Microsoft.Authorization/permissions${V}`;
    const at = await arm('GET', path(accountScope(resource)), token);
    assert.equal(at.status, 200, at.text);
    assert.deepEqual((at.json() as { value: unknown[] }).value, [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }]);
    // The Reader role is on the account: the subscription above it is not covered.
    assert.deepEqual((((await arm('GET', path(subscriptionScope()), token)).json()) as { value: unknown[] }).value, []);
    const owner = ((await arm('GET', path(accountScope(resource)), admin)).json() as { value: Array<{ actions: string[] }> }).value;
    assert.ok(owner.some((v) => v.actions.includes('*')), JSON.stringify(owner));
    assert.equal((await arm('GET', path(accountScope('no-such-account')), token)).status, 404);
    assert.equal((await arm('GET', path(accountScope(resource)), undefined)).status, 401);
    assert.equal((await arm('GET', `${accountScope(resource)}/providers/Microsoft.Authorization/permissions`, token)).status, 400);
  });
});
