// What a reply costs: its usage priced at the catalog's rates for the tier its prompt falls in, times 1.1
// on DataZoneStandard deployments, in exact picodollars. Input, output, 5-minute and 1-hour cache writes and
// cache reads each have their own rate; nothing is priced at another category's rate.
import type { TokenUsage } from '../backends/types.ts';
import type { DeploymentSku } from '../control/types.ts';
import type { PriceRates } from '../models/types.ts';
import { type Priced, ratesFor } from '../models/rates.ts';
import { divideRounded, parseDecimal } from './money.ts';

/** Rates are parsed at 1e-9 USD per million tokens: exact for any price with up to 9 decimals. */
const RATE_SCALE = 9;
/** tokens × rate(1e-9 USD/M) = 1e-15 USD; picodollars are 1e-12: divide by 1000. */
const TO_PICO = 1000n;

interface ParsedRates {
  input: bigint;
  output: bigint;
  write5m: bigint;
  write1h: bigint;
  read: bigint;
}

const parsed = new WeakMap<PriceRates, ParsedRates>();

function parse(rates: PriceRates): ParsedRates {
  let found = parsed.get(rates);
  if (!found) {
    found = {
      input: parseDecimal(rates.input, RATE_SCALE),
      output: parseDecimal(rates.output, RATE_SCALE),
      write5m: parseDecimal(rates.cacheWrite5m, RATE_SCALE),
      write1h: parseDecimal(rates.cacheWrite1h, RATE_SCALE),
      read: parseDecimal(rates.cacheRead, RATE_SCALE),
    };
    parsed.set(rates, found);
  }
  return found;
}

/**
 * What each SKU multiplies the list price by, in tenths: US Data Zone Standard bills 1.1x on every category
 * (models.md section 4). The one table: costOf applies it, GET /monitoring/prices publishes it.
 */
const SKU_FACTOR_TENTHS: Readonly<Record<DeploymentSku, bigint>> = { GlobalStandard: 10n, DataZoneStandard: 11n };

/** The SKU factors as decimal strings, for clients that price replies themselves. */
export const SKU_PRICE_FACTORS: Readonly<Record<DeploymentSku, string>> = Object.fromEntries(
  Object.entries(SKU_FACTOR_TENTHS).map(([sku, tenths]) => [sku, String(Number(tenths) / 10)]),
) as Record<DeploymentSku, string>;

/** Usage in the five billed categories; cache writes split 5m/1h. */
export interface BilledTokens {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

/**
 * The five categories of a reply's usage. When the 5m/1h split does not account for every cache write
 * (an upstream that sent only `cache_creation_input_tokens`), the rest is a 5-minute write, the API's default TTL.
 */
export function billedTokens(usage: TokenUsage | undefined): BilledTokens {
  if (!usage) return { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
  const split = usage.cache_creation;
  const write1h = split.ephemeral_1h_input_tokens;
  const write5m = Math.max(split.ephemeral_5m_input_tokens, usage.cache_creation_input_tokens - write1h);
  return { input: usage.input_tokens, output: usage.output_tokens, cacheWrite5m: write5m, cacheWrite1h: write1h, cacheRead: usage.cache_read_input_tokens };
}

/** The cost in picodollars, rounded half up once at the end (exact for every catalog price). */
export function costOf(tokens: BilledTokens, model: Priced, sku: DeploymentSku): bigint {
  const prompt = tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead;
  const r = parse(ratesFor(model, prompt));
  const scaled =
    BigInt(tokens.input) * r.input +
    BigInt(tokens.output) * r.output +
    BigInt(tokens.cacheWrite5m) * r.write5m +
    BigInt(tokens.cacheWrite1h) * r.write1h +
    BigInt(tokens.cacheRead) * r.read;
  return divideRounded(scaled * SKU_FACTOR_TENTHS[sku], TO_PICO * 10n);
}
