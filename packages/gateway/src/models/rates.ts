// Which rate card a request bills at. Apart from catalog.ts so that code with no catalog of its own (the portal's
// playground, pricing a turn with the rates /monitoring/prices gave it) can price exactly as the gateway does.
import type { PriceRates, PriceTier } from './types.ts';

/** What pricing reads of a model: its base rates and its tiers (a catalog model, or one from /monitoring/prices). */
export interface Priced {
  prices: PriceRates & { tiers: readonly PriceTier[] };
}

/** The rate card a request with `promptTokens` (input + cache writes + cache reads) bills at. */
export function ratesFor(model: Priced, promptTokens: number): PriceRates {
  let rates: PriceRates = model.prices;
  for (const tier of model.prices.tiers) if (promptTokens > tier.aboveInputTokens) rates = tier;
  return rates;
}
