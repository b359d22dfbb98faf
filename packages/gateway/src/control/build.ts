// From what the store holds to what the data plane reads: each account becomes a Resource, each deployment a
// Deployment. What ARM cannot express (backend, upstream, cassettes, simulator profile, rate-limit overrides) comes
// from the config file: the deployment it declares under the same resource and name with the same model, else its
// `deploymentDefaults`, else the simulator. `claudeFoundry.backend: "simulator"` pins the simulator.
import type { BackendSettings } from '../config/deployment-defaults.ts';
import { ConfigError, defaultSimulatorProfile, type DeploymentConfig, type GatewayConfig } from '../config/index.ts';
import { poolFromRecord } from '../config/pool.ts';
import type { AccountRecord, DeploymentRecord, ResourceGroupRecord } from '../store/types.ts';
import { accountInstance } from './names.ts';
import { networkAccess } from './network.ts';
import { ControlSnapshot } from './snapshot.ts';
import type { Deployment, Resource, SubscriptionType } from './types.ts';

export interface ControlRecords {
  groups: readonly ResourceGroupRecord[];
  accounts: readonly AccountRecord[];
  deployments: readonly DeploymentRecord[];
}

/** The config's settings for a deployment of `account` named `name` serving `model`, if it declares one. */
export function declaredDeployment(config: GatewayConfig, account: string, name: string, model: string): DeploymentConfig | undefined {
  const resource = config.resources.find((r) => r.name.toLowerCase() === account.toLowerCase());
  const declared = resource?.deployments.find((d) => d.name.toLowerCase() === name.toLowerCase());
  return declared?.model === model ? declared : undefined;
}

/** How the deployment is served; throws ConfigError when `deploymentDefaults` cannot serve its model (retired). */
export function backendSettings(config: GatewayConfig, record: Pick<DeploymentRecord, 'account' | 'name' | 'model' | 'capacity' | 'backendChoice'>): BackendSettings {
  const declared = declaredDeployment(config, record.account, record.name, record.model.name);
  if (declared) {
    const { name: _name, model: _model, sku: _sku, capacity: _capacity, ...settings } = declared;
    return settings;
  }
  if (record.backendChoice === 'simulator' || !config.deploymentDefaults) return { backend: 'simulator', simulator: defaultSimulatorProfile() };
  return config.deploymentDefaults({ resource: record.account, deployment: record.name, model: record.model.name, capacity: record.capacity });
}

export function deploymentOf(config: GatewayConfig, record: DeploymentRecord): Deployment {
  const declaredModel = config.models.get(record.model.name);
  const base = { name: record.name, instance: record.createdAt, model: record.model.name, ...(declaredModel ? { declaredModel } : {}), sku: record.skuName, capacity: record.capacity };
  // A pool set over ARM serves the deployment, whatever the config says of it.
  if (record.pool) return { ...base, backend: 'pool', simulator: defaultSimulatorProfile(), pool: poolFromRecord(record.pool, record.model.name, config.upstreamPolicy) };
  try {
    return { ...backendSettings(config, record), ...base };
  } catch (err) {
    // Only a model retired since its PUT gets here: the simulator stands in, and the data plane answers it as retired.
    if (!(err instanceof ConfigError)) throw err;
    return { ...base, backend: 'simulator', simulator: defaultSimulatorProfile() };
  }
}

/** The type the config gives the resource's subscription, else the config's default for undeclared resources. */
export function subscriptionTypeOf(config: GatewayConfig, account: string): SubscriptionType {
  return config.resources.find((r) => r.name.toLowerCase() === account.toLowerCase())?.subscriptionType ?? config.subscriptionType;
}

export function buildSnapshot(records: ControlRecords, config: GatewayConfig): ControlSnapshot {
  const byAccount = new Map<string, Map<string, Deployment>>();
  for (const record of records.deployments) {
    const key = record.account.toLowerCase();
    const map = byAccount.get(key) ?? new Map<string, Deployment>();
    map.set(record.name, deploymentOf(config, record));
    byAccount.set(key, map);
  }
  const resources = records.accounts.map((a): Resource => {
    const resource: Resource = {
      name: a.name,
      instance: accountInstance(a),
      createdAt: Date.parse(a.createdAt),
      subscriptionId: a.subscriptionId,
      resourceGroup: a.resourceGroup,
      subscriptionType: subscriptionTypeOf(config, a.name),
      quotas: config.quotas,
      keys: a.keys,
      disableLocalAuth: a.disableLocalAuth,
      network: networkAccess(a.publicNetworkAccess, a.networkAcls),
      deployments: byAccount.get(a.name.toLowerCase()) ?? new Map(),
    };
    if (a.customSubDomainName && a.customSubDomainName.toLowerCase() !== a.name.toLowerCase()) resource.customSubDomainName = a.customSubDomainName;
    return resource;
  });
  return new ControlSnapshot(resources, records.groups);
}
