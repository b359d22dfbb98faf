// Which rate card a request bills at. Apart from catalog.ts so that code with no catalog of its own (the portal's
// playground, pricing a turn with the rates /monitoring/prices gave it) can price exactly as the gateway does.
import type { CatalogModel, PriceRates } from './types.ts';

/** The rate card a request with `promptTokens` (input + cache writes + cache reads) bills at. */
export function ratesFor(model: Pick<CatalogModel, 'prices'>, promptTokens: number): PriceRates {
  let rates: PriceRates = model.prices;
  for (const tier of model.prices.tiers) if (promptTokens > tier.aboveInputTokens) rates = tier;
  return rates;
}
