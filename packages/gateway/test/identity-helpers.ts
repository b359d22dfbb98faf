// Test helpers for Entra ID: credentials against the gateway's development tenant, a stand-in for a real tenant
// (an RSA key and a JWKS server on port 0, since the real Entra cannot be reached here), and token calls.
import { createHmac, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ClientSecretCredential } from '@azure/identity';
import { signJwt } from '../src/identity/jwt.ts';
import { HELLO, raw, type RawResponse, type TestGateway } from './helpers.ts';

export const ROLES = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908',
  cognitiveServicesContributor: '25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68',
  openAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
  openAiContributor: 'a001fd3d-188f-4b5d-821b-7da978bf7442',
  azureAiUser: '53ca6127-db72-4b80-b1b0-d745d6d5456d',
  azureAiDeveloper: '64702f94-c441-49e6-a78b-ef80e0188fee',
  azureAiProjectManager: 'eadc314b-1a2d-4efa-be10-5d325db5065e',
  azureAiAccountOwner: 'e47c6f54-e4a2-4754-9501-8e0985b135e1',
} as const;

export const SUBSCRIPTION = 'c1a0de00-5ab5-4000-8000-000000000001';
export const subscriptionScope = (sub = SUBSCRIPTION) => `/subscriptions/${sub}`;
export const groupScope = (rg = 'claude-foundry', sub = SUBSCRIPTION) => `/subscriptions/${sub}/resourceGroups/${rg}`;
export const accountScope = (name: string, rg = 'claude-foundry', sub = SUBSCRIPTION) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`;

/** @azure/identity's pipeline, given the gateway's CA through an agent (the in-process alternative to NODE_EXTRA_CA_CERTS). */
export function credential(gw: TestGateway, clientId: string, clientSecret: string): ClientSecretCredential {
  const agent = new Agent({ ca: gw.identity.caPem });
  return new ClientSecretCredential(gw.identity.tenantId, clientId, clientSecret, {
    authorityHost: gw.httpsUrl,
    disableInstanceDiscovery: true,
    additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-gateway-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
  });
}

export async function newPrincipal(gw: TestGateway, displayName = `p-${randomUUID().slice(0, 8)}`, groups: string[] = []) {
  const { principal, clientSecret } = await gw.identity.directory.createServicePrincipal({ displayName, groups });
  return { objectId: principal.objectId, clientId: principal.appId, clientSecret };
}

export function assign(gw: TestGateway, principalId: string, roleDefinitionId: string, scope: string, principalType: 'ServicePrincipal' | 'Group' | 'User' = 'ServicePrincipal') {
  return gw.identity.directory.createRoleAssignment({ name: randomUUID(), scope, roleDefinitionId, principalId, principalType, description: null, createdBy: null });
}

/** The token endpoint over plain HTTP, as a form POST. */
export function tokenRequest(gw: TestGateway, form: Record<string, string>, headers: Record<string, string> = {}, tenant = gw.identity.tenantId): Promise<RawResponse> {
  return raw(gw, {
    path: `/${tenant}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export async function devToken(gw: TestGateway, clientId: string, clientSecret: string, scope = 'https://cognitiveservices.azure.com/.default'): Promise<string> {
  const res = await tokenRequest(gw, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`);
  return (res.json() as { access_token: string }).access_token;
}

/** A Messages call with `Authorization: Bearer <token>`, addressed by path. */
export function callWithToken(gw: TestGateway, token: string, resource = gw.config.resources[0]!.name, api = 'v1/messages'): Promise<RawResponse> {
  return raw(gw, {
    path: `/${resource}/anthropic/${api}`,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', authorization: `Bearer ${token}` },
    body: JSON.stringify(HELLO),
  });
}

/** Stands in for a real Entra tenant: its signing key and a JWKS endpoint that counts how often it is fetched. */
export class LocalTenant {
  readonly tenantId = randomUUID();
  readonly kid = `kid-${randomUUID().slice(0, 8)}`;
  readonly #keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly publicKey: KeyObject = this.#keys.publicKey;
  fetches = 0;
  /** Extra keys published besides the main one (to simulate the tenant rotating). */
  extra: Array<{ kid: string; key: KeyObject; alg?: string }> = [];
  #server: Server | undefined;
  jwksUri = '';

  async start(): Promise<this> {
    this.#server = createServer((_req, res) => {
      this.fetches++;
      const keys = [{ kid: this.kid, key: this.publicKey, alg: undefined }, ...this.extra].map(({ kid, key, alg }) => ({ kty: 'RSA', use: 'sig', kid, x5t: kid, ...(alg ? { alg } : {}), ...(key.export({ format: 'jwk' }) as object) }));
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.jwksUri = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/discovery/v2.0/keys`;
    return this;
  }

  close(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return closed;
  }

  /** Claims of a v1 app token for Cognitive Services from this tenant, valid for an hour. */
  claims(oid: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return {
      aud: 'https://cognitiveservices.azure.com',
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: now - 300,
      nbf: now - 300,
      exp: now + 3600,
      appid: randomUUID(),
      appidacr: '1',
      idtyp: 'app',
      oid,
      sub: oid,
      tid: this.tenantId,
      ver: '1.0',
      ...overrides,
    };
  }

  sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = this.#keys.privateKey): string {
    return signJwt({ typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid, ...header }, claims, key);
  }

  /** The classic confusion attack: HS256 "signed" with the public key as the HMAC secret. */
  signHs256(claims: Record<string, unknown>): string {
    const input = `${Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: this.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const secret = this.publicKey.export({ type: 'spki', format: 'pem' });
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  }
}
