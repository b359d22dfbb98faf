// The development identity provider as a client sees it: discovery and JWKS over HTTPS with the generated CA, the
// token endpoint's client-credentials grant and its Entra-shaped errors, the claims of its tokens, and its files.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { startGateway } from '../src/index.ts';
import { GUID, TEST_RESOURCES, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, devToken, newPrincipal, ROLES, tokenRequest } from './identity-helpers.ts';

const CONFIG_CLIENT = '0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9';
const CONFIG_GROUP = '1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d';

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway({
    identity: {
      servicePrincipals: [{ displayName: 'from-config', clientId: CONFIG_CLIENT, clientSecret: 'config-secret-value-123', groups: [CONFIG_GROUP], appRoles: ['Claude.Invoke'] }],
      roleAssignments: [{ principalId: CONFIG_GROUP, principalType: 'Group', role: 'Azure AI User' }],
    },
  });
});
after(() => gw.close());

function httpsGet(url: string): Promise<{ status: number; json: unknown; cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    get(url, { ca: gw.identity.caPem, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerX509Certificate()!;
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), cert }));
    }).on('error', reject);
  });
}

const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

describe('discovery and keys over HTTPS', () => {
  test('the v2.0 OpenID configuration names endpoints and an issuer on the origin that was asked, as MSAL requires', async () => {
    const tenant = gw.identity.tenantId;
    const res = await httpsGet(`${gw.httpsUrl}/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const doc = res.json as Record<string, unknown>;
    assert.equal(doc['issuer'], `${gw.httpsUrl}/${tenant}/v2.0`);
    assert.equal(doc['token_endpoint'], `${gw.httpsUrl}/${tenant}/oauth2/v2.0/token`);
    assert.equal(doc['jwks_uri'], `${gw.httpsUrl}/${tenant}/discovery/v2.0/keys`);
    assert.equal(typeof doc['authorization_endpoint'], 'string');
    assert.deepEqual(doc['id_token_signing_alg_values_supported'], ['RS256']);
    const localhost = await httpsGet(`${gw.httpsUrl.replace('127.0.0.1', 'localhost')}/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal((localhost.json as { issuer: string }).issuer, `${gw.httpsUrl.replace('127.0.0.1', 'localhost')}/${tenant}/v2.0`);
  });

  test('the server certificate is issued by <dataDir>/ca.pem for localhost, 127.0.0.1, ::1, *.localhost and the resource host', async () => {
    const res = await httpsGet(`${gw.httpsUrl}/${gw.identity.tenantId}/discovery/v2.0/keys`);
    const ca = new X509Certificate(readFileSync(join(gw.dataDir, 'ca.pem')));
    assert.ok(ca.ca);
    assert.ok(res.cert.checkIssued(ca) && res.cert.verify(ca.publicKey));
    for (const host of ['localhost', 'claude-local.localhost']) assert.equal(res.cert.checkHost(host), host);
    for (const ip of ['127.0.0.1', '::1']) assert.equal(res.cert.checkIP(ip), ip);
    assert.match(res.cert.subjectAltName ?? '', /DNS:\*\.localhost/);
  });

  test('the JWKS publishes RSA keys as Entra does: kid = x5t = base64url(SHA-1 of the x5c certificate)', async () => {
    const { json } = await httpsGet(`${gw.httpsUrl}/${gw.identity.tenantId}/discovery/v2.0/keys`);
    const [key] = (json as { keys: Array<Record<string, unknown>> }).keys;
    assert.equal(key!['kty'], 'RSA');
    assert.equal(key!['use'], 'sig');
    assert.equal(key!['e'], 'AQAB');
    const der = Buffer.from((key!['x5c'] as string[])[0]!, 'base64');
    assert.equal(key!['kid'], createHash('sha1').update(der).digest('base64url'));
    assert.equal(key!['x5t'], key!['kid']);
    assert.ok(new X509Certificate(der).publicKey.export({ format: 'jwk' }).n === key!['n']);
  });

  test('secrets live in the data folder with mode 0600', () => {
    for (const file of ['signing-keys.json', 'admin-credentials.json', 'ca-key.pem', 'tls-key.pem']) {
      assert.equal(statSync(join(gw.dataDir, file)).mode & 0o777, 0o600, file);
    }
  });
});

describe('the token endpoint', () => {
  test('issues a v1 token for Cognitive Services with Entra\'s claims, and tolerates the extra fields MSAL sends', async () => {
    const p = await newPrincipal(gw, 'claims-check', ['5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a']);
    const res = await tokenRequest(gw, {
      client_id: p.clientId, scope: 'https://cognitiveservices.azure.com/.default', grant_type: 'client_credentials',
      'x-client-SKU': 'msal.js.node', 'x-client-VER': '7.2.3', 'client-request-id': 'abc',
      claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}', client_secret: p.clientSecret,
    });
    assert.equal(res.status, 200, res.text);
    const body = res.json() as Record<string, unknown>;
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['expires_in'], 3599);
    assert.equal(body['ext_expires_in'], 3599);
    const token = String(body['access_token']);
    const claims = payload(token);
    const tid = gw.identity.tenantId;
    assert.equal(claims['aud'], 'https://cognitiveservices.azure.com');
    assert.equal(claims['iss'], `https://sts.windows.net/${tid}/`);
    assert.equal(claims['tid'], tid);
    assert.equal(claims['oid'], p.objectId);
    assert.equal(claims['sub'], p.objectId);
    assert.equal(claims['appid'], p.clientId);
    assert.equal(claims['idtyp'], 'app');
    assert.equal(claims['ver'], '1.0');
    assert.deepEqual(claims['groups'], ['5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a']);
    assert.equal(Number(claims['exp']) - Number(claims['iat']), 3599 + 300);
    assert.deepEqual(Object.keys(header(token)), ['typ', 'alg', 'x5t', 'kid']);
    assert.equal(header(token)['alg'], 'RS256');
  });

  test('accepts client_secret_basic and answers no-store', async () => {
    const p = await newPrincipal(gw);
    const basic = Buffer.from(`${p.clientId}:${encodeURIComponent(p.clientSecret)}`).toString('base64');
    const res = await tokenRequest(gw, { grant_type: 'client_credentials', scope: 'https://ai.azure.com/.default' }, { authorization: `Basic ${basic}` });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['cache-control']), /no-store/);
    assert.equal(payload((res.json() as { access_token: string }).access_token)['aud'], 'https://ai.azure.com');
  });

  test('a principal from the config file gets tokens with its groups and app roles; its group\'s role applies', async () => {
    const token = await devToken(gw, CONFIG_CLIENT, 'config-secret-value-123');
    assert.deepEqual(payload(token)['groups'], [CONFIG_GROUP]);
    assert.deepEqual(payload(token)['roles'], ['Claude.Invoke']);
    assert.equal((await callWithToken(gw, token)).status, 200);
  });

  const errors: Array<[string, Record<string, string>, number, string, RegExp, string?]> = [
    ['a wrong secret', { grant_type: 'client_credentials', scope: 'https://cognitiveservices.azure.com/.default' }, 401, 'invalid_client', /^AADSTS7000215: Invalid client secret provided/],
    ['an unknown client', { grant_type: 'client_credentials', client_id: '00000000-0000-4000-8000-000000000000', client_secret: 'x', scope: 'https://cognitiveservices.azure.com/.default' }, 400, 'unauthorized_client', /^AADSTS700016: Application with identifier '00000000-0000-4000-8000-000000000000' was not found in the directory/],
    ['no grant_type', { client_id: 'x', scope: 'y' }, 400, 'invalid_request', /^AADSTS900144: The request body must contain the following parameter: 'grant_type'/],
    ['another grant', { grant_type: 'password', client_id: 'x' }, 400, 'unsupported_grant_type', /^AADSTS70003: The app requested an unsupported grant type 'password'/],
    ['a scope without /.default', { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', scope: 'https://cognitiveservices.azure.com/user_impersonation' }, 400, 'invalid_scope', /^AADSTS1002012: /],
    ['two resources', { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', scope: 'https://ai.azure.com/.default https://cognitiveservices.azure.com/.default' }, 400, 'invalid_scope', /^AADSTS28000: /],
    ['an unknown resource', { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y', scope: 'https://vault.azure.net/.default' }, 400, 'invalid_resource', /^AADSTS500011: The resource principal named https:\/\/vault\.azure\.net was not found/],
    ['an unknown tenant', { grant_type: 'client_credentials' }, 400, 'invalid_tenant', /^AADSTS90002: Tenant '11111111-1111-4111-8111-111111111111' not found/, '11111111-1111-4111-8111-111111111111'],
  ];
  for (const [name, form, status, error, description, tenant] of errors) {
    test(`${name} answers ${status} ${error} in Entra's OAuth error shape`, async () => {
      const p = await newPrincipal(gw);
      const filled = name === 'a wrong secret' ? { ...form, client_id: p.clientId, client_secret: 'wrong' } : form;
      const res = await tokenRequest(gw, filled, {}, tenant);
      assert.equal(res.status, status, res.text);
      const body = res.json() as { error: string; error_description: string; error_codes: number[]; trace_id: string; correlation_id: string };
      assert.equal(body.error, error);
      assert.match(body.error_description, description);
      assert.match(body.error_description, /\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /);
      assert.equal(body.error_codes[0], Number(/^AADSTS(\d+)/.exec(body.error_description)![1]));
      assert.match(body.trace_id, GUID);
    });
  }
});

describe('across a restart', () => {
  test('the signing key, the principals and their role assignments are kept; the admin credentials still work', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cf-restart-'));
    const start = async () => Object.assign(await startGateway({ overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir, resources: TEST_RESOURCES }, env: {} }), { dataDir });
    try {
      const first = await start();
      const p = await newPrincipal(first);
      await assign(first, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
      const token = await devToken(first, p.clientId, p.clientSecret);
      const admin = JSON.parse(readFileSync(first.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
      await first.close();

      const again = await start();
      try {
        assert.equal((await callWithToken(again, token)).status, 200, 'a token from before the restart is valid');
        assert.equal(kid(await devToken(again, p.clientId, p.clientSecret)), kid(token));
        const file = JSON.parse(readFileSync(again.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string; url: string };
        assert.deepEqual([file.clientId, file.clientSecret], [admin.clientId, admin.clientSecret]);
        assert.equal(file.url, again.url);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const kid = (token: string) => header(token)['kid'];
