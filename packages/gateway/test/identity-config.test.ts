// The identity section of the config and the resources' place in ARM: defaults, and one clear line per mistake.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import type { RawConfig } from '../src/config/index.ts';
import { raw, startTestGateway } from './helpers.ts';
import { devToken, tokenRequest } from './identity-helpers.ts';

const load = (overrides: Partial<RawConfig>, env: NodeJS.ProcessEnv = {}) => loadConfig({ overrides, env });
const GUID = '0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9';

describe('defaults', () => {
  test('the development tenant is on, no real tenant is trusted, skew and JWKS interval are five minutes', () => {
    const { identity, resources, httpsPort } = load({});
    assert.deepEqual(identity.developmentTenant, { tenantId: 'c1a0de00-7e4a-4000-8000-000000000001', enabled: true });
    assert.deepEqual(identity.trustedTenants, []);
    assert.equal(identity.clockSkewSeconds, 300);
    assert.equal(identity.jwksMinRefreshSeconds, 300);
    assert.equal(resources[0]!.subscriptionId, 'c1a0de00-5ab5-4000-8000-000000000001');
    assert.equal(resources[0]!.resourceGroup, 'claude-foundry');
    assert.equal(httpsPort, 4443);
    assert.equal(load({ port: 0 }).httpsPort, 0);
  });

  test('a trusted tenant gets Entra\'s JWKS URL; a configured assignment defaults to the first subscription; a role may be named', () => {
    const { identity } = load({
      identity: { trustedTenants: [{ tenantId: GUID.toUpperCase() }], roleAssignments: [{ principalId: GUID, role: 'azure ai user' }] },
    });
    assert.deepEqual(identity.trustedTenants, [{ tenantId: GUID, jwksUri: `https://login.microsoftonline.com/${GUID}/discovery/v2.0/keys` }]);
    assert.deepEqual(identity.roleAssignments, [
      { principalId: GUID, principalType: 'ServicePrincipal', roleDefinitionId: '53ca6127-db72-4b80-b1b0-d745d6d5456d', scope: '/subscriptions/c1a0de00-5ab5-4000-8000-000000000001' },
    ]);
  });

  test('a principal\'s secret may come from the environment, and is never printed', () => {
    const { identity } = load({ identity: { servicePrincipals: [{ clientId: GUID, clientSecretEnv: 'CI_SECRET' }] } }, { CI_SECRET: 's3cret-value' });
    assert.equal(identity.servicePrincipals[0]!.clientSecret.reveal(), 's3cret-value');
    assert.doesNotMatch(JSON.stringify(identity), /s3cret-value/);
  });
});

describe('mistakes', () => {
  const cases: Array<[string, Partial<RawConfig>, RegExp]> = [
    ['a tenant that is not a GUID', { identity: { trustedTenants: [{ tenantId: 'contoso.com' }] } }, /identity\.trustedTenants\[0\]\.tenantId must be a GUID/],
    ['a real tenant with the development tenant\'s ID', { identity: { trustedTenants: [{ tenantId: 'c1a0de00-7e4a-4000-8000-000000000001' }] } }, /development tenant's ID/],
    ['an unknown role', { identity: { roleAssignments: [{ principalId: GUID, role: 'Galactic Emperor' }] } }, /role "Galactic Emperor" is not a built-in role/],
    ['a scope that is not ARM', { identity: { roleAssignments: [{ principalId: GUID, role: 'Reader', scope: '/tenants/x' }] } }, /scope "\/tenants\/x" is not "\/", a subscription/],
    ['both secret forms', { identity: { servicePrincipals: [{ clientId: GUID, clientSecret: 'a', clientSecretEnv: 'B' }] } }, /exactly one of clientSecret and clientSecretEnv/],
    ['a subscription that is not a GUID', { resources: [{ name: 'r1', subscriptionId: 'prod', deployments: [] }] }, /resources\[0\]\.subscriptionId must be a GUID/],
    ['a resource group with a trailing period', { resources: [{ name: 'r1', resourceGroup: 'rg.', deployments: [] }] }, /resourceGroup "rg\." is not a valid resource group name/],
  ];
  for (const [name, overrides, message] of cases) {
    test(`${name} stops the start with a ConfigError naming the field`, () => {
      assert.throws(() => load(overrides), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }
});

describe('the development tenant switched off', () => {
  test('serves no identity provider, and its tokens are not accepted', async () => {
    const on = await startTestGateway();
    const off = await startTestGateway({ identity: { developmentTenant: { enabled: false } } });
    try {
      const admin = JSON.parse(readFileSync(on.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
      const token = await devToken(on, admin.clientId, admin.clientSecret);
      const discovery = await raw(off, { method: 'GET', path: `/${off.identity.tenantId}/v2.0/.well-known/openid-configuration` });
      assert.equal(discovery.status, 404);
      assert.equal((await tokenRequest(off, { grant_type: 'client_credentials' })).status, 404);
      const res = await raw(off, { path: '/claude-local/anthropic/v1/messages', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: '{}' });
      assert.equal(res.status, 401);
      assert.match(res.text, /which this gateway does not trust/);
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });
});
