// Token validation on the data plane: every way a bearer token can be wrong is refused with 401, a body that says
// what is wrong, and both correlation headers; the gateway stays up. "A real tenant" here is a local stand-in
// (its own RSA key and a JWKS server on port 0), since the real Entra cannot be reached from the tests.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GUID, messages, REQUEST_ID, startTestGateway, type RawResponse, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, LocalTenant, ROLES } from './identity-helpers.ts';

let gw: TestGateway;
let tenant: LocalTenant;
const oid = randomUUID();
const unreachableTenant = randomUUID();

before(async () => {
  tenant = await new LocalTenant().start();
  // The tenant's own key again, published for PS256 only: jose must refuse it for an RS256 token.
  tenant.extra.push({ kid: 'ps256-only', key: tenant.publicKey, alg: 'PS256' });
  gw = await startTestGateway({
    identity: {
      trustedTenants: [
        { tenantId: tenant.tenantId, jwksUri: tenant.jwksUri },
        // A trusted tenant whose JWKS endpoint is down (nothing listens on port 9 here).
        { tenantId: unreachableTenant, jwksUri: 'http://127.0.0.1:9/keys' },
      ],
    },
  });
  await assign(gw, oid, ROLES.cognitiveServicesUser, accountScope('claude-local'), 'User');
});
after(async () => {
  await gw.close();
  await tenant.close();
});

function assertRefused(res: RawResponse, code: string, message: RegExp): void {
  assert.equal(res.status, 401, res.text);
  assert.match(String(res.headers['request-id']), REQUEST_ID);
  assert.match(String(res.headers['apim-request-id']), GUID);
  const body = res.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.match(body.error.message, message);
  assert.doesNotMatch(body.error.message, /at \w+ \(|node:|\.ts:\d/); // no stack traces, no internals
}

describe('tokens of a trusted tenant', () => {
  test('a valid v1 token of a principal with a role succeeds', async () => {
    const res = await callWithToken(gw, tenant.sign(tenant.claims(oid)));
    assert.equal(res.status, 200, res.text);
  });

  test('a v2 token (login.microsoftonline.com issuer, azp, audience with a trailing slash) succeeds', async () => {
    const claims = tenant.claims(oid, { iss: `https://login.microsoftonline.com/${tenant.tenantId}/v2.0`, ver: '2.0', azp: randomUUID(), appid: undefined, aud: 'https://ai.azure.com/' });
    const res = await callWithToken(gw, tenant.sign(claims));
    assert.equal(res.status, 200, res.text);
  });

  test('a token that expired less than the 5-minute clock skew ago is still accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await callWithToken(gw, tenant.sign(tenant.claims(oid, { exp: now - 120 })));
    assert.equal(res.status, 200, res.text);
  });
});

