// The subscription's Claude quotas as ARM shows them: `locations/{location}/usages` (one Global Standard pool per
// model: its limit and the capacity its deployments hold) and `locations/{location}/models` (each model's SKUs with
// their capacity range and rate limits), read by `@azure/arm-cognitiveservices` as `usages.list` and `models.list`.
import { GatewayError } from '../../errors/index.ts';
import { defaultCapacity, subscriptionQuota } from '../../limits/quota.ts';
import { getModel, listModels } from '../../models/catalog.ts';
import { lifecycleOf } from '../../models/lifecycle.ts';
import { defaultModelVersion } from '../seed.ts';
import type { AccountRecord, DeploymentRecord } from '../../store/types.ts';
import type { SubscriptionType } from '../types.ts';
import { type ArmContext, authorize, reply } from './context.ts';
import type { ArmTarget } from './paths.ts';

type LocationTarget = Extract<ArmTarget, { kind: 'usages' | 'models' }>;

const ACTIONS = {
  usages: 'Microsoft.CognitiveServices/locations/usages/read',
  models: 'Microsoft.CognitiveServices/locations/models/read',
} as const;

/** Azure's usage names for Global Standard quotas are `{kind}.GlobalStandard.{model}` (unverified for Claude). */
const usageName = (sku: string, model: string) => `AIServices.${sku}.${model}`;

/** The subscription's type, from a configured resource in it, else the config's default. */
function typeOf(ctx: ArmContext, subscriptionId: string): SubscriptionType {
  const { config } = ctx.deps.plane;
  return config.resources.find((r) => r.subscriptionId === subscriptionId)?.subscriptionType ?? config.subscriptionType;
}

/** Models that can be deployed (not retired on the gateway's clock), as the models listing and the usages show them. */
const deployable = (ctx: ArmContext) => listModels().filter((m) => lifecycleOf(m, Date.parse(ctx.now)) !== 'retired');

export function listUsages(ctx: ArmContext, t: LocationTarget): void {
  authorize(ctx, `/subscriptions/${t.subscriptionId}`, ACTIONS.usages);
  const type = typeOf(ctx, t.subscriptionId);
  const { quotas } = ctx.deps.plane.config;
  // Global Standard deployments of a model draw from one pool, whatever their resource or region.
  const held = new Map<string, number>();
  for (const resource of ctx.deps.plane.state.current.resources()) {
    if (resource.subscriptionId !== t.subscriptionId) continue;
    for (const d of resource.deployments.values()) {
      if (d.sku === 'GlobalStandard') held.set(d.model, (held.get(d.model) ?? 0) + d.capacity);
    }
  }
  const value = deployable(ctx).map((m) => ({
    name: { value: usageName('GlobalStandard', m.id), localizedValue: `${m.displayName} Global Standard requests per minute (1 unit: 1 RPM, 1,000 input and 200 output tokens per minute)` },
    unit: 'Count',
    quotaPeriod: 'PT1M',
    limit: subscriptionQuota(m.id, type, quotas).rpm,
    currentValue: held.get(m.id) ?? 0,
    status: 'Included',
  }));
  reply(ctx, 200, { value });
}

export function listLocationModels(ctx: ArmContext, t: LocationTarget): void {
  authorize(ctx, `/subscriptions/${t.subscriptionId}`, ACTIONS.models);
  const type = typeOf(ctx, t.subscriptionId);
  const { quotas } = ctx.deps.plane.config;
  const value = deployable(ctx).map((m) => {
    const limits = subscriptionQuota(m.id, type, quotas);
    const units = limits.rpm;
    const sku = (name: 'GlobalStandard' | 'DataZoneStandard') => ({
      name,
      usageName: usageName(name, m.id),
      capacity: { minimum: 1, maximum: Math.max(1, units), step: 1, default: Math.max(1, units) },
      rateLimits: [
        { key: 'request', renewalPeriod: 60, count: limits.rpm },
        { key: 'token', renewalPeriod: 60, count: limits.itpm },
        { key: 'outputToken', renewalPeriod: 60, count: limits.otpm },
      ],
      ...(m.retiresAt ? { deprecationDate: `${m.retiresAt}T00:00:00Z` } : {}),
    });
    return {
      kind: 'AIServices',
      skuName: 'S0',
      description: m.displayName,
      model: {
        format: 'Anthropic',
        name: m.id,
        version: defaultModelVersion(m.id),
        isDefaultVersion: true,
        lifecycleStatus: lifecycleOf(m, Date.parse(ctx.now)) === 'deprecated' ? 'Deprecating' : 'GenerallyAvailable',
        maxCapacity: Math.max(1, units),
        capabilities: { messages: 'true', countTokens: 'true' },
        skus: [sku('GlobalStandard'), sku('DataZoneStandard')],
      },
    };
  });
  reply(ctx, 200, { value });
}

/** One pool per subscription and model (by catalog id): what its Global Standard deployments hold, this one aside. */
function held(ctx: ArmContext, subscriptionId: string, model: string, except: { account: string; name: string }): number {
  const { accounts, deployments } = ctx.deps.plane.records;
  const inSubscription = new Set(accounts.filter((a) => a.subscriptionId.toLowerCase() === subscriptionId.toLowerCase()).map((a) => a.name.toLowerCase()));
  const id = (name: string) => getModel(name)?.id ?? name;
  return deployments
    .filter((d) => d.skuName === 'GlobalStandard' && inSubscription.has(d.account.toLowerCase()) && id(d.model.name) === id(model))
    .filter((d) => !(d.account.toLowerCase() === except.account.toLowerCase() && d.name.toLowerCase() === except.name.toLowerCase()))
    .reduce((sum, d) => sum + d.capacity, 0);
}

/** The quota's limit in capacity units and what is left of it for a deployment of `model` named `name`. */
export function quotaLeft(ctx: ArmContext, account: AccountRecord, name: string, model: string, type: SubscriptionType): { limit: number; used: number; left: number } {
  const limit = subscriptionQuota(model, type, ctx.deps.plane.config.quotas).rpm;
  const used = held(ctx, account.subscriptionId, model, { account: account.name, name });
  return { limit, used, left: Math.max(0, limit - used) };
}

/** A new deployment's capacity when its body names none: the type's default, within what the quota has left (at least 1). */
export function capacityWithinQuota(ctx: ArmContext, account: AccountRecord, name: string, model: string, type: SubscriptionType): number {
  return Math.max(1, Math.min(defaultCapacity(model, type), quotaLeft(ctx, account, name, model, type).left));
}

/**
 * Azure's refusal of a Global Standard deployment asking more capacity than the subscription's quota for its model
 * has left, in its words (400 InsufficientQuota). Data Zone deployments are not held to the pool (docs/models.md).
 */
export function checkQuota(ctx: ArmContext, account: AccountRecord, deployment: Pick<DeploymentRecord, 'name' | 'model' | 'skuName' | 'capacity'>, type: SubscriptionType): void {
  if (deployment.skuName !== 'GlobalStandard') return;
  const { limit, used, left } = quotaLeft(ctx, account, deployment.name, deployment.model.name, type);
  if (deployment.capacity <= left) return;
  const quota = usageName('GlobalStandard', getModel(deployment.model.name)?.id ?? deployment.model.name);
  throw new GatewayError(
    'insufficient_quota',
    `This operation require ${deployment.capacity} new capacity in quota ${quota}, which is bigger than the current available capacity ${left}. ` +
      `The current quota usage is ${used} and the quota limit is ${limit} for quota ${quota}. ` +
      'Lower the capacity, free some from another deployment of this model in the subscription, or raise the quota ("quotas" in the config).',
  );
}
