// The portal calls the same ARM and monitoring routes as the CLI and the Azure SDKs, with the signed-in user's token:
// RBAC on the gateway decides; a refusal comes back as an ApiError carrying ARM's own code and message. The token is
// renewed before it expires (auth.ts).
import { accessToken } from './auth.ts';

export const COGNITIVE = '2024-10-01';
const RESOURCES = '2022-09-01';

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
  const headers: Record<string, string> = { authorization: `Bearer ${await accessToken()}` };
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

export interface NetworkAcls {
  defaultAction: 'Allow' | 'Deny';
  ipRules: Array<{ value: string }>;
  virtualNetworkRules?: unknown[];
  bypass?: string;
}

export interface Account {
  id: string;
  name: string;
  location: string;
  kind: string;
  properties: {
    endpoint: string;
    endpoints: Record<string, string>;
    publicNetworkAccess?: 'Enabled' | 'Disabled';
    networkAcls?: NetworkAcls | null;
    disableLocalAuth?: boolean;
  };
}

export interface RateLimit {
  key: string;
  renewalPeriod: number;
  count: number;
}

export interface Deployment {
  id: string;
  name: string;
  sku: { name: string; capacity: number };
  properties: { model: { name: string; version: string; format: string }; provisioningState: string; rateLimits?: RateLimit[] };
}

export interface Keys {
  key1: string;
  key2: string;
}

export interface ResourceGroup {
  id: string;
  name: string;
  location: string;
}

export interface Subscription {
  id: string;
  subscriptionId: string;
  displayName: string;
  tenantId: string;
  state: string;
}

const SUBSCRIPTIONS = '2022-12-01';
export const listSubscriptionDetails = () => arm<{ value: Subscription[] }>('GET', '/subscriptions', SUBSCRIPTIONS).then((r) => r.value);
export const listSubscriptions = () => listSubscriptionDetails().then((subs) => subs.map((s) => s.subscriptionId));
export const getSubscription = (id: string) => arm<Subscription>('GET', id, SUBSCRIPTIONS);

export async function listAccounts(): Promise<Account[]> {
  const subs = await listSubscriptions();
  const lists = await Promise.all(subs.map((s) => arm<{ value: Account[] }>('GET', `/subscriptions/${s}/providers/Microsoft.CognitiveServices/accounts`, COGNITIVE)));
  return lists.flatMap((l) => l.value);
}

export const listResourceGroups = (subscriptionId: string) => arm<{ value: ResourceGroup[] }>('GET', `/subscriptions/${subscriptionId}/resourcegroups`, RESOURCES).then((r) => r.value);
export const getResourceGroup = (id: string) => arm<ResourceGroup>('GET', id, RESOURCES);
/** The accounts in a resource group (its ARM ID) that the caller may read. */
export const listGroupAccounts = (group: string) => arm<{ value: Account[] }>('GET', `${group}/providers/Microsoft.CognitiveServices/accounts`, COGNITIVE).then((r) => r.value);
export const putResourceGroup = (subscriptionId: string, name: string, location: string) =>
  arm<ResourceGroup>('PUT', `/subscriptions/${subscriptionId}/resourcegroups/${encodeURIComponent(name)}`, RESOURCES, { location });

export const accountId = (subscriptionId: string, group: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${encodeURIComponent(group)}/providers/Microsoft.CognitiveServices/accounts/${encodeURIComponent(name)}`;
export const getAccount = (id: string) => arm<Account>('GET', id, COGNITIVE);
export const putAccount = (id: string, body: unknown) => arm<Account>('PUT', id, COGNITIVE, body);
export const patchAccount = (id: string, properties: Partial<Account['properties']>) => arm<Account>('PATCH', id, COGNITIVE, { properties });
export const deleteAccount = (id: string) => arm<unknown>('DELETE', id, COGNITIVE);
export const listKeys = (id: string) => arm<Keys>('POST', `${id}/listKeys`, COGNITIVE);
export const regenerateKey = (id: string, keyName: 'Key1' | 'Key2') => arm<Keys>('POST', `${id}/regenerateKey`, COGNITIVE, { keyName });

export const listDeployments = (id: string) => arm<{ value: Deployment[] }>('GET', `${id}/deployments`, COGNITIVE).then((r) => r.value);
export const putDeployment = (id: string, name: string, body: unknown) => arm<Deployment>('PUT', `${id}/deployments/${encodeURIComponent(name)}`, COGNITIVE, body);
export const deleteDeployment = (id: string, name: string) => arm<unknown>('DELETE', `${id}/deployments/${encodeURIComponent(name)}`, COGNITIVE);

/** `/subscriptions/s/resourceGroups/g/providers/…` → g */
export const resourceGroupOf = (id: string) => decodeURIComponent(/\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '');
/** `/subscriptions/s/…` → s */
export const subscriptionOf = (id: string) => /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '';
/** The last segment of an ARM ID: the account's name. */
export const nameOf = (id: string) => decodeURIComponent(id.split('/').pop() ?? '');
