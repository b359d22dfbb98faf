// The SQL functions compiled KQL needs that SQLite lacks: `has` (whole-term match) and `percentile`.
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';

const TERM_CHAR = /[\p{L}\p{N}_]/u;

/** KQL's `has`: `term` appears in `text` as a whole term (bounded by non-alphanumerics), case-insensitive unless `cs`. */
export function hasTerm(text: SQLOutputValue, term: SQLOutputValue, cs: SQLOutputValue): number {
  if (text === null || term === null) return 0;
  let hay = String(text);
  let needle = String(term);
  if (needle === '') return 1;
  if (!cs) {
    hay = hay.toLowerCase();
    needle = needle.toLowerCase();
  }
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    const before = i === 0 || !TERM_CHAR.test(hay[i - 1]!);
    const after = i + needle.length >= hay.length || !TERM_CHAR.test(hay[i + needle.length]!);
    if (before && after) return 1;
  }
  return 0;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[Math.max(0, Math.ceil((p / 100) * values.length) - 1)]!;
}

export function registerKqlFunctions(db: DatabaseSync): void {
  db.function('kql_has', { deterministic: true }, hasTerm);
  // An aggregate's state must be an SQL value: it is a key into the lists being collected.
  const lists = new Map<number, { values: number[]; p: number }>();
  let next = 0;
  db.aggregate('kql_percentile', {
    start: () => {
      const id = next++;
      lists.set(id, { values: [], p: 50 });
      return id;
    },
    step: (id, value, p) => {
      const list = lists.get(Number(id))!;
      if (typeof value === 'number' || typeof value === 'bigint') list.values.push(Number(value));
      list.p = Number(p);
      return id;
    },
    result: (id) => {
      const list = lists.get(Number(id));
      lists.delete(Number(id));
      return list ? nearestRank(list.values, list.p) : null;
    },
  });
}
