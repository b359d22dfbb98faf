// The development tenant's users and the authorization-code flow with PKCE the portal signs in with: the admin user
// made on first start (its password file 0600, kept across restarts), the sign-in page, codes bound to client,
// redirect URI and verifier and redeemed once, and user tokens that RBAC judges by the user's object ID.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PORTAL_CLIENT_ID } from '../src/identity/authorize.ts';
import { createUser } from '../src/identity/users.ts';
import { startGateway } from '../src/index.ts';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, ROLES, subscriptionScope, tokenRequest } from './identity-helpers.ts';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

const ARM = 'https://management.azure.com/.default openid';
const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const redirectUri = () => `http://127.0.0.1:${gw.port}/portal/`;
const authorizePath = () => `/${gw.identity.tenantId}/oauth2/v2.0/authorize`;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeParams(challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return { client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), response_type: 'code', scope: ARM, state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra };
}

async function signIn(userName: string, password: string, challenge: string, extra: Record<string, string> = {}) {
  return raw(gw, {
    path: authorizePath(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...authorizeParams(challenge, extra), username: userName, password }).toString(),
  });
}

function adminPassword(): string {
  return (JSON.parse(readFileSync(gw.identity.adminUser.path, 'utf8')) as { password: string }).password;
}

async function codeFor(userName: string, password: string, challenge: string): Promise<string> {
  const res = await signIn(userName, password, challenge);
  assert.equal(res.status, 302, res.text);
  const location = new URL(String(res.headers['location']));
  assert.equal(`${location.origin}${location.pathname}`, redirectUri());
  assert.equal(location.searchParams.get('state'), 'st-1');
  return location.searchParams.get('code')!;
}

const redeem = (code: string, verifier: string, extra: Record<string, string> = {}) =>
  tokenRequest(gw, { grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), code, code_verifier: verifier, ...extra });

describe('the admin user', () => {
  test('is created on first start with its password in a 0600 file, printed once, and kept on restart', async () => {
    assert.equal(gw.identity.adminUser.userName, 'admin');
    assert.equal(statSync(gw.identity.adminUser.path).mode & 0o777, 0o600);
    assert.equal(gw.identity.adminUser.newPassword, adminPassword());
    assert.match(adminPassword(), /^.{3}8Q~.{34}$/);
  });

  test('a restart keeps the user and its password, and prints no password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cf-signin-'));
    try {
      const overrides = { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir };
      const first = await startGateway({ env: {}, overrides });
      const { newPassword, path } = first.identity.adminUser;
      const objectId = first.identity.directory.current.principals().find((p) => p.displayName === 'admin')!.objectId;
      await first.close();
      const second = await startGateway({ env: {}, overrides });
      try {
        assert.equal(second.identity.adminUser.newPassword, undefined);
        assert.equal(JSON.parse(readFileSync(path, 'utf8')).password, newPassword);
        const admin = second.identity.directory.current.principals().find((p) => p.displayName === 'admin')!;
        assert.equal(admin.objectId, objectId);
        assert.ok(await second.identity.directory.verifyClientSecret(admin, newPassword!));
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the sign-in page', () => {
  test('GET /authorize answers an HTML form with a strict CSP and the request carried in hidden fields', async () => {
    const { challenge } = pkce();
    const res = await raw(gw, { method: 'GET', path: `${authorizePath()}?${new URLSearchParams(authorizeParams(challenge))}` });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(res.text, new RegExp(`name="code_challenge" value="${challenge}"`));
    assert.match(res.text, /type="password"/);
  });

  test('a wrong password or an unknown user re-shows the page with AADSTS50126, and no code', async () => {
    const { challenge } = pkce();
    for (const [user, password] of [['admin', 'wrong-password'], ['nobody', 'x']] as const) {
      const res = await signIn(user, password, challenge);
      assert.equal(res.status, 200);
      assert.equal(res.headers['location'], undefined);
      assert.match(res.text, /AADSTS50126: Your account or password is incorrect/);
    }
  });

  test('bad requests are refused before any sign-in, and an unregistered redirect URI is never redirected to', async () => {
    const { challenge } = pkce();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ redirect_uri: 'https://evil.example/portal/' }, /AADSTS50011.*does not match the redirect URIs/],
      [{ client_id: '00000000-0000-0000-0000-000000000000' }, /AADSTS700016/],
      [{ code_challenge_method: 'plain' }, /PKCE|Proof Key/],
      [{ code_challenge: 'short' }, /Proof Key/],
      [{ response_type: 'token' }, /response_type must be 'code'/],
      [{ scope: 'https://vault.azure.net/.default' }, /AADSTS500011/],
    ];
    for (const [extra, message] of cases) {
      const res = await signIn('admin', adminPassword(), challenge, extra);
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.equal(res.headers['location'], undefined);
      assert.match((res.json() as { error_description: string }).error_description, message);
    }
    const get = await raw(gw, { method: 'GET', path: `${authorizePath()}?client_id=${PORTAL_CLIENT_ID}` });
    assert.equal(get.status, 400);
    assert.match(get.text, /redirect_uri/);
  });
});

