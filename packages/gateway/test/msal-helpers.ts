// The portal's sign-in as Microsoft's own client makes it: @azure/msal-node's PublicClientApplication against the
// development tenant of a gateway (in this process or another), over node:https trusting the gateway's CA.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { type INetworkModule, type NetworkResponse, PublicClientApplication } from '@azure/msal-node';
import { PORTAL_CLIENT_ID } from '../src/identity/authorize.ts';
import type { Gateway } from '../src/index.ts';
import { raw } from './helpers.ts';

export const ARM = 'https://management.azure.com/.default';
export const COGNITIVE = 'https://cognitiveservices.azure.com/.default';

/** Where a gateway's development tenant is: its HTTP port (for the sign-in form), HTTPS URL, tenant and CA. */
export interface Tenant {
  port: number;
  httpsUrl: string;
  tenantId: string;
  caPem: string;
}

export const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
export const redirectUri = (t: Pick<Tenant, 'port'>) => `http://127.0.0.1:${t.port}/portal/`;

/** MSAL's network module over node:https trusting the gateway's CA (MSAL Node's own client reads no CA option). */
function networkClient(ca: string): INetworkModule {
  const send = <T>(method: string, url: string, options?: { headers?: Record<string, string>; body?: string }) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = request(url, { method, ca, headers: options?.headers ?? {}, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
          resolve({ status: res.statusCode ?? 0, headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T });
        });
      });
      req.on('error', reject);
      req.end(options?.body);
    });
  return { sendGetRequestAsync: (url, options) => send('GET', url, options), sendPostRequestAsync: (url, options) => send('POST', url, options) };
}

export function portalApp(t: Tenant): PublicClientApplication {
  const authority = `${t.httpsUrl}/${t.tenantId}`;
  return new PublicClientApplication({
    // knownAuthorities: no instance discovery at login.microsoftonline.com (offline), as @azure/identity's disableInstanceDiscovery.
    auth: { clientId: PORTAL_CLIENT_ID, authority, knownAuthorities: [authority] },
    system: { networkClient: networkClient(t.caPem) },
  });
}

/** The sign-in page's form, posted with the parameters of MSAL's own authorize URL: the code it redirects with. */
export async function codeFrom(t: Pick<Tenant, 'port'>, authorizeUrl: string, userName: string, password: string): Promise<string> {
  const url = new URL(authorizeUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set('username', userName);
  form.set('password', password);
  const res = await raw({ port: t.port } as Gateway, { path: url.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  assert.equal(res.status, 302, res.text);
  return new URL(String(res.headers['location'])).searchParams.get('code')!;
}

/** Signs `userName` in through MSAL for ARM (with offline_access, which MSAL always adds). */
export async function msalSignIn(t: Tenant, app: PublicClientApplication, userName: string, password: string) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = await app.getAuthCodeUrl({ scopes: [ARM], redirectUri: redirectUri(t), codeChallenge: challenge, codeChallengeMethod: 'S256' });
  const code = await codeFrom(t, url, userName, password);
  return app.acquireTokenByCode({ code, scopes: [ARM], redirectUri: redirectUri(t), codeVerifier: verifier });
}

/** The refresh token MSAL cached. */
export function cachedRefreshToken(app: PublicClientApplication): string {
  const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  const [cached] = Object.values(cache.RefreshToken);
  assert.ok(cached, 'MSAL cached a refresh token');
  return cached.secret;
}
