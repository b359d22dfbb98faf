// Refresh tokens of the development tenant, driven by Microsoft's own client: @azure/msal-node's
// PublicClientApplication signs in with the authorization-code flow and PKCE for ARM, then gets a token for the data
// plane from its refresh token (acquireTokenSilent, acquireTokenByRefreshToken), which the data plane accepts and
// judges by the user's roles. Then the refusals, over raw HTTP: an expired chain (24 h from the sign-in, carried
// over by every refresh), another client, a tampered token, a password reset, an unknown resource, missing fields.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AccountInfo } from '@azure/msal-node';
import { PORTAL_CLIENT_ID } from '../src/identity/authorize.ts';
import { createUser } from '../src/identity/users.ts';
import { REQUEST_ID, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, ROLES, tokenRequest } from './identity-helpers.ts';
import { ARM, cachedRefreshToken, COGNITIVE, codeFrom as postSignIn, msalSignIn as signInWith, payload, portalApp as appFor, redirectUri as redirectOf } from './msal-helpers.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';

const AI = 'https://ai.azure.com/.default';
const DAY_MS = 24 * 60 * 60 * 1000;

let gw: TestGateway;
/** How far the development tenant's clock is ahead of the real one. */
let ahead = 0;
before(async () => {
  gw = await startTestGateway({}, { identityClock: () => Date.now() + ahead });
});
after(() => gw.close());

const tenant = () => ({ port: gw.port, httpsUrl: gw.httpsUrl, tenantId: gw.identity.tenantId, caPem: gw.identity.caPem });
const redirectUri = () => redirectOf(gw);
const portalApp = () => appFor(tenant());
const codeFrom = (authorizeUrl: string, userName: string, password: string) => postSignIn(gw, authorizeUrl, userName, password);
const msalSignIn = (app: ReturnType<typeof portalApp>, userName: string, password: string) => signInWith(tenant(), app, userName, password);

const adminPassword = async () => (await import('node:fs')).readFileSync(gw.identity.adminUser.path, 'utf8');

/** A raw authorization-code sign-in; returns the token endpoint's answer. */
async function rawSignIn(userName: string, password: string, scope: string): Promise<Record<string, unknown>> {
  const verifier = randomBytes(32).toString('base64url');
  const params = {
    client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), response_type: 'code', scope, state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  };
  const code = await codeFrom(`${gw.url}/${gw.identity.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams(params)}`, userName, password);
  const res = await tokenRequest(gw, { grant_type: 'authorization_code', client_id: PORTAL_CLIENT_ID, redirect_uri: redirectUri(), code, code_verifier: verifier });
  assert.equal(res.status, 200, res.text);
  return res.json() as Record<string, unknown>;
}

const refresh = (refreshToken: string, scope = COGNITIVE, extra: Record<string, string> = {}) =>
  tokenRequest(gw, { grant_type: 'refresh_token', client_id: PORTAL_CLIENT_ID, refresh_token: refreshToken, scope, ...extra });

function refused(res: { status: number; json(): unknown; text: string }, error: string, description: RegExp): void {
  assert.equal(res.status, 400, res.text);
  const body = res.json() as { error: string; error_description: string; error_codes: number[] };
  assert.equal(body.error, error);
  assert.match(body.error_description, description);
}

