// GET /monitoring/prices: the catalog's list prices, so a client prices a reply exactly as the request log does
// (the portal's playground shows each turn's cost with them). Prices are public facts (Anthropic's and Foundry's
// pricing pages), so any authenticated caller may read them; the route still takes a token, as every route
// under /monitoring/ does.
import { SKU_PRICE_FACTORS } from './pricing.ts';
import { listModels, lifecycleOf } from '../models/index.ts';
import { sendJson } from '../http/respond.ts';
import type { CallerContext, Route } from '../http/routes.ts';

export function pricesRoute(now: () => number): Route {
  const prices = ({ res, ids }: CallerContext) => {
    const t = now();
    const value = listModels().map((m) => ({
      model: m.id,
      displayName: m.displayName,
      lifecycle: lifecycleOf(m, t),
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      thinking: m.thinking,
      prices: { input: m.prices.input, output: m.prices.output, cacheWrite5m: m.prices.cacheWrite5m, cacheWrite1h: m.prices.cacheWrite1h, cacheRead: m.prices.cacheRead, tiers: m.prices.tiers, asOf: m.prices.asOf },
    }));
    sendJson(res, 200, JSON.stringify({ currency: 'USD', unit: 'per million tokens', skuFactors: SKU_PRICE_FACTORS, value }), ids);
  };
  return { path: '/monitoring/prices', auth: 'entra', methods: { GET: prices } };
}
