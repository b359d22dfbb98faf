// Foundry's quota model for Claude (Microsoft Learn, "Claude models quotas and limits"): per subscription and
// model, three limits a minute — requests, uncached input tokens (input + cache writes; cache reads excluded)
// and output tokens — with defaults by the subscription's type. Global Standard deployments of one model in one
// subscription draw from one pool, shared across regions and resources.
import type { RateLimits, SubscriptionType } from '../control/types.ts';
import { getModel } from '../models/catalog.ts';

export const SUBSCRIPTION_TYPES: readonly SubscriptionType[] = ['payg', 'enterprise', 'trial'];

/** Pay-as-you-go, Opus and Sonnet 5.x, Opus 4.5–4.8 (and, not in Microsoft's table, Fable and the older Opus). */
const PAYG_LARGE: RateLimits = { rpm: 40, itpm: 40_000, otpm: 8_000 };
/** Pay-as-you-go, Sonnet 4.5/4.6 and Haiku 4.5 (and, not in Microsoft's table, Sonnet 4 and Haiku 5.5). */
const PAYG_SMALL: RateLimits = { rpm: 80, itpm: 80_000, otpm: 16_000 };
/** Enterprise agreements and MCA-E, every model. */
const ENTERPRISE: RateLimits = { rpm: 10_000, itpm: 10_000_000, otpm: 2_000_000 };
/** Free trial subscriptions get no Claude quota. */
const TRIAL: RateLimits = { rpm: 0, itpm: 0, otpm: 0 };

const SMALL_MODELS = new Set(['claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-sonnet-4', 'claude-haiku-4-5', 'claude-haiku-5-5']);

/** The subscription's quota for `model`: the config's override for the model, else the default of its type. */
export function subscriptionQuota(model: string, type: SubscriptionType, overrides: ReadonlyMap<string, RateLimits>): RateLimits {
  return overrides.get(getModel(model)?.id ?? model) ?? defaultQuota(model, type);
}

/** The subscription's default quota for `model` (a catalog id, snapshot or alias). */
export function defaultQuota(model: string, type: SubscriptionType): RateLimits {
  if (type === 'enterprise') return ENTERPRISE;
  if (type === 'trial') return TRIAL;
  const id = getModel(model)?.id ?? model;
  return SMALL_MODELS.has(id) ? PAYG_SMALL : PAYG_LARGE;
}

/**
 * One unit of capacity is 1 RPM, 1,000 ITPM and 200 OTPM: the ratio every row of Microsoft's table has
 * (40/40k/8k, 80/80k/16k, 10,000/10M/2M), so a quota is a whole number of units and a deployment's capacity
 * a share of it.
 */
export function limitsFromCapacity(capacity: number): RateLimits {
  return { rpm: capacity, itpm: capacity * 1000, otpm: capacity * 200 };
}

/** The quota in capacity units, as ARM's usages report it. */
export function quotaUnits(model: string, type: SubscriptionType): number {
  return defaultQuota(model, type).rpm;
}

/** What a deployment gets when neither the config nor the ARM request sets a capacity: the whole quota (at least 1). */
export function defaultCapacity(model: string, type: SubscriptionType): number {
  return Math.max(1, quotaUnits(model, type));
}

/** The shared pool a deployment draws from, or undefined (Data Zone deployments have their own limits only). */
export function poolKey(subscriptionId: string, model: string, sku: string): string | undefined {
  if (sku !== 'GlobalStandard') return undefined;
  return `pool:${subscriptionId.toLowerCase()}/${getModel(model)?.id ?? model}`;
}
