// A model's lifecycle, computed from the catalog's dates at the moment asked: active until its deprecation,
// deprecated until its retirement, retired from then on (Anthropic's schedule, which Foundry follows).
import type { CatalogModel, Lifecycle } from './types.ts';

/** `YYYY-MM-DD` of `now` in UTC: the catalog's dates are UTC days. */
function day(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function lifecycleOf(model: Pick<CatalogModel, 'deprecatedAt' | 'retiresAt' | 'retiredAt'>, now: number = Date.now()): Lifecycle {
  const today = day(now);
  const retired = model.retiredAt ?? model.retiresAt;
  if (retired !== null && retired <= today) return 'retired';
  // Deprecated from its announcement; when only the retirement date is known, already deprecated.
  if (model.deprecatedAt !== null ? model.deprecatedAt <= today : model.retiresAt !== null) return 'deprecated';
  return 'active';
}
