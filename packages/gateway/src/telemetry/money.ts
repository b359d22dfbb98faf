// Money as exact integers: picodollars (1e-12 USD) in BigInt. Catalog prices are decimal strings in USD
// per million tokens, so a price with up to 6 decimals is a whole number of picodollars per token, and
// every catalog price times Data Zone's 1.1 still is: no float ever touches a cost.

export const PICO_PER_USD = 10n ** 12n;
/** Foundry bills in Claude Consumption Units of $0.01. */
export const PICO_PER_CCU = 10n ** 10n;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** `"0.625"` at scale 9 → 625000000n. Throws on anything but a plain non-negative decimal, or more decimals than `scale`. */
export function parseDecimal(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a decimal number such as 12.50`);
  const fraction = match[2] ?? '';
  if (fraction.length > scale) throw new RangeError(`"${text}" has more than ${scale} decimal places`);
  return BigInt(match[1]!) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, '0') || '0');
}

/** A USD amount as typed by a person ("100", "12.5") → picodollars. */
export function parseUsd(text: string): bigint {
  return parseDecimal(text, 12);
}

/** `n / d` rounded half up, for non-negative values. */
export function divideRounded(n: bigint, d: bigint): bigint {
  return (n * 2n + d) / (2n * d);
}

/** Exact decimal text of `pico / unit`, trailing zeros trimmed: 504000000000n → "0.504" USD. */
function format(pico: bigint, unit: bigint, decimals: number): string {
  const sign = pico < 0n ? '-' : '';
  const abs = pico < 0n ? -pico : pico;
  const whole = abs / unit;
  const fraction = (abs % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function formatUsd(pico: bigint): string {
  return format(pico, PICO_PER_USD, 12);
}

export function formatCcu(pico: bigint): string {
  return format(pico, PICO_PER_CCU, 10);
}

/** Picodollars as a float of dollars: for Prometheus samples only, never for sums. */
export function usdFloat(pico: bigint | number): number {
  return Number(pico) / 1e12;
}
