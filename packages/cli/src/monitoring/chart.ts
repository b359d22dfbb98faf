// Pictures of figures over time in the terminal: a sparkline for a series, a bar for a share of the largest.

const TICKS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest; zero is a blank-ish lowest tick. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max === 0) return TICKS[0]!.repeat(values.length);
  return values.map((v) => TICKS[Math.min(TICKS.length - 1, Math.round((v / max) * (TICKS.length - 1)))]).join('');
}

/** A bar of up to `width` cells for `value` out of `max`, with eighth-cell precision. */
export function bar(value: number, max: number, width = 24): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  const partial = ' ▏▎▍▌▋▊▉'[eighths % 8]!;
  return `${'█'.repeat(Math.floor(eighths / 8))}${eighths % 8 ? partial : ''}`;
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** An exact USD decimal string, shown to 6 decimals (a micro-dollar), never through a float. */
export function money(usd: string): string {
  const [whole = '0', fraction = ''] = usd.split('.');
  return `${whole}.${fraction.padEnd(6, '0').slice(0, 6)}`;
}

/** "2026-11-25T21:00:00.000Z" → "2026-11-25 21:00" (UTC). */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
