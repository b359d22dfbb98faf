// Checks the shape of catalog.json and turns it into typed models, naming the entry at fault.
import type { CatalogModel, ModelPrices, PriceTier } from './types.ts';

type Json = Record<string, unknown>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const THINKING: readonly string[] = ['enabled', 'adaptive', 'disabled'];
const FAMILIES: readonly string[] = ['fable', 'opus', 'sonnet', 'haiku'];
const TOKENIZERS: readonly string[] = ['legacy', 'v2'];
const RATE_FIELDS = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'] as const;

/** Reads fields of one JSON object, throwing errors prefixed with where the object sits. */
class Reader {
  readonly obj: Json;
  readonly where: string;

  constructor(value: unknown, where: string) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${where}: expected an object`);
    }
    this.obj = value as Json;
    this.where = where;
  }

  fail(field: string, expected: string): never {
    throw new Error(`${this.where}: ${field} must be ${expected}, got ${JSON.stringify(this.obj[field])}`);
  }

  string(field: string, pattern?: RegExp): string {
    const v = this.obj[field];
    if (typeof v !== 'string' || v === '' || (pattern !== undefined && !pattern.test(v))) {
      this.fail(field, pattern === DATE ? 'a YYYY-MM-DD date' : pattern === DECIMAL ? 'a decimal string' : 'a non-empty string');
    }
    return v;
  }

  date(field: string): string {
    return this.string(field, DATE);
  }

  dateOrNull(field: string): string | null {
    return this.obj[field] === null ? null : this.date(field);
  }

  stringOrNull(field: string): string | null {
    return this.obj[field] === null ? null : this.string(field);
  }

  positiveInt(field: string): number {
    const v = this.obj[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) this.fail(field, 'a positive integer');
    return v;
  }

  oneOf<T extends string>(field: string, allowed: readonly string[]): T {
    const v = this.obj[field];
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(field, `one of ${allowed.join('|')}`);
    return v as T;
  }

  array(field: string): unknown[] {
    const v = this.obj[field];
    if (!Array.isArray(v)) this.fail(field, 'an array');
    return v;
  }

  stringArray(field: string, allowed?: readonly string[]): string[] {
    const items = this.array(field);
    for (const item of items) {
      if (typeof item !== 'string' || (allowed !== undefined && !allowed.includes(item))) {
        this.fail(field, allowed === undefined ? 'an array of strings' : `an array of ${allowed.join('|')}`);
      }
    }
    return items as string[];
  }
}

function parseRates(r: Reader): Record<(typeof RATE_FIELDS)[number], string> {
  const rates = {} as Record<(typeof RATE_FIELDS)[number], string>;
  for (const field of RATE_FIELDS) rates[field] = r.string(field, DECIMAL);
  return rates;
}

function parsePrices(value: unknown, where: string): ModelPrices {
  const r = new Reader(value, `${where}: prices`);
  const tiers: PriceTier[] = r.array('tiers').map((tier, i) => {
    const t = new Reader(tier, `${where}: prices.tiers[${i}]`);
    return { aboveInputTokens: t.positiveInt('aboveInputTokens'), ...parseRates(t) };
  });
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i]!.aboveInputTokens <= tiers[i - 1]!.aboveInputTokens) r.fail('tiers', 'ascending by aboveInputTokens');
  }
  return { ...parseRates(r), tiers, source: r.string('source'), asOf: r.date('asOf') };
}

function parseModel(value: unknown, index: number): CatalogModel {
  const id = typeof (value as Json | null)?.['id'] === 'string' ? `"${String((value as Json)['id'])}"` : '(no id)';
  const where = `model catalog: entry ${index} ${id}`;
  const r = new Reader(value, where);
  const model: CatalogModel = {
    id: r.string('id'),
    snapshot: r.stringOrNull('snapshot'),
    aliases: r.stringArray('aliases'),
    displayName: r.string('displayName'),
    family: r.oneOf('family', FAMILIES),
    releasedAt: r.date('releasedAt'),
    deprecatedAt: r.dateOrNull('deprecatedAt'),
    retiresAt: r.dateOrNull('retiresAt'),
    retiredAt: r.dateOrNull('retiredAt'),
    contextWindow: r.positiveInt('contextWindow'),
    maxOutputTokens: r.positiveInt('maxOutputTokens'),
    thinking: r.stringArray('thinking', THINKING) as CatalogModel['thinking'],
    tokenizer: r.oneOf('tokenizer', TOKENIZERS),
    toolSystemPromptTokens: r.positiveInt('toolSystemPromptTokens'),
    minCacheableTokens: r.positiveInt('minCacheableTokens'),
    prices: parsePrices(r.obj['prices'], where),
  };
  if (model.thinking.length === 0) r.fail('thinking', 'a non-empty array');
  if (model.deprecatedAt !== null && model.retiresAt === null) r.fail('retiresAt', 'a date for a deprecated model');
  if (model.retiredAt !== null && model.retiresAt !== null && model.retiredAt !== model.retiresAt) r.fail('retiredAt', 'the same day as retiresAt');
  if (model.maxOutputTokens > model.contextWindow) r.fail('maxOutputTokens', 'at most contextWindow');
  return model;
}

/** Validates the whole catalog document; ids, snapshots and aliases must be unique across it. */
export function parseCatalog(doc: unknown): CatalogModel[] {
  const root = new Reader(doc, 'model catalog');
  const models = root.array('models').map(parseModel);
  const seen = new Set<string>();
  models.forEach((m, i) => {
    for (const name of [m.id, ...(m.snapshot === null ? [] : [m.snapshot]), ...m.aliases]) {
      if (seen.has(name)) throw new Error(`model catalog: entry ${i} "${m.id}": the id "${name}" is already used`);
      seen.add(name);
    }
  });
  return models;
}