describe('refused tokens', () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => string, string, RegExp]> = [
    ['expired', () => tenant.sign(tenant.claims(oid, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })), 'ExpiredAuthenticationToken', /expired at .*Get a new token/],
    ['not yet valid', () => tenant.sign(tenant.claims(oid, { nbf: now + 3600 })), 'InvalidAuthenticationToken', /not valid before/],
    ['for another audience', () => tenant.sign(tenant.claims(oid, { aud: 'https://management.azure.com' })), 'InvalidAuthenticationTokenAudience', /wrong audience .*https:\/\/management\.azure\.com.*https:\/\/cognitiveservices\.azure\.com, https:\/\/ai\.azure\.com/],
    ['from an issuer that is not Entra', () => tenant.sign(tenant.claims(oid, { iss: 'https://evil.example.com/' })), 'InvalidAuthenticationToken', /issuer 'https:\/\/evil\.example\.com\/' is not a Microsoft Entra ID issuer/],
    ['from an untrusted tenant', () => tenant.sign(tenant.claims(oid, { iss: `https://sts.windows.net/${randomUUID()}/`, tid: undefined })), 'InvalidAuthenticationToken', /issued by tenant '.*', which this gateway does not trust/],
    ['whose tid differs from its issuer', () => tenant.sign(tenant.claims(oid, { tid: randomUUID() })), 'InvalidAuthenticationToken', /'tid' claim does not match/],
    ['with a tampered payload', () => {
      const [h, , s] = tenant.sign(tenant.claims(oid)).split('.');
      return `${h}.${Buffer.from(JSON.stringify(tenant.claims(randomUUID()))).toString('base64url')}.${s}`;
    }, 'InvalidAuthenticationToken', /signature is invalid/],
    ['signed by another key under the same kid', () => tenant.sign(tenant.claims(oid), {}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), 'InvalidAuthenticationToken', /signature is invalid/],
    ["with alg 'none'", () => `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(tenant.claims(oid))).toString('base64url')}.`, 'InvalidAuthenticationToken', /signed with 'none'; only RS256/],
    ['signed HS256 with the public key as secret', () => tenant.signHs256(tenant.claims(oid)), 'InvalidAuthenticationToken', /signed with 'HS256'; only RS256/],
    ['with a kid the tenant does not publish', () => tenant.sign(tenant.claims(oid), { kid: 'unknown-kid', x5t: 'unknown-kid' }), 'InvalidAuthenticationToken', /signing key 'unknown-kid' is not published by tenant/],
    ['without an oid', () => tenant.sign(tenant.claims(oid, { oid: undefined })), 'InvalidAuthenticationToken', /no 'oid'/],
    ['that is JWT-shaped garbage', () => 'eyJnYXJiYWdl.Z2FyYmFnZQ.Z2FyYmFnZQ', 'InvalidAuthenticationToken', /not a JSON Web Token/],
    // Claim types and values jose checks (issue 13): the same instant as a string, a future iat, an absurd lifetime.
    ['whose nbf is a string ten years ahead', () => tenant.sign(tenant.claims(oid, { nbf: String(now + 10 * 365 * 86_400) })), 'InvalidAuthenticationToken', /"nbf" claim must be a number/],
    ['whose iat is an hour in the future', () => tenant.sign(tenant.claims(oid, { iat: now + 3600 })), 'InvalidAuthenticationToken', /"iat" claim timestamp check failed \(it should be in the past\)/],
    ['valid for ten years', () => tenant.sign(tenant.claims(oid, { exp: now + 10 * 365 * 86_400 })), 'InvalidAuthenticationToken', /lifetime of 87600 hours; .* at most a day/],
    ['without an iat', () => tenant.sign(tenant.claims(oid, { iat: undefined })), 'InvalidAuthenticationToken', /missing required "iat" claim/],
    ['with a critical header extension it does not understand', () => tenant.sign(tenant.claims(oid), { crit: ['x-unknown'], 'x-unknown': true }), 'InvalidAuthenticationToken', /Extension Header Parameter "x-unknown" is not recognized/],
    ['signed by a key the tenant publishes for another algorithm', () => tenant.sign(tenant.claims(oid), { kid: 'ps256-only', x5t: 'ps256-only' }), 'InvalidAuthenticationToken', /signing key 'ps256-only' is not published .* for RS256/],
    ['whose tenant keys cannot be fetched', () => tenant.sign(tenant.claims(oid, { iss: `https://sts.windows.net/${unreachableTenant}/`, tid: unreachableTenant })), 'InvalidAuthenticationToken', /signing keys .* could not be retrieved; try again later/],
  ];
  for (const [name, make, code, message] of cases) {
    test(`a token ${name} is refused with 401 ${code}`, async () => {
      assertRefused(await callWithToken(gw, make()), code, message);
    });
  }

  test('a Bearer value that is not a JWT is treated as an API key and refused as one', async () => {
    const res = await callWithToken(gw, 'not-a-jwt-at-all');
    assert.equal(res.status, 401);
    assert.equal((res.json() as { error: { code: string } }).error.code, '401');
  });

  test('after all of that the gateway still serves: a key call and a token call succeed', async () => {
    assert.equal((await messages(gw)).status, 200);
    assert.equal((await callWithToken(gw, tenant.sign(tenant.claims(oid)))).status, 200);
  });
});
