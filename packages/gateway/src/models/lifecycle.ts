// A model's lifecycle, computed from the catalog's dates at the moment asked: active until its deprecation,
// deprecated until its retirement, retired from then on (Anthropic's schedule, which Foundry follows).
import type { CatalogModel, Lifecycle, ModelFamily } from './types.ts';

const DAY_MS = 86_400_000;
const NOTICE_MS = 60 * DAY_MS;

/** The last day formatted: every request asks for today's (the data plane checks retirement per request). */
let cachedDay = Number.NaN;
let cachedText = '';

/** `YYYY-MM-DD` of `ms` in UTC: the catalog's dates are UTC days. */
function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `formatDay(now)`, formatted once a day. */
function day(now: number): string {
  const n = Math.floor(now / DAY_MS);
  if (n !== cachedDay) {
    cachedText = formatDay(now);
    cachedDay = n;
  }
  return cachedText;
}

/** When a model's deprecation counts from (see lifecycleOf), per model object: computed once, not per request. */
const announcedDays = new WeakMap<object, string | null>();

function announcedOf(model: Pick<CatalogModel, 'deprecatedAt' | 'retiresAt'>): string | null {
  if (model.deprecatedAt !== null) return model.deprecatedAt;
  let announced = announcedDays.get(model);
  if (announced === undefined) {
    announced = model.retiresAt === null ? null : formatDay(Date.parse(`${model.retiresAt}T00:00:00Z`) - NOTICE_MS);
    announcedDays.set(model, announced);
  }
  return announced;
}

export function lifecycleOf(model: Pick<CatalogModel, 'deprecatedAt' | 'retiresAt' | 'retiredAt'>, now: number = Date.now()): Lifecycle {
  const today = day(now);
  const retired = model.retiredAt ?? model.retiresAt;
  if (retired !== null && retired <= today) return 'retired';
  // Deprecated from its announcement; when only the retirement date is known, from the 60 days' notice Anthropic
  // gives before retiring a publicly released model (https://platform.claude.com/docs/en/about-claude/model-deprecations).
  const announced = announcedOf(model);
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