describe('refresh tokens with MSAL Node', () => {
  test('a sign-in for ARM, then a data-plane token from the refresh token: same user, the data plane judges it by its roles', async () => {
    const { user, password } = await createUser(gw.identity.directory, 'msal-user');
    await assign(gw, user.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'), 'User');
    const app = portalApp();
    const signedIn = await msalSignIn(app, 'msal-user', password);
    const arm = payload(signedIn.accessToken);
    assert.equal(arm['aud'], 'https://management.azure.com');
    assert.equal(arm['oid'], user.objectId);
    assert.equal(signedIn.account?.username, 'msal-user', "MSAL read the account from the ID token's preferred_username");
    assert.equal(signedIn.account?.homeAccountId, `${user.objectId}.${gw.identity.tenantId}`, 'and its home account from client_info');

    const silent = await app.acquireTokenSilent({ account: signedIn.account as AccountInfo, scopes: [COGNITIVE] });
    const data = payload(silent.accessToken);
    assert.equal(data['aud'], 'https://cognitiveservices.azure.com');
    for (const claim of ['oid', 'tid', 'upn', 'appid', 'idtyp', 'scp']) assert.deepEqual(data[claim], arm[claim], claim);
    assert.equal(data['idtyp'], 'user');
    const res = await callWithToken(gw, silent.accessToken);
    assert.equal(res.status, 200, res.text);
    const record = await loggedRecord(gw, await managementToken(gw), String(res.headers['request-id']));
    assert.equal(record.principal, user.objectId, 'the request log names the user');

    // The refresh token MSAL cached, redeemed for the other data-plane audience.
    const byRefresh = await app.acquireTokenByRefreshToken({ refreshToken: cachedRefreshToken(app), scopes: [AI] });
    assert.equal(payload(byRefresh!.accessToken)['aud'], 'https://ai.azure.com');
    assert.equal((await callWithToken(gw, byRefresh!.accessToken)).status, 200);
  });

  test("the admin (Owner, no data action) gets a data-plane token, and the data plane's 403 PermissionDenied", async () => {
    const app = portalApp();
    const password = (JSON.parse(await adminPassword()) as { password: string }).password;
    const signedIn = await msalSignIn(app, 'admin', password);
    const silent = await app.acquireTokenSilent({ account: signedIn.account as AccountInfo, scopes: [COGNITIVE] });
    const res = await callWithToken(gw, silent.accessToken);
    assert.equal(res.status, 403, res.text);
    assert.match(res.text, /PermissionDenied/);
    assert.match(res.text, /lacks the required data action/);
    assert.match(String(res.headers['request-id']), REQUEST_ID);
  });
});

describe('the refresh_token grant refuses', () => {
  test('without offline_access there is no refresh token; with it, one that lives 24 h', async () => {
    const { password } = await createUser(gw.identity.directory, 'no-offline');
    const plain = await rawSignIn('no-offline', password, `${ARM} openid`);
    assert.equal(plain['refresh_token'], undefined);
    assert.equal(typeof plain['id_token'], 'string');
    const offline = await rawSignIn('no-offline', password, `${ARM} offline_access`);
    assert.match(String(offline['refresh_token']), /^1\.[A-Za-z0-9_-]{64}$/);
    assert.ok(Number(offline['refresh_token_expires_in']) > 86_390 && Number(offline['refresh_token_expires_in']) <= 86_400);
    assert.equal(offline['id_token'], undefined, 'no openid, no ID token');
  });

  test('a chain of refreshes ends 24 h after the sign-in (AADSTS700084); an old token is not revoked by its use, as in Entra', async () => {
    const { password } = await createUser(gw.identity.directory, 'chain-user');
    const first = String((await rawSignIn('chain-user', password, `${ARM} offline_access`))['refresh_token']);
    try {
      ahead = 23 * 60 * 60 * 1000;
      const res = await refresh(first);
      assert.equal(res.status, 200, res.text);
      const body = res.json() as { refresh_token: string; refresh_token_expires_in: number; access_token: string };
      assert.notEqual(body.refresh_token, first, 'a new refresh token each time');
      assert.ok(body.refresh_token_expires_in <= 3600 && body.refresh_token_expires_in > 3590, `the new token keeps the sign-in's expiry (${body.refresh_token_expires_in} s left)`);
      assert.equal((await refresh(first)).status, 200, 'the one used is still valid (Entra does not revoke it)');
      ahead = DAY_MS + 1000;
      for (const token of [first, body.refresh_token]) refused(await refresh(token), 'invalid_grant', /AADSTS700084: The refresh token was issued to a single page app \(SPA\).*The token was issued on \d{4}-/);
    } finally {
      ahead = 0;
    }
  });

  test('another client, a tampered token, an unknown resource, missing fields, a wrong grant', async () => {
    const { password } = await createUser(gw.identity.directory, 'bad-inputs');
    const token = String((await rawSignIn('bad-inputs', password, `${ARM} offline_access`))['refresh_token']);
    refused(await refresh(token, COGNITIVE, { client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' }), 'invalid_grant', /AADSTS70000: .*issued to another client/);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    refused(await refresh(tampered), 'invalid_grant', /AADSTS9002313/);
    refused(await refresh('not-a-token'), 'invalid_grant', /AADSTS9002313/);
    refused(await refresh(token, 'https://vault.azure.net/.default'), 'invalid_resource', /AADSTS500011: The resource principal named https:\/\/vault\.azure\.net/);
    refused(await refresh(token, `${COGNITIVE} ${ARM}`), 'invalid_scope', /AADSTS28000/);
    refused(await refresh(token, 'openid offline_access'), 'invalid_request', /AADSTS900144: .*'scope'/);
    refused(await tokenRequest(gw, { grant_type: 'refresh_token', client_id: PORTAL_CLIENT_ID, scope: COGNITIVE }), 'invalid_request', /AADSTS900144: .*'refresh_token'/);
    refused(await tokenRequest(gw, { grant_type: 'refresh_token', refresh_token: token, scope: COGNITIVE }), 'invalid_request', /AADSTS900144: .*'client_id'/);
    refused(await tokenRequest(gw, { grant_type: 'password', client_id: PORTAL_CLIENT_ID }), 'unsupported_grant_type', /AADSTS70003: .*refresh_token/);
    // None of these used the token up.
    assert.equal((await refresh(token)).status, 200);
  });

  test("a password reset revokes the user's refresh tokens (AADSTS50173), and a deleted user's are refused", async () => {
    const { user, password } = await createUser(gw.identity.directory, 'reset-user');
    const token = String((await rawSignIn('reset-user', password, `${ARM} offline_access`))['refresh_token']);
    const rotated = (await refresh(token)).json() as { refresh_token: string };
    await gw.identity.directory.resetClientSecret(user.objectId);
    for (const t of [token, rotated.refresh_token]) refused(await refresh(t), 'invalid_grant', /AADSTS50173: .*password was reset/);

    const gone = await createUser(gw.identity.directory, 'gone-user');
    const goneToken = String((await rawSignIn('gone-user', gone.password, `${ARM} offline_access`))['refresh_token']);
    await gw.identity.directory.deleteServicePrincipal(gone.user.objectId);
    refused(await refresh(goneToken), 'invalid_grant', /AADSTS50034/);
  });
});
