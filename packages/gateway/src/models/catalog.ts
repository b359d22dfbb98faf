// The model catalog: catalog.json, validated once at module load and looked up by id, snapshot or alias.
import raw from './catalog.json' with { type: 'json' };
import { parseCatalog } from './parse.ts';
import type { CatalogModel } from './types.ts';

export type { CatalogModel, Lifecycle, ModelPrices, PriceRates, PriceTier, ThinkingKind, TokenizerKind } from './types.ts';
export { parseCatalog } from './parse.ts';
export { ratesFor } from './rates.ts';

const models: readonly CatalogModel[] = deepFreeze(parseCatalog(raw));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const byName = new Map<string, CatalogModel>();
for (const model of models) {
  byName.set(model.id, model);
  if (model.snapshot !== null) byName.set(model.snapshot, model);
  for (const alias of model.aliases) byName.set(alias, model);
}

/** The model with this dateless id, snapshot id or alias. */
export function getModel(id: string): CatalogModel | undefined {
  return byName.get(id);
}

/** The model a deployment serves: the config's declaration of a model outside the catalog, else the catalog's entry. */
export function servedModel(deployment: { model: string; declaredModel?: CatalogModel | undefined }): CatalogModel | undefined {
  return deployment.declaredModel ?? getModel(deployment.model);
}

/** Every model of the catalog, in catalog order (newest families first). */
export function listModels(): readonly CatalogModel[] {
  return models;
}

/** The context window a request gets: the long-context beta's when the model has one and the request names it. */
export function contextWindowOf(model: CatalogModel, betas: readonly string[] | undefined): number {
  const long = model.longContext;
  return long && betas?.includes(long.beta) ? long.contextWindow : model.contextWindow;
}
