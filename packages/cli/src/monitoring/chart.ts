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

export interface ChartTable {
  columns: ReadonlyArray<{ name: string; type: string }>;
  rows: ReadonlyArray<readonly unknown[]>;
}

const LEVELS = ' ▁▂▃▄▅▆▇█';

/**
 * A query's `render timechart` in the terminal: for each number column and each series (the values of the
 * text columns), columns of blocks `height` cells tall over the time column's buckets, with the axis' range.
 */
export function timechart(table: ChartTable, height = 8): string {
  const timeAt = table.columns.findIndex((c) => c.type === 'datetime');
  if (timeAt < 0) return '(no datetime column to chart)\n';
  const numbers = table.columns.flatMap((c, i) => (i !== timeAt && ['long', 'real', 'int'].includes(c.type) ? [i] : []));
  const labels = table.columns.flatMap((c, i) => (c.type === 'string' ? [i] : []));
  const times = [...new Set(table.rows.map((r) => String(r[timeAt])))].sort();
  if (times.length === 0 || numbers.length === 0) return '(nothing to chart)\n';
  let out = '';
  for (const n of numbers) {
    const series = new Map<string, Map<string, number>>();
    for (const row of table.rows) {
      const key = labels.map((l) => String(row[l] ?? '')).join(' / ') || table.columns[n]!.name;
      if (!series.has(key)) series.set(key, new Map());
      series.get(key)!.set(String(row[timeAt]), Number(row[n] ?? 0));
    }
    const max = Math.max(0, ...[...series.values()].flatMap((s) => [...s.values()]));
    for (const [name, points] of series) {
      out += `${table.columns[n]!.name}${labels.length ? ` — ${name}` : ''} (max ${count(max)})\n`;
      const values = times.map((t) => points.get(t) ?? 0);
      for (let level = height - 1; level >= 0; level--) {
        const cells = values.map((v) => {
          const eighths = max > 0 ? Math.round((v / max) * height * 8) - level * 8 : 0;
          return LEVELS[Math.max(0, Math.min(8, eighths))]!;
        });
        out += `${level === height - 1 ? count(max).padStart(8) : level === 0 ? '0'.padStart(8) : ''.padStart(8)} │${cells.join('')}\n`;
      }
      out += `${''.padStart(8)} └${'─'.repeat(values.length)}\n${''.padStart(10)}${shortTime(times[0]!)} … ${shortTime(times.at(-1)!)} (${times.length} points)\n`;
    }
  }
  return out;
}
