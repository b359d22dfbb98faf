// The models a resource can deploy: ARM's `locations/{location}/models` (lifecycle, SKUs, capacity and the pool's
// rate limits, as `@azure/arm-cognitiveservices` reads them), joined with the gateway's model catalog for what ARM
// does not carry (context window, longest output, prices). The catalog comes from the gateway's one route for it,
// `GET /monitoring/prices`, which the playground prices its turns with too: the page bundles no copy of it.
import { arm, COGNITIVE, type RateLimit } from './api.ts';

export interface ModelSku {
  name: string;
  capacity: { minimum: number; maximum: number; step: number; default: number };
  rateLimits: RateLimit[];
  deprecationDate?: string;
}

export interface ArmModel {
  description: string;
  model: { format: string; name: string; version: string; lifecycleStatus: string; maxCapacity: number; skus: ModelSku[] };
}

export const listModels = (subscriptionId: string, location: string) =>
  arm<{ value: ArmModel[] }>('GET', `/subscriptions/${subscriptionId}/providers/Microsoft.CognitiveServices/locations/${encodeURIComponent(location)}/models`, COGNITIVE).then((r) => r.value);

/**
 * What one unit of capacity buys per minute: 1 request, 1,000 input and 200 output tokens (the gateway's quota
 * model, after Foundry's Claude quotas: docs/upstreams.md). The created deployment's own `rateLimits` are shown after.
 */
export const PER_UNIT = { rpm: 1, itpm: 1_000, otpm: 200 } as const;

export const formatCount = (n: number) => n.toLocaleString('en-US');

/** `1000000` → `1M`, `200000` → `200K`: context windows as Foundry's model cards write them. */
export const formatTokens = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}K` : formatCount(n));

/** A deployment's limit by its ARM key (`request`, `token`, `outputToken`). */
export const limitOf = (limits: readonly RateLimit[] | undefined, key: string) => limits?.find((l) => l.key === key)?.count;
