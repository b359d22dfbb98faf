// The body of `PUT` (or `PATCH`) `…/accounts/{a}/deployments/{d}`, validated into a DeploymentSpec: a catalog model
// (`format: "Anthropic"`), a GlobalStandard or DataZoneStandard SKU and a capacity. Fields Azure's SDK drops
// (`modelProviderData`) are accepted, never required.
import type { UpstreamPolicy } from '../../backends/upstream/policy.ts';
import { GatewayError } from '../../errors/index.ts';
import { MAX_CAPACITY } from '../../limits/capacity.ts';
import { getModel, listModels } from '../../models/catalog.ts';
import type { CatalogModel } from '../../models/types.ts';
import { lifecycleOf } from '../../models/lifecycle.ts';
import type { DeploymentRecord, PoolRecord } from '../../store/types.ts';
import { defaultModelVersion } from '../seed.ts';
import type { DeploymentSku } from '../types.ts';
import { choiceAt, type Json, objectAt, stringAt, tagsAt } from './fields.ts';
import { parsePoolBody } from './pool-body.ts';

export const DEPLOYMENT_SKUS: readonly DeploymentSku[] = ['GlobalStandard', 'DataZoneStandard'];
const UPGRADE_OPTIONS = ['OnceNewDefaultVersionAvailable', 'OnceCurrentVersionExpired', 'NoAutoUpgrade'] as const;

export type DeploymentSpec = Pick<DeploymentRecord, 'skuName' | 'capacity' | 'model' | 'backendChoice' | 'raiPolicyName' | 'versionUpgradeOption' | 'modelProviderData' | 'tags' | 'pool'>;

export function specOf(d: DeploymentRecord): DeploymentSpec {
  const { skuName, capacity, model, backendChoice, raiPolicyName, versionUpgradeOption, modelProviderData, tags, pool } = d;
  return { skuName, capacity, model, backendChoice, raiPolicyName, versionUpgradeOption, modelProviderData, tags, pool: pool ?? null };
}

/** What judging a deployment body needs from around it. */
export interface DeploymentBodyContext {
  /** The request's time: a model retired by then cannot be deployed. */
  now: number;
  /** The config's models outside the catalog, deployable like catalog models. */
  declared: ReadonlyMap<string, CatalogModel>;
  /** A new deployment's capacity when the body names none. */
  defaultCapacity: (model: string) => number;
  /** Where a pool's endpoints may point (the config's `upstreams`). */
  upstreamPolicy: UpstreamPolicy;
}

/** Azure's words for an unknown model, then the models this gateway can deploy. */
function unsupported(format: string, name: string, version: string, context: DeploymentBodyContext): GatewayError {
  const deployable = [...listModels(), ...context.declared.values()].filter((m) => lifecycleOf(m, context.now) !== 'retired').map((m) => m.id);
  return new GatewayError(
    'deployment_model_not_supported',
    `The model 'Format:${format.slice(0, 32)},Name:${name.slice(0, 64)},Version:${version.slice(0, 32)}' of account deployment is not supported. ` +
      `Deploy a model of the catalog with format 'Anthropic': ${deployable.join(', ')}.`,
  );
}

/** Azure's refusal to deploy a retired model ("has been deprecated since", its words for a model no longer deployable). */
function retired(name: string, version: string, model: CatalogModel): GatewayError {
  const day = model.retiredAt ?? model.retiresAt!;
  const [y, m, d] = day.split('-');
  return new GatewayError(
    'service_model_deprecated',
    `The model 'Format:Anthropic,Name:${name.slice(0, 64)},Version:${version.slice(0, 32)}' has been deprecated since ${m}/${d}/${y} 00:00:00. ` +
      `It was retired on ${day}; deploy a current model instead (\`npx claude-foundry models\` lists them).`,
  );
}

function modelOf(value: unknown, context: DeploymentBodyContext): DeploymentSpec['model'] {
  const model = objectAt(value, 'properties.model');
  if (!model) throw new GatewayError('invalid_request_content', "The property 'properties.model' is required: {\"format\": \"Anthropic\", \"name\": \"claude-sonnet-4-6\"}.");
  const name = stringAt(model['name'], 'properties.model.name', 128);
  if (!name) throw new GatewayError('invalid_request_content', "The property 'properties.model.name' is required, e.g. 'claude-sonnet-4-6'.");
  const format = stringAt(model['format'], 'properties.model.format', 64) ?? 'Anthropic';
  const version = stringAt(model['version'], 'properties.model.version', 64) ?? defaultModelVersion(name);
  const known = getModel(name) ?? context.declared.get(name);
  if (format.toLowerCase() !== 'anthropic' || !known) throw unsupported(format, name, version, context);
  if (lifecycleOf(known, context.now) === 'retired') throw retired(name, version, known);
  return { format: 'Anthropic', name, version };
}

function capacityOf(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY) {
    throw new GatewayError(
      'invalid_resource_properties',
      `The capacity '${String(value).slice(0, 32)}' is not valid: use a whole number from 1 to ${MAX_CAPACITY}. ` +
        'Capacity N gives N requests, N × 1,000 input and N × 200 output tokens per minute (80: 80 RPM, 80,000 ITPM, 16,000 OTPM).',
    );
  }
  return value;
}

