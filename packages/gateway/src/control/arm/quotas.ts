// The subscription's Claude quotas as ARM shows them: `locations/{location}/usages` (one Global Standard pool per
// model: its limit and the capacity its deployments hold) and `locations/{location}/models` (each model's SKUs with
// their capacity range and rate limits), read by `@azure/arm-cognitiveservices` as `usages.list` and `models.list`.
import { subscriptionQuota } from '../../limits/quota.ts';
import { listModels } from '../../models/catalog.ts';
import { lifecycleOf } from '../../models/lifecycle.ts';
import { defaultModelVersion } from '../seed.ts';
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

/** Models that can be deployed (not retired), as the models listing and the usages show them. */
const deployable = () => listModels().filter((m) => lifecycleOf(m) !== 'retired');

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
  const value = deployable().map((m) => ({
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
  const value = deployable().map((m) => {
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
        lifecycleStatus: lifecycleOf(m) === 'deprecated' ? 'Deprecating' : 'GenerallyAvailable',
        maxCapacity: Math.max(1, units),
        capabilities: { messages: 'true', countTokens: 'true' },
        skus: [sku('GlobalStandard'), sku('DataZoneStandard')],
      },
    };
  });
  reply(ctx, 200, { value });
}
