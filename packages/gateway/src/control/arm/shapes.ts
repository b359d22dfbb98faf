// What ARM answers for this gateway's resources: resource groups, accounts (with their real endpoints) and deployments,
// in the shapes of Microsoft.Resources and Microsoft.CognitiveServices 2025-09-01.
import { createHash } from 'node:crypto';
import { accountScope } from '../../auth/scopes.ts';
import { deploymentLimits } from '../../limits/capacity.ts';
import { limitsFromCapacity } from '../../limits/quota.ts';
import type { AccountRecord, DeploymentRecord, ResourceGroupRecord } from '../../store/types.ts';
import { accountInstance } from '../names.ts';
import type { Deployment } from '../types.ts';
import { poolJson } from './pool-body.ts';

/** Where clients reach the gateway, as seen from the request: `http://host:port` and `https://host:port`. */
export interface PublicUrls {
  http: string;
  https: string;
}

export const groupId = (subscriptionId: string, name: string) => `/subscriptions/${subscriptionId}/resourceGroups/${name}`;
export const deploymentId = (a: AccountRecord, name: string) => `${accountScope(a.subscriptionId, a.resourceGroup, a.name)}/deployments/${name}`;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const etag = (...parts: string[]) => `"${digest(parts.join('|')).slice(0, 32)}"`;

function systemData(r: { createdAt: string; createdBy: string | null; modifiedAt: string; modifiedBy: string | null }): Record<string, unknown> {
  return {
    createdBy: r.createdBy,
    createdByType: r.createdBy ? 'Application' : null,
    createdAt: r.createdAt,
    lastModifiedBy: r.modifiedBy,
    lastModifiedByType: r.modifiedBy ? 'Application' : null,
    lastModifiedAt: r.modifiedAt,
  };
}

export function resourceGroupJson(g: ResourceGroupRecord): Record<string, unknown> {
  return {
    id: groupId(g.subscriptionId, g.name),
    name: g.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: g.location,
    tags: g.tags,
    properties: { provisioningState: 'Succeeded' },
  };
}

/**
 * `endpoint` is the HTTPS base a Foundry client takes (`{https}/{subdomain}/`, as Azure's is
 * `https://{subdomain}.cognitiveservices.azure.com/`); `endpoints` adds the Anthropic base and the plain-HTTP forms.
 */
export function accountJson(a: AccountRecord, urls: PublicUrls): Record<string, unknown> {
  const label = encodeURIComponent(a.customSubDomainName ?? a.name);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    endpoint: `${urls.https}/${label}/`,
    endpoints: {
      'AI Foundry API': `${urls.https}/${label}/`,
      Anthropic: `${urls.https}/${label}/anthropic/`,
      'AI Foundry API (HTTP)': `${urls.http}/${label}/`,
      'Anthropic (HTTP)': `${urls.http}/${label}/anthropic/`,
    },
    internalId: accountInstance(a),
    dateCreated: a.createdAt,
    customSubDomainName: a.customSubDomainName,
    publicNetworkAccess: a.publicNetworkAccess,
    disableLocalAuth: a.disableLocalAuth,
    capabilities: [{ name: 'CustomSubDomainName' }, { name: 'NetworkAcls' }],
  };
  if (a.networkAcls) {
    properties['networkAcls'] = {
      defaultAction: a.networkAcls.defaultAction,
      bypass: a.networkAcls.bypass,
      virtualNetworkRules: [],
      ipRules: a.networkAcls.ipRules.map((value) => ({ value })),
    };
  }
  return {
    id: accountScope(a.subscriptionId, a.resourceGroup, a.name),
    name: a.name,
    type: 'Microsoft.CognitiveServices/accounts',
    etag: etag(a.name, a.modifiedAt),
    location: a.location,
    kind: a.kind,
    sku: { name: a.skuName },
    tags: a.tags,
    systemData: systemData(a),
    properties,
  };
}

/** `served` is the deployment as the data plane has it: its backend and effective rate limits. */
export function deploymentJson(account: AccountRecord, d: DeploymentRecord, served: Deployment | undefined): Record<string, unknown> {
  const limits = served ? deploymentLimits(served) : limitsFromCapacity(d.capacity);
  const properties: Record<string, unknown> = {
    model: { format: d.model.format, name: d.model.name, version: d.model.version },
    provisioningState: 'Succeeded',
    deploymentState: 'Running',
    versionUpgradeOption: d.versionUpgradeOption ?? 'OnceNewDefaultVersionAvailable',
    raiPolicyName: d.raiPolicyName ?? 'Microsoft.DefaultV2',
    currentCapacity: d.capacity,
    capabilities: { messages: 'true', countTokens: 'true' },
    rateLimits: [
      { key: 'request', renewalPeriod: 60, count: limits.rpm },
      // Azure names no keys for Claude's input and output limits; `token` is input, as on its other models.
      { key: 'token', renewalPeriod: 60, count: limits.itpm },
      { key: 'outputToken', renewalPeriod: 60, count: limits.otpm },
    ],
    claudeFoundry: { backend: served?.backend ?? 'simulator', ...(d.pool ? { pool: poolJson(d.pool) } : {}) },
  };
  if (d.modelProviderData) properties['modelProviderData'] = d.modelProviderData;
  return {
    id: deploymentId(account, d.name),
    name: d.name,
    type: 'Microsoft.CognitiveServices/accounts/deployments',
    etag: etag(account.name, d.name, d.modifiedAt),
    sku: { name: d.skuName, capacity: d.capacity },
    tags: d.tags,
    systemData: systemData(d),
    properties,
  };
}