describe('redeeming the code', () => {
  test("the code and its verifier give a user token carrying the user's oid, which ARM honours by role", async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('admin', adminPassword(), challenge);
    const res = await redeem(code, verifier);
    assert.equal(res.status, 200, res.text);
    const { access_token: token, token_type } = res.json() as { access_token: string; token_type: string };
    assert.equal(token_type, 'Bearer');
    const claims = payload(token);
    assert.equal(claims['idtyp'], 'user');
    assert.equal(claims['aud'], 'https://management.azure.com');
    assert.equal(claims['appid'], PORTAL_CLIENT_ID);
    assert.equal(claims['upn'], 'admin');
    const admin = gw.identity.directory.current.principals().find((p) => p.displayName === 'admin')!;
    assert.equal(claims['oid'], admin.objectId);
    const sub = gw.control.current.subscriptions()[0]!;
    const list = await raw(gw, { method: 'GET', path: `/subscriptions/${sub}/providers/Microsoft.CognitiveServices/accounts?api-version=2024-10-01`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.status, 200, list.text);
    assert.ok((list.json() as { value: unknown[] }).value.length >= 1);
  });

  test('a wrong verifier fails and uses the code up; a reused code is refused', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('admin', adminPassword(), challenge);
    const wrong = await redeem(code, pkce().verifier);
    assert.equal(wrong.status, 400);
    assert.equal((wrong.json() as { error: string }).error, 'invalid_grant');
    assert.match(wrong.text, /AADSTS501481/);
    const again = await redeem(code, verifier);
    assert.equal(again.status, 400);
    assert.match(again.text, /AADSTS54005: OAuth2 Authorization code was already redeemed/);

    const second = await codeFor('admin', adminPassword(), challenge);
    assert.equal((await redeem(second, verifier)).status, 200);
    const reused = await redeem(second, verifier);
    assert.equal(reused.status, 400);
    assert.match(reused.text, /AADSTS54005/);
  });

  test('a code is bound to its redirect URI and client; unknown codes and missing fields are named', async () => {
    const { verifier, challenge } = pkce();
    const one = await codeFor('admin', adminPassword(), challenge);
    const wrongRedirect = await redeem(one, verifier, { redirect_uri: `http://localhost:${gw.port}/portal/` });
    assert.equal(wrongRedirect.status, 400);
    assert.match(wrongRedirect.text, /redirect_uri .* is not the one the authorization code was issued for/);
    const two = await codeFor('admin', adminPassword(), challenge);
    const wrongClient = await redeem(two, verifier, { client_id: '11111111-1111-1111-1111-111111111111' });
    assert.equal(wrongClient.status, 400);
    assert.match(wrongClient.text, /issued to another client/);
    const unknown = await redeem('not-a-code', verifier);
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /AADSTS70008/);
    const noVerifier = await tokenRequest(gw, { grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), code: 'x' });
    assert.equal(noVerifier.status, 400);
    assert.match(noVerifier.text, /'code_verifier'/);
  });

  test("a user's role decides as a principal's: a Reader user lists accounts but cannot read keys or call the model", async () => {
    const { user, password } = await createUser(gw.identity.directory, 'reader-user');
    const resource = gw.config.resources[0]!.name;
    await assign(gw, user.objectId, ROLES.reader, accountScope(resource), 'User');
    const { verifier, challenge } = pkce();
    const code = await codeFor('reader-user', password, challenge);
    const token = (( await redeem(code, verifier)).json() as { access_token: string }).access_token;
    const account = `${accountScope(resource)}`;
    const subs = await raw(gw, { method: 'GET', path: '/subscriptions?api-version=2022-09-01', headers: { authorization: `Bearer ${token}` } });
    assert.equal(subs.status, 200, subs.text);
    assert.deepEqual((subs.json() as { value: Array<{ subscriptionId: string }> }).value.map((s) => s.subscriptionId), gw.control.current.subscriptions());
    const { user: nobody, password: nobodyPassword } = await createUser(gw.identity.directory, 'no-roles');
    const noRolesCode = await codeFor(nobody.displayName, nobodyPassword, challenge);
    const noRoles = ((await redeem(noRolesCode, verifier)).json() as { access_token: string }).access_token;
    const none = await raw(gw, { method: 'GET', path: '/subscriptions?api-version=2022-09-01', headers: { authorization: `Bearer ${noRoles}` } });
    assert.deepEqual((none.json() as { value: unknown[] }).value, []);
    const missingVersion = await raw(gw, { method: 'GET', path: '/subscriptions', headers: { authorization: `Bearer ${token}` } });
    assert.equal(missingVersion.status, 400);
    const get = await raw(gw, { method: 'GET', path: `${account}?api-version=2024-10-01`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(get.status, 200, get.text);
    const keys = await raw(gw, { method: 'POST', path: `${account}/listKeys?api-version=2024-10-01`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(keys.status, 403, keys.text);
    // A token for ARM is not one for the data plane, and a Reader has no data action anyway.
    assert.equal((await callWithToken(gw, token, resource)).status, 401);
  });

  test("a user's password is no client secret, and users are not listed as service principals", async () => {
    const { user, password } = await createUser(gw.identity.directory, 'not-an-app');
    const res = await tokenRequest(gw, { grant_type: 'client_credentials', client_id: user.appId, client_secret: password, scope: 'https://management.azure.com/.default' });
    assert.equal(res.status, 400);
    assert.match(res.text, /AADSTS700016/);
    await assert.rejects(() => createUser(gw.identity.directory, 'not-an-app'), /already exists/);
    await assert.rejects(() => createUser(gw.identity.directory, 'bad name!'), /A user name is 1 to 64/);
  });

  test('GET /v1.0/users lists the users (not the principals) to a Reader of a subscription, and refuses a user with no role there', async () => {
    const { user, password } = await createUser(gw.identity.directory, 'sub-reader');
    await assign(gw, user.objectId, ROLES.reader, subscriptionScope(), 'User');
    const { verifier, challenge } = pkce();
    const token = ((await redeem(await codeFor('sub-reader', password, challenge), verifier)).json() as { access_token: string }).access_token;
    const res = await raw(gw, { method: 'GET', path: '/v1.0/users', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.text);
    const users = (res.json() as { value: Array<{ id: string; displayName: string; userPrincipalName: string }> }).value;
    assert.ok(users.some((u) => u.id === user.objectId && u.userPrincipalName === 'sub-reader'));
    assert.ok(users.some((u) => u.displayName === 'admin'));
    const principals = new Set(gw.identity.directory.current.principals().filter((p) => !p.tags.includes('claude-foundry:user')).map((p) => p.objectId));
    assert.ok(principals.size > 0 && users.every((u) => !principals.has(u.id)), 'no service principal among the users');

    const { password: lonePassword } = await createUser(gw.identity.directory, 'no-sub-role');
    const lone = ((await redeem(await codeFor('no-sub-role', lonePassword, challenge), verifier)).json() as { access_token: string }).access_token;
    const denied = await raw(gw, { method: 'GET', path: '/v1.0/users', headers: { authorization: `Bearer ${lone}` } });
    assert.equal(denied.status, 403, denied.text);
    assert.match(denied.text, /Microsoft\.Directory\/users\/standard\/read/);
    assert.equal((await raw(gw, { method: 'GET', path: '/v1.0/users' })).status, 401);
  });

  test('a role assignment made over ARM for a user of the directory is recorded with principalType User', async () => {
    const { user } = await createUser(gw.identity.directory, 'assigned-user');
    const { verifier, challenge } = pkce();
    const admin = ((await redeem(await codeFor('admin', adminPassword(), challenge), verifier)).json() as { access_token: string }).access_token;
    const scope = accountScope(gw.config.resources[0]!.name);
    const res = await raw(gw, {
      method: 'PUT',
      path: `${scope}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { roleDefinitionId: ROLES.reader, principalId: user.objectId } }),
    });
    assert.equal(res.status, 201, res.text);
    assert.equal((res.json() as { properties: { principalType: string } }).properties.principalType, 'User');
  });
});
