// The portal calls the same ARM and monitoring routes as the CLI and the Azure SDKs, with the signed-in user's token:
// RBAC on the gateway decides; a refusal comes back as an ApiError carrying ARM's own code and message.
import { token } from './auth.ts';

export const COGNITIVE = '2024-10-01';
export const RESOURCES = '2022-09-01';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** One call to the gateway with the user's bearer token; ARM's `{error: {code, message}}` becomes an ApiError. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, `${method} ${path.split('?')[0]} answered ${res.status} with a body that is not JSON.`);
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.message ?? `${method} ${path.split('?')[0]} answered ${res.status}.`, error?.code);
  }
  return json as T;
}

export const arm = <T>(method: string, path: string, apiVersion: string, body?: unknown) =>
  call<T>(method, `${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`, body);

export interface Account {
  id: string;
  name: string;
  location: string;
  kind: string;
  properties: { endpoint: string; endpoints: Record<string, string>; publicNetworkAccess?: string; disableLocalAuth?: boolean };
}

export interface Deployment {
  name: string;
  sku: { name: string; capacity: number };
  properties: { model: { name: string; version: string; format: string }; provisioningState: string };
}

export interface Keys {
  key1: string;
  key2: string;
}

export async function listAccounts(): Promise<Account[]> {
  const subs = await arm<{ value: Array<{ subscriptionId: string }> }>('GET', '/subscriptions', RESOURCES);
  const lists = await Promise.all(subs.value.map((s) => arm<{ value: Account[] }>('GET', `/subscriptions/${s.subscriptionId}/providers/Microsoft.CognitiveServices/accounts`, COGNITIVE)));
  return lists.flatMap((l) => l.value);
}

export const getAccount = (id: string) => arm<Account>('GET', id, COGNITIVE);
export const listKeys = (id: string) => arm<Keys>('POST', `${id}/listKeys`, COGNITIVE);
export const regenerateKey = (id: string, keyName: 'Key1' | 'Key2') => arm<Keys>('POST', `${id}/regenerateKey`, COGNITIVE, { keyName });
export const listDeployments = (id: string) => arm<{ value: Deployment[] }>('GET', `${id}/deployments`, COGNITIVE).then((r) => r.value);

/** `/subscriptions/s/resourceGroups/g/providers/…` → g */
export const resourceGroupOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';