function providerDataOf(value: unknown): Record<string, string> | null {
  const data = objectAt(value, 'properties.modelProviderData');
  if (!data) return null;
  const entries = Object.entries(data);
  if (entries.length > 16 || entries.some(([k, v]) => k.length > 64 || typeof v !== 'string' || v.length > 256)) {
    throw new GatewayError('invalid_request_content', "The property 'properties.modelProviderData' must map names to strings, e.g. {\"organizationName\", \"countryCode\", \"industry\"}.");
  }
  return data as Record<string, string>;
}

/** `properties.claudeFoundry.backend`, this gateway's own (optional: Azure's SDK drops it): `simulator` or `default`. */
function backendChoiceOf(value: unknown, fallback: DeploymentSpec['backendChoice']): DeploymentSpec['backendChoice'] {
  const extension = objectAt(value, 'properties.claudeFoundry');
  if (extension?.['backend'] === undefined) return fallback;
  const backend = extension['backend'];
  if (backend === 'simulator' || backend === 'default') return backend;
  throw new GatewayError(
    'invalid_resource_properties',
    `The value '${String(backend).slice(0, 32)}' of 'properties.claudeFoundry.backend' is not valid; use 'simulator' (this deployment is simulated) or 'default' (as the gateway's config says).`,
  );
}

/**
 * `properties.claudeFoundry.pool`: set, removed (null), or — when the body does not name it — kept as stored, on a PUT
 * too: Azure's SDK drops `claudeFoundry` from what it sends, so its absence says the client does not know the field,
 * not that the pool should go.
 */
function poolOf(value: unknown, existing: DeploymentRecord | undefined, model: string, policy: UpstreamPolicy): PoolRecord | null {
  const extension = objectAt(value, 'properties.claudeFoundry');
  const pool = parsePoolBody(extension, existing?.pool, policy);
  if (pool === undefined) return existing?.pool ?? null;
  if (pool === null) return null;
  if (extension?.['backend'] === 'simulator') {
    throw new GatewayError('invalid_resource_properties', "A deployment with 'properties.claudeFoundry.pool' is served by its pool: leave out 'properties.claudeFoundry.backend' or set it to 'default'.");
  }
  const found = getModel(model);
  if (found && lifecycleOf(found) === 'retired') {
    throw new GatewayError('deployment_model_not_supported', `The model '${model}' was retired: no upstream serves it, so it cannot have a pool. Deploy an active model, or simulate this one with properties.claudeFoundry.backend 'simulator'.`);
  }
  return pool;
}

/**
 * A PUT names the whole deployment (model required); a PATCH changes its SKU, capacity or tags, from `base`. Either
 * may repeat the model, but not change it: `existing` is what the store holds under this name.
 */
export function parseDeploymentBody(body: Json, existing: DeploymentRecord | undefined, patch: boolean, context: DeploymentBodyContext): DeploymentSpec {
  const properties = objectAt(body['properties'], 'properties') ?? {};
  const model = patch && properties['model'] === undefined ? existing!.model : modelOf(properties['model'], context);
  if (existing && (getModel(existing.model.name)?.id ?? existing.model.name) !== (getModel(model.name)?.id ?? model.name)) {
    throw new GatewayError(
      'cannot_change_deployment_model',
      `The model of deployment cannot be changed: '${existing.name}' serves '${existing.model.name}', not '${model.name}'. Create a deployment under another name, or delete this one first.`,
    );
  }
  const sku = objectAt(body['sku'], 'sku');
  const base = patch ? existing : undefined;
  let skuName = base?.skuName ?? 'GlobalStandard';
  const skuText = sku?.['name'];
  if (skuText !== undefined && skuText !== null) {
    const found = DEPLOYMENT_SKUS.find((s) => typeof skuText === 'string' && s.toLowerCase() === skuText.toLowerCase());
    if (!found) {
      throw new GatewayError(
        'invalid_resource_properties',
        `The specified SKU '${String(skuText).slice(0, 32)}' of account deployment is not supported by the model '${model.name}' version: '${model.version}'. Use 'GlobalStandard' or 'DataZoneStandard'.`,
      );
    }
    skuName = found;
  }
  const pool = poolOf(properties['claudeFoundry'], existing, model.name, context.upstreamPolicy);
  return {
    skuName,
    capacity: capacityOf(sku?.['capacity'], base?.capacity ?? context.defaultCapacity(model.name)),
    model,
    // A pool serves the deployment: a stored choice of the simulator gives way to it.
    backendChoice: pool ? 'default' : backendChoiceOf(properties['claudeFoundry'], base?.backendChoice ?? 'default'),
    pool,
    raiPolicyName: stringAt(properties['raiPolicyName'], 'properties.raiPolicyName', 256) ?? base?.raiPolicyName ?? null,
    versionUpgradeOption: choiceAt(properties['versionUpgradeOption'], 'properties.versionUpgradeOption', UPGRADE_OPTIONS) ?? base?.versionUpgradeOption ?? null,
    modelProviderData: providerDataOf(properties['modelProviderData']) ?? base?.modelProviderData ?? null,
    tags: tagsAt(body['tags'], 'tags') ?? base?.tags ?? {},
  };
}
