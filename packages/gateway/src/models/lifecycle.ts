// A model's lifecycle, computed from the catalog's dates at the moment asked: active until its deprecation,
// deprecated until its retirement, retired from then on (Anthropic's schedule, which Foundry follows).
import type { CatalogModel, Lifecycle, ModelFamily } from './types.ts';

const NOTICE_MS = 60 * 86_400_000;

/** `YYYY-MM-DD` of `now` in UTC: the catalog's dates are UTC days. */
function day(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function lifecycleOf(model: Pick<CatalogModel, 'deprecatedAt' | 'retiresAt' | 'retiredAt'>, now: number = Date.now()): Lifecycle {
  const today = day(now);
  const retired = model.retiredAt ?? model.retiresAt;
  if (retired !== null && retired <= today) return 'retired';
  // Deprecated from its announcement; when only the retirement date is known, from the 60 days' notice Anthropic
  // gives before retiring a publicly released model (https://platform.claude.com/docs/en/about-claude/model-deprecations).
  const announced = model.deprecatedAt ?? (model.retiresAt === null ? null : day(Date.parse(`${model.retiresAt}T00:00:00Z`) - NOTICE_MS));
  if (announced !== null && announced <= today) return 'deprecated';
  return 'active';
}

/** Per family, the newest model released and still active on `now` (by release date): what Foundry offers first today. */
export function currentGeneration(models: readonly CatalogModel[], families: readonly ModelFamily[], now: number = Date.now()): CatalogModel[] {
  return families.flatMap((family) => {
    const active = models.filter((m) => m.family === family && m.releasedAt <= day(now) && lifecycleOf(m, now) === 'active');
    const newest = active.reduce<CatalogModel | undefined>((best, m) => (best === undefined || m.releasedAt > best.releasedAt ? m : best), undefined);
    return newest ? [newest] : [];
  });
}
