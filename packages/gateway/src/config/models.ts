// The config's `models`: models outside the catalog (a preview, a private model), declared with their limits,
// prices and dates so that deployments of them are bounded, costed and retired like a catalog model's
// (docs/models.md#models-outside-the-catalog). A catalog model's id cannot be redeclared.
import { getModel } from '../models/catalog.ts';
import type { CatalogModel, ModelFamily, ThinkingKind, TokenizerKind } from '../models/types.ts';
import { formatUsd, parseUsd } from '../telemetry/money.ts';
import { ConfigError, isObject, optionalInteger, optionalString, requiredString } from './index.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^\d+(\.\d{1,9})?$/;
const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const FAMILIES: readonly ModelFamily[] = ['fable', 'opus', 'sonnet', 'haiku'];
const THINKING: readonly ThinkingKind[] = ['enabled', 'adaptive', 'disabled'];
const TOKENIZERS: readonly TokenizerKind[] = ['legacy', 'v2'];
const EXAMPLE = '{"claude-next-preview": {"contextWindow": 1000000, "maxOutputTokens": 128000, "prices": {"input": "3", "output": "15"}}}';

/** USD per million tokens, written as a number or a decimal string; kept as a decimal string like the catalog's. */
function rate(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw new ConfigError(`${where} must be USD per million tokens, a number or a decimal string such as "3" or "0.30".`);
  return text;
}

/** `rate × numerator / denominator`, exactly (rates here have at most 9 decimals, picodollars have 12). */
function scaled(rateText: string, numerator: bigint, denominator: bigint): string {
  return formatUsd((parseUsd(rateText) * numerator) / denominator);
}

function date(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new ConfigError(`${where} must be a date written YYYY-MM-DD.`);
  return value;
}

function oneOf<T extends string>(value: unknown, where: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new ConfigError(`${where} must be ${allowed.map((a) => `"${a}"`).join(' or ')}.`);
  return value as T;
}

function declaredModel(id: string, value: unknown, at: string): CatalogModel {
  if (!isObject(value)) throw new ConfigError(`${at} must be an object such as ${EXAMPLE.slice(EXAMPLE.indexOf(':') + 2, -1)}.`);
  const contextWindow = optionalInteger(value['contextWindow'], `${at}.contextWindow`, 1024, 100_000_000);
  const maxOutputTokens = optionalInteger(value['maxOutputTokens'], `${at}.maxOutputTokens`, 1, 100_000_000);
  if (contextWindow === undefined) throw new ConfigError(`${at}.contextWindow is required: the model's context window in tokens, e.g. 1000000.`);
  if (maxOutputTokens === undefined) throw new ConfigError(`${at}.maxOutputTokens is required: the largest max_tokens the model accepts, e.g. 128000.`);
  if (maxOutputTokens > contextWindow) throw new ConfigError(`${at}.maxOutputTokens (${maxOutputTokens}) must be at most contextWindow (${contextWindow}).`);
  const prices = value['prices'];
  if (!isObject(prices)) throw new ConfigError(`${at}.prices is required: USD per million tokens, at least {"input": "3", "output": "15"}; without prices a model would be costed at $0.`);
  const input = rate(prices['input'], `${at}.prices.input`);
  const output = rate(prices['output'], `${at}.prices.output`);
  if (input === undefined || output === undefined) throw new ConfigError(`${at}.prices needs both "input" and "output" (USD per million tokens).`);
  const thinking = value['thinking'] === undefined ? ['adaptive', 'enabled', 'disabled'] : value['thinking'];
  if (!Array.isArray(thinking) || thinking.length === 0 || !thinking.every((t) => THINKING.includes(t as ThinkingKind))) {
    throw new ConfigError(`${at}.thinking must be a non-empty array of ${THINKING.map((t) => `"${t}"`).join(', ')}.`);
  }
  const releasedAt = date(value['releasedAt'], `${at}.releasedAt`) ?? '2026-01-01';
  const deprecatedAt = date(value['deprecatedAt'], `${at}.deprecatedAt`);
  const retiresAt = date(value['retiresAt'], `${at}.retiresAt`);
  if (deprecatedAt !== null && retiresAt === null) throw new ConfigError(`${at}.retiresAt is required with deprecatedAt: a deprecated model has a retirement date.`);
  if (deprecatedAt !== null && retiresAt !== null && deprecatedAt > retiresAt) throw new ConfigError(`${at}.deprecatedAt must come before retiresAt.`);
  return {
    id,
    snapshot: null,
    aliases: [],
    displayName: optionalString(value['displayName'], `${at}.displayName`) ?? id,
    family: oneOf(value['family'], `${at}.family`, FAMILIES) ?? 'sonnet',
    releasedAt,
    deprecatedAt,
    retiresAt,
    retiredAt: null,
    contextWindow,
    maxOutputTokens,
    thinking: [...new Set(thinking as ThinkingKind[])],
    tokenizer: oneOf(value['tokenizer'], `${at}.tokenizer`, TOKENIZERS) ?? 'v2',
    toolSystemPromptTokens: 346,
    minCacheableTokens: 1024,
    prices: {
      input,
      output,
      // Anthropic's multipliers of the input rate, when the declaration gives none (docs/models.md).
      cacheWrite5m: rate(prices['cacheWrite5m'], `${at}.prices.cacheWrite5m`) ?? scaled(input, 5n, 4n),
      cacheWrite1h: rate(prices['cacheWrite1h'], `${at}.prices.cacheWrite1h`) ?? scaled(input, 2n, 1n),
      cacheRead: rate(prices['cacheRead'], `${at}.prices.cacheRead`) ?? scaled(input, 1n, 10n),
      tiers: [],
      source: 'config',
      asOf: releasedAt,
    },
  };
}

/** The `models` object: each key a model id the catalog lacks, each value its declaration. */
export function parseDeclaredModels(value: unknown, where: string): ReadonlyMap<string, CatalogModel> {
  const models = new Map<string, CatalogModel>();
  if (value === undefined) return models;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object of models by id, such as ${EXAMPLE}.`);
  for (const [id, declaration] of Object.entries(value)) {
    const at = `${where}.${id}`;
    requiredString(id, `${where} key`);
    if (!MODEL_ID.test(id)) throw new ConfigError(`${at}: a model id is 1–64 lowercase letters, digits, '.', '_' and '-', such as "claude-next-preview".`);
    const known = getModel(id);
    if (known) throw new ConfigError(`${at}: "${id}" is a model of the catalog (${known.id}); only models outside it are declared. Leave it out to use the catalog's entry.`);
    models.set(id, declaredModel(id, declaration, at));
  }
  return models;
}
