// Test helpers for the control plane: ARM calls over plain HTTP with the admin's (or any principal's) token, ARM
// paths, and Messages calls to a resource by path.
import { readFileSync } from 'node:fs';
import { HELLO, raw, type RawResponse, type TestGateway } from './helpers.ts';
import { devToken, SUBSCRIPTION } from './identity-helpers.ts';

export const API_VERSION = '2025-09-01';
export const MANAGEMENT_SCOPE = 'https://management.azure.com/.default';

export const accountPath = (name: string, rg = 'claude-foundry', sub = SUBSCRIPTION) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`;
export const deploymentPath = (account: string, name: string, rg = 'claude-foundry') => `${accountPath(account, rg)}/deployments/${name}`;

export async function adminToken(gw: TestGateway): Promise<string> {
  const creds = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
  return devToken(gw, creds.clientId, creds.clientSecret, MANAGEMENT_SCOPE);
}

export type Arm = (method: string, path: string, body?: unknown) => Promise<RawResponse>;

/** ARM calls with `token`; `?api-version=2025-09-01` is added unless the path has one. A string body is sent as is. */
export function armWith(gw: TestGateway, token: string | undefined): Arm {
  return (method, path, body) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const url = path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${API_VERSION}`;
    return raw(gw, { method, path: url, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  };
}

export const errorOf = (res: RawResponse) => (res.json() as { error: { code: string; message: string } }).error;

export const ACCOUNT = { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } };
export const deploymentBody = (model = 'claude-sonnet-4-6', capacity = 10, sku = 'GlobalStandard') => ({
  sku: { name: sku, capacity },
  properties: { model: { format: 'Anthropic', name: model } },
});

/** A Messages call to `resource` (by path) with an API key. */
export function callResource(gw: TestGateway, resource: string, key: string, model = 'claude-sonnet-4-6', headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(gw, {
    path: `/${resource}/anthropic/v1/messages`,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key, ...headers },
    body: JSON.stringify({ ...HELLO, model }),
  });
}

/** The keys of an account through listKeys. */
export async function keysOf(arm: Arm, path: string): Promise<{ key1: string; key2: string }> {
  const res = await arm('POST', `${path}/listKeys`);
  if (res.status !== 200) throw new Error(`listKeys answered ${res.status}: ${res.text}`);
  return res.json() as { key1: string; key2: string };
}
