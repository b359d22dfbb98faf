// The quota settings: the subscription type that sets a resource's default Claude quotas, and `quotas`, a model's
// pool limits raised or lowered as a quota request does on Azure (docs/upstreams.md "Quota model").
import type { RateLimits, SubscriptionType } from '../control/types.ts';
import { SUBSCRIPTION_TYPES } from '../limits/quota.ts';
import { getModel } from '../models/catalog.ts';
import { ConfigError, isObject, optionalInteger, type ResourceConfig } from './index.ts';

/** `quotas`: a model's whole pool quota replaced, all three limits given (0 refuses every request, as a trial). */
/** `declared`: the config's models outside the catalog, which may have a quota too. */
export function parseQuotas(value: unknown, where: string, declared: ReadonlyMap<string, unknown> = new Map()): ReadonlyMap<string, RateLimits> {
  const quotas = new Map<string, RateLimits>();
  if (value === undefined) return quotas;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"claude-sonnet-4-6": {"rpm": 1000, "itpm": 1000000, "otpm": 200000}}.`);
  for (const [name, limits] of Object.entries(value)) {
    const model = getModel(name) ?? (declared.has(name) ? { id: name } : undefined);
    if (!model) throw new ConfigError(`${where}: "${name.slice(0, 64)}" is not a model of the catalog nor one declared in "models"; use a model id such as "claude-sonnet-4-6".`);
    const at = `${where}.${name}`;
    if (!isObject(limits)) throw new ConfigError(`${at} must be {"rpm", "itpm", "otpm"}, each a whole number of at least 0.`);
    for (const key of Object.keys(limits)) if (!['rpm', 'itpm', 'otpm'].includes(key)) throw new ConfigError(`${at}.${key} is not a limit; use "rpm", "itpm" or "otpm".`);
    const field = (key: 'rpm' | 'itpm' | 'otpm') => optionalInteger(limits[key], `${at}.${key}`, 0, 1_000_000_000_000);
    const rpm = field('rpm');
    const itpm = field('itpm');
    const otpm = field('otpm');
    if (rpm === undefined || itpm === undefined || otpm === undefined) throw new ConfigError(`${at} must set all of "rpm", "itpm" and "otpm".`);
    quotas.set(model.id, { rpm, itpm, otpm });
  }
  return quotas;
}

export function subscriptionTypeOf(value: unknown, where: string): SubscriptionType | undefined {
  if (value === undefined) return undefined;
  const found = SUBSCRIPTION_TYPES.find((t) => t === value);
  if (!found) throw new ConfigError(`${where} must be one of ${SUBSCRIPTION_TYPES.map((t) => `"${t}"`).join(', ')} (pay-as-you-go, Enterprise/MCA-E, free trial), not ${JSON.stringify(value)}.`);
  return found;
}

/** Resources of one subscription must agree on its type: a subscription has one. */
export function checkOneTypePerSubscription(resources: readonly ResourceConfig[], where: string): void {
  const first = new Map<string, ResourceConfig>();
  for (const r of resources) {
    const other = first.get(r.subscriptionId);
    if (other && other.subscriptionType !== r.subscriptionType) {
      throw new ConfigError(`${where}: "${other.name}" and "${r.name}" share subscription ${r.subscriptionId} but say its subscriptionType is "${other.subscriptionType}" and "${r.subscriptionType}"; a subscription has one type.`);
    }
    if (!other) first.set(r.subscriptionId, r);
  }
}
