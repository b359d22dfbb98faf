// Azure RBAC on the data plane: which built-in roles let a principal call Claude, at which scopes, through groups,
// how a refusal looks, and `disableLocalAuth`. Decisions come from the in-memory snapshot, so changes apply at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATA_ACTIONS } from '../src/auth/data-actions.ts';
import { actionMatches, roleGrants, scopeCovers } from '../src/auth/permissions.ts';
import { BUILT_IN_ROLES, findRole } from '../src/auth/roles.ts';
import { GUID, messages, raw, REQUEST_ID, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, devToken, groupScope, newPrincipal, ROLES, subscriptionScope } from './identity-helpers.ts';

const OTHER_SUBSCRIPTION = 'c1a0de00-5ab5-4000-8000-000000000002';
const sim = [{ name: 'claude-sonnet-4-6' }];

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    resources: [
      { name: 'claude-local', deployments: sim },
      { name: 'sibling', deployments: sim }, // same resource group
      { name: 'elsewhere', resourceGroup: 'other-rg', deployments: sim },
      { name: 'entra-only', disableLocalAuth: true, deployments: sim },
      { name: 'far-away', subscriptionId: OTHER_SUBSCRIPTION, deployments: sim },
    ],
  });
});
after(() => gw.close());

/** A new principal with `role` at `scope`, and its Cognitive Services token. */
async function principalWith(role: string | undefined, scope: string, groups: string[] = []) {
  const p = await newPrincipal(gw, undefined, groups);
  if (role) await assign(gw, p.objectId, role, scope);
  return { ...p, token: await devToken(gw, p.clientId, p.clientSecret) };
}

describe('which built-in roles allow calling Claude', () => {
  const allowed = ['cognitiveServicesUser', 'azureAiUser', 'azureAiProjectManager'] as const;
  const refused = ['owner', 'contributor', 'reader', 'cognitiveServicesContributor', 'openAiUser', 'openAiContributor', 'azureAiDeveloper', 'azureAiAccountOwner'] as const;
  for (const name of allowed) {
    test(`${findRole(ROLES[name])!.roleName} on the resource allows messages and count_tokens`, async () => {
      const p = await principalWith(ROLES[name], accountScope('claude-local'));
      assert.equal((await callWithToken(gw, p.token)).status, 200);
      assert.equal((await callWithToken(gw, p.token, 'claude-local', 'v1/messages/count_tokens')).status, 200);
    });
  }
  for (const name of refused) {
    test(`${findRole(ROLES[name])!.roleName} on the resource does not (403 PermissionDenied)`, async () => {
      const p = await principalWith(ROLES[name], accountScope('claude-local'));
      assert.equal((await callWithToken(gw, p.token)).status, 403);
    });
  }

  test('a custom role with only Microsoft.CognitiveServices/accounts/providers/* grants both operations (Anthropic\'s minimal role)', () => {
    const custom = { id: 'custom', roleName: 'Claude caller', description: '', permissions: [{ actions: [], notActions: [], dataActions: ['Microsoft.CognitiveServices/accounts/providers/*'], notDataActions: [] }] };
    assert.ok(roleGrants(custom, 'dataAction', DATA_ACTIONS.messages));
    assert.ok(roleGrants(custom, 'dataAction', DATA_ACTIONS.count_tokens));
    const minus = { ...custom, permissions: [{ ...custom.permissions[0]!, notDataActions: ['Microsoft.CognitiveServices/accounts/providers/Anthropic/messages/action'] }] };
    assert.ok(!roleGrants(minus, 'dataAction', DATA_ACTIONS.messages), 'notDataActions subtract');
    assert.ok(roleGrants(minus, 'dataAction', DATA_ACTIONS.count_tokens));
  });

  test('actions match as Azure evaluates them: * spans segments, case does not matter, actions and data actions are separate', () => {
    assert.ok(actionMatches('Microsoft.CognitiveServices/*', 'microsoft.cognitiveservices/accounts/providers/anthropic/messages/action'));
    assert.ok(actionMatches('*/read', 'Microsoft.Authorization/roleAssignments/read'));
    assert.ok(!actionMatches('Microsoft.CognitiveServices/accounts/OpenAI/*', DATA_ACTIONS.messages));
    assert.ok(!roleGrants(findRole('Owner')!, 'dataAction', DATA_ACTIONS.messages), "Owner's * is an action, not a data action");
    assert.ok(!roleGrants(findRole('Contributor')!, 'action', 'Microsoft.Authorization/roleAssignments/write'));
    assert.ok(scopeCovers('/subscriptions/A', '/SUBSCRIPTIONS/a/resourceGroups/x'));
    assert.ok(!scopeCovers('/subscriptions/a/resourceGroups/x', '/subscriptions/a/resourceGroups/xy'));
    assert.equal(BUILT_IN_ROLES.length, new Set(BUILT_IN_ROLES.map((r) => r.id)).size);
  });
});

