// Issue 13, authorization: token audiences come from configuration, never from the Host header; and no caller can
// gain a role it lacks through the directory (a new secret for a stronger principal, a principal claiming a stronger
// group, a role assignment above its rights). Each attempt is refused with 403 and leaves the directory unchanged.
// Tokens come from the development IdP and from a second trusted tenant (a local stand-in, as Entra is unreachable).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import { raw, type RawResponse, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, devToken, groupScope, LocalTenant, newPrincipal, ROLES, subscriptionScope, tokenRequest } from './identity-helpers.ts';

const MANAGEMENT = 'https://management.azure.com/.default';
const V = '?api-version=2022-04-01';
const UAA = '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9';
const ROOT_OWNER = { clientId: randomUUID(), clientSecret: `root-${randomUUID()}` };

let gw: TestGateway;
let tenant: LocalTenant;
let admin: { clientId: string; clientSecret: string; objectId: string };

before(async () => {
  tenant = await new LocalTenant().start();
  gw = await startTestGateway({
    identity: {
      trustedTenants: [{ tenantId: tenant.tenantId, jwksUri: tenant.jwksUri }],
      // Only the config file can make an assignment at the root scope, as only an elevated Global Administrator can in Azure.
      servicePrincipals: [{ displayName: 'root-owner', ...ROOT_OWNER }],
      roleAssignments: [{ principalId: ROOT_OWNER.clientId, role: 'Owner', scope: '/' }],
    },
  });
  admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as typeof admin;
});
after(async () => {
  await gw.close();
  await tenant.close();
});

function call(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const all: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (token) all['authorization'] = `Bearer ${token}`;
  return raw(gw, { method, path, headers: all, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

const codeOf = (res: RawResponse) => (res.json() as { error: { code: string } }).error.code;

describe('audiences come from configuration, never from Host', () => {
  const paths = () => [`${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, '/monitoring/usage'];

  test("a trusted tenant's Key Vault token is refused (401) on ARM and monitoring, whatever Host names; its ARM token works", async () => {
    const oid = randomUUID();
    await assign(gw, oid, ROLES.owner, subscriptionScope(), 'User');
    const vault = tenant.sign(tenant.claims(oid, { aud: 'https://vault.azure.net' }));
    const vaultHttp = tenant.sign(tenant.claims(oid, { aud: 'http://vault.azure.net' }));
    const arm = tenant.sign(tenant.claims(oid, { aud: 'https://management.azure.com/' }));
    for (const path of paths()) {
      for (const host of [undefined, 'vault.azure.net', 'vault.azure.net:443', 'VAULT.azure.net']) {
        for (const token of [vault, vaultHttp]) {
          const res = await call('GET', path, token, undefined, host ? { host } : {});
          assert.equal(res.status, 401, `${path} with Host ${host}: ${res.text}`);
          assert.equal(codeOf(res), 'InvalidAuthenticationTokenAudience');
        }
      }
      assert.equal((await call('GET', path, arm, undefined, { host: 'vault.azure.net' })).status, 200, path);
    }
  });

  test('the development IdP issues no token for another service, whatever Host names; it does for its own origins', async () => {
    const p = await newPrincipal(gw);
    for (const scope of ['https://vault.azure.net/.default', 'http://vault.azure.net/.default']) {
      const res = await tokenRequest(gw, { grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret, scope }, { host: 'vault.azure.net' });
      assert.equal(res.status, 400, res.text);
      assert.equal((res.json() as { error: string }).error, 'invalid_resource');
    }
    const own = await devToken(gw, p.clientId, p.clientSecret, `${gw.httpsUrl}/.default`);
    await assign(gw, p.objectId, ROLES.reader, subscriptionScope());
    assert.equal((await call('GET', paths()[0]!, own)).status, 200);
  });

  test('identity.publicOrigins replaces the defaults: tokens for it work, tokens for the listener address are no longer issued', async () => {
    const other = await startTestGateway({ identity: { publicOrigins: ['https://gateway.example.com'] } });
    try {
      const creds = JSON.parse(readFileSync(other.identity.adminCredentialsPath, 'utf8')) as typeof admin;
      const token = await devToken(other, creds.clientId, creds.clientSecret, 'https://gateway.example.com/.default');
      const res = await raw(other, { method: 'GET', path: `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, res.text);
      const refused = await tokenRequest(other, { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret, scope: `${other.url}/.default` });
      assert.equal(refused.status, 400);
    } finally {
      await other.close();
    }
  });

  test('a public origin with a path, a query or another scheme is a config error saying what to write', () => {
    for (const bad of ['https://gateway.example.com/api', 'https://gateway.example.com?x=1', 'ftp://gateway.example.com', 'gateway.example.com', 'https://user:pw@gateway.example.com']) {
      assert.throws(() => loadConfig({ overrides: { identity: { publicOrigins: [bad] } }, env: {} }), (err: unknown) => err instanceof ConfigError && /publicOrigins\[0\] must be an http\(s\) origin/.test(err.message), bad);
    }
  });
});