describe('where a role applies', () => {
  test('at the subscription: every resource in it, not one in another subscription', async () => {
    const p = await principalWith(ROLES.cognitiveServicesUser, subscriptionScope());
    for (const r of ['claude-local', 'sibling', 'elsewhere']) assert.equal((await callWithToken(gw, p.token, r)).status, 200, r);
    assert.equal((await callWithToken(gw, p.token, 'far-away')).status, 403);
  });

  test('at the resource group: its resources, not those of another group', async () => {
    const p = await principalWith(ROLES.azureAiUser, groupScope('claude-foundry'));
    assert.equal((await callWithToken(gw, p.token, 'sibling')).status, 200);
    assert.equal((await callWithToken(gw, p.token, 'elsewhere')).status, 403);
  });

  test('at the resource: that resource only', async () => {
    const p = await principalWith(ROLES.cognitiveServicesUser, accountScope('claude-local'));
    assert.equal((await callWithToken(gw, p.token, 'claude-local')).status, 200);
    assert.equal((await callWithToken(gw, p.token, 'sibling')).status, 403);
  });

  test('through a group in the token\'s groups claim', async () => {
    const group = '7e57a11c-0000-4000-8000-00000000c0de';
    await assign(gw, group, ROLES.cognitiveServicesUser, accountScope('elsewhere', 'other-rg'), 'Group');
    const member = await principalWith(undefined, '', [group]);
    assert.equal((await callWithToken(gw, member.token, 'elsewhere')).status, 200);
    const outsider = await principalWith(undefined, '');
    assert.equal((await callWithToken(gw, outsider.token, 'elsewhere')).status, 403);
  });

  test('a removed assignment stops working on the next request, without a restart', async () => {
    const p = await newPrincipal(gw);
    const assignment = await assign(gw, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
    const token = await devToken(gw, p.clientId, p.clientSecret);
    assert.equal((await callWithToken(gw, token)).status, 200);
    await gw.identity.directory.deleteRoleAssignment(assignment.name);
    assert.equal((await callWithToken(gw, token)).status, 403);
  });
});

describe('a refusal', () => {
  test('is 403 PermissionDenied in Azure\'s shape, naming the principal, the data action and the operation, with both correlation headers', async () => {
    const p = await principalWith(undefined, '');
    const res = await callWithToken(gw, p.token);
    assert.equal(res.status, 403);
    assert.match(String(res.headers['request-id']), REQUEST_ID);
    assert.match(String(res.headers['apim-request-id']), GUID);
    const body = res.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'PermissionDenied');
    assert.equal(
      body.error.message.split(' on resource')[0],
      `The principal \`${p.objectId}\` lacks the required data action \`Microsoft.CognitiveServices/accounts/providers/Anthropic/messages/action\` to perform \`POST /anthropic/v1/messages\` operation`,
    );
  });

  test('a token without a resource in the address, on a gateway of several resources, is told to address one', async () => {
    const p = await principalWith(ROLES.cognitiveServicesUser, subscriptionScope());
    const res = await raw(gw, { path: '/anthropic/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', authorization: `Bearer ${p.token}` }, body: '{}' });
    assert.equal(res.status, 404);
    assert.match(res.text, /address it by host .* or by path/);
    const byHost = await raw(gw, { path: '/anthropic/v1/messages', headers: { host: 'sibling.services.ai.azure.com', 'content-type': 'application/json', 'anthropic-version': '2023-06-01', authorization: `Bearer ${p.token}` }, body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) });
    assert.equal(byHost.status, 200, byHost.text);
  });
});

describe('disableLocalAuth', () => {
  const keyHeaders = (key: string) => [{ 'x-api-key': key }, { 'api-key': key }, { authorization: `Bearer ${key}` }];

  test('refuses the resource\'s own keys, in every header, with 403 AuthenticationTypeDisabled', async () => {
    const key = gw.keys('entra-only').key1;
    for (const headers of keyHeaders(key)) {
      const res = await raw(gw, { path: '/entra-only/anthropic/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers }, body: '{}' });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.deepEqual(res.json(), { error: { code: 'AuthenticationTypeDisabled', message: 'Key based authentication is disabled for this resource.' } });
    }
    const keyAlone = await raw(gw, { path: '/anthropic/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key }, body: '{}' });
    assert.equal(keyAlone.status, 403, 'found by its key alone, the resource still refuses it');
  });

  test('still accepts Entra tokens with a role, while other resources keep accepting keys', async () => {
    const p = await principalWith(ROLES.azureAiUser, accountScope('entra-only'));
    assert.equal((await callWithToken(gw, p.token, 'entra-only')).status, 200);
    assert.equal((await messages(gw)).status, 200);
  });
});