/** Everything an escalation could change: principals (with their secrets and groups) and role assignments. */
function fingerprint(): string {
  const d = gw.identity.directory.current;
  const principals = d.principals().map((p) => [p.objectId, p.groups.join(','), p.secret.kind === 'hash' ? p.secret.hash : 'config']).sort();
  const assignments = d.assignments().map((a) => [a.name, a.scope, a.roleDefinitionId, a.principalId]).sort();
  return JSON.stringify({ principals, assignments });
}

describe('no escalation: every path to a role the caller lacks is refused with 403, the directory unchanged', () => {
  const ownerGroup = randomUUID();
  const contributorGroup = randomUUID();
  let victim: Awaited<ReturnType<typeof newPrincipal>>;
  let plain: Awaited<ReturnType<typeof newPrincipal>>;
  const callers: Record<'contributor' | 'uaa' | 'reader', { token: string; objectId: string }> = {} as never;

  before(async () => {
    victim = await newPrincipal(gw, 'victim-owner');
    await assign(gw, victim.objectId, ROLES.owner, subscriptionScope());
    plain = await newPrincipal(gw, 'no-roles');
    await assign(gw, ownerGroup, ROLES.owner, subscriptionScope(), 'Group');
    await assign(gw, contributorGroup, ROLES.contributor, subscriptionScope(), 'Group');
    const roles = { contributor: [ROLES.contributor, subscriptionScope()], uaa: [UAA, groupScope()], reader: [ROLES.reader, subscriptionScope()] } as const;
    for (const [name, [role, scope]] of Object.entries(roles)) {
      const p = await newPrincipal(gw, name);
      await assign(gw, p.objectId, role, scope);
      callers[name as keyof typeof callers] = { token: await devToken(gw, p.clientId, p.clientSecret, MANAGEMENT), objectId: p.objectId };
    }
  });

  const roleRef = (role: string) => `${subscriptionScope()}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
  const grant = (scope: string, role: string, principalId: string) =>
    ['PUT', `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}${V}`, { properties: { roleDefinitionId: roleRef(role), principalId } }] as const;

  function attempts(who: keyof typeof callers): Array<[string, readonly [string, string, unknown?]]> {
    const self = callers[who].objectId;
    return [
      ['a new secret for an Owner (by object ID)', ['POST', `/v1.0/servicePrincipals/${victim.objectId}/addPassword`, {}]],
      ["a new secret for an Owner (by appId='…')", ['POST', `/v1.0/servicePrincipals(appId='${victim.clientId}')/addPassword`, {}]],
      ['a new secret for the admin principal', ['POST', `/v1.0/servicePrincipals/${admin.objectId}/addPassword`, {}]],
      ['a new principal in a group that holds Owner', ['POST', '/v1.0/servicePrincipals', { displayName: 'sneaky', groups: [ownerGroup] }]],
      ['a new principal in a group that holds Contributor', ['POST', '/v1.0/servicePrincipals', { displayName: 'sneaky', groups: [contributorGroup] }]],
      ['Owner for itself at the subscription', grant(subscriptionScope(), ROLES.owner, self)],
      ['User Access Administrator for itself at the subscription', grant(subscriptionScope(), UAA, self)],
      ['Owner for a principal it created', grant(subscriptionScope(), ROLES.owner, plain.objectId)],
      ["deleting the victim's Owner assignment", ['DELETE', `${gw.identity.directory.current.assignmentsOf([victim.objectId])[0]!.scope}/providers/Microsoft.Authorization/roleAssignments/${gw.identity.directory.current.assignmentsOf([victim.objectId])[0]!.name}${V}`]],
    ];
  }

  for (const who of ['contributor', 'uaa', 'reader'] as const) {
    test(`${who}: every attempt is 403 and changes nothing`, async () => {
      for (const [what, [method, path, body]] of attempts(who)) {
        const before = fingerprint();
        const res = await call(method, path, callers[who].token, body);
        assert.equal(res.status, 403, `${who}, ${what}: ${res.status} ${res.text}`);
        assert.match(codeOf(res), /^(AuthorizationFailed|Authorization_RequestDenied)$/);
        assert.equal(fingerprint(), before, `${who}, ${what}: the directory changed`);
      }
      // The victim's secret still works: nobody took it over.
      assert.ok(await devToken(gw, victim.clientId, victim.clientSecret, MANAGEMENT));
    });
  }

  test('the rule is not a blanket refusal: a Contributor resets a principal that holds no role and creates one in no group', async () => {
    const { token } = callers.contributor;
    const reset = await call('POST', `/v1.0/servicePrincipals/${plain.objectId}/addPassword`, token, {});
    assert.equal(reset.status, 200, reset.text);
    assert.ok(await devToken(gw, plain.clientId, (reset.json() as { secretText: string }).secretText, MANAGEMENT));
    assert.equal((await call('POST', '/v1.0/servicePrincipals', token, { displayName: 'fine' })).status, 201);
  });

  test("an Owner of the subscription may reset another Owner's secret there, but not the admin's: that takes an Owner at the root", async () => {
    const ownerToken = await devToken(gw, admin.clientId, admin.clientSecret, MANAGEMENT);
    const other = await newPrincipal(gw, 'other-owner');
    await assign(gw, other.objectId, ROLES.owner, subscriptionScope());
    assert.equal((await call('POST', `/v1.0/servicePrincipals/${other.objectId}/addPassword`, ownerToken, {})).status, 200);
    const before = fingerprint();
    const self = await call('POST', `/v1.0/servicePrincipals/${admin.objectId}/addPassword`, ownerToken, {});
    assert.equal(self.status, 403, self.text);
    assert.match(self.text, /only through an Owner at the root scope/);
    assert.equal(fingerprint(), before);
    const root = await devToken(gw, ROOT_OWNER.clientId, ROOT_OWNER.clientSecret, MANAGEMENT);
    const reset = await call('POST', `/v1.0/servicePrincipals/${admin.objectId}/addPassword`, root, {});
    assert.equal(reset.status, 200, reset.text);
    admin.clientSecret = (reset.json() as { secretText: string }).secretText;
  });
});

describe("role assignments belong to their principal's tenant, not to any token with the same object ID", () => {
  test("another tenant's token carrying a development principal's oid gets none of its roles, on the data plane or on ARM", async () => {
    const principal = await newPrincipal(gw);
    const resource = gw.config.resources[0]!.name;
    await assign(gw, principal.objectId, ROLES.cognitiveServicesUser, accountScope(resource));
    await assign(gw, principal.objectId, ROLES.owner, subscriptionScope());
    // The principal itself, with a token of its own tenant: both roles apply.
    const own = await devToken(gw, principal.clientId, principal.clientSecret);
    assert.equal((await callWithToken(gw, own, resource)).status, 200);
    // A principal of the trusted tenant that happens to have the same object ID.
    const foreignData = tenant.sign(tenant.claims(principal.objectId));
    const refused = await callWithToken(gw, foreignData, resource);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(codeOf(refused), 'PermissionDenied');
    const foreignArm = tenant.sign(tenant.claims(principal.objectId, { aud: 'https://management.azure.com/' }));
    const listed = await call('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, foreignArm);
    assert.equal(listed.status, 403, listed.text);
    assert.equal(codeOf(listed), 'AuthorizationFailed');
    // The admin's oid from the other tenant is not the admin either.
    const notAdmin = tenant.sign(tenant.claims(admin.objectId, { aud: 'https://management.azure.com/' }));
    assert.equal((await call('GET', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments${V}`, notAdmin)).status, 403);
  });

  test("a trusted tenant's principal the directory does not know still gets the roles assigned to its object ID", async () => {
    const oid = randomUUID();
    const resource = gw.config.resources[0]!.name;
    await assign(gw, oid, ROLES.cognitiveServicesUser, accountScope(resource));
    const res = await callWithToken(gw, tenant.sign(tenant.claims(oid)), resource);
    assert.equal(res.status, 200, res.text);
  });
});
