// KQL (parse.ts) to one parameterized statement over request_log, in SQLite's dialect or PostgreSQL's. Every
// operator wraps the previous statement as a subquery (both planners flatten them, so `where TimeGenerated > ago(1h)`
// still reaches the time index); every value the query carries is a bound parameter, never SQL text (typed on
// PostgreSQL, which infers nothing from a JavaScript value); column names are checked against the columns in scope
// and quoted. The caller's readable resources filter the base rows before anything else.
import { KqlError, type Assignment, type Expr, parseKql } from './parse.ts';
import { type KqlType, TABLE_COLUMNS, TABLE_NAME } from './table.ts';

export type SqlDialect = 'sqlite' | 'postgres';

export interface CompiledQuery {
  sql: string;
  params: Array<string | number | null>;
  columns: Array<{ name: string; type: KqlType }>;
  render: 'timechart' | undefined;
}

interface Typed {
  sql: string;
  type: KqlType;
}

type Scope = Map<string, KqlType>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const AGGREGATES = new Set(['count', 'countif', 'sum', 'avg', 'min', 'max', 'dcount', 'percentile']);
const NUMERIC = new Set<KqlType>(['long', 'real', 'datetime', 'timespan']);

/** `instances`: those of the resources the caller may read (records of no resource are '' and included only when it says so). */
export function compileKql(text: string, instances: readonly string[], now: number, maxRows: number, dialect: SqlDialect = 'sqlite'): CompiledQuery {
  const pg = dialect === 'postgres';
  const query = parseKql(text);
  if (query.table !== TABLE_NAME) throw new KqlError(`Unknown table '${query.table}'; the request log is '${TABLE_NAME}'`, query.tableAt);
  const params: Array<string | number | null> = [];
  // Numbered (?N): each operator wraps the SQL so far, so placeholders do not appear in the order they were bound.
  const bind = (value: string | number | null) => {
    const n = params.push(value);
    if (!pg) return `?${n}`;
    return `$${n}::${typeof value === 'string' ? 'text' : Number.isInteger(value) ? 'bigint' : 'double precision'}`;
  };
  const REAL = pg ? 'double precision' : 'REAL';
  let depth = 0;
  // PostgreSQL 15 wants a name on every subquery in FROM; SQLite takes one too.
  const from = (inner: string) => `(${inner}) AS q${++depth}`;
  let scope: Scope = new Map(TABLE_COLUMNS.map((c) => [c.name, c.type]));
  let sql = `SELECT ${TABLE_COLUMNS.map((c) => `${c.sql} AS ${quote(c.name)}`).join(', ')} FROM request_log WHERE instance IN (${instances.map((r) => bind(r)).join(', ') || 'NULL'})`;
  let render: 'timechart' | undefined;

  function expr(e: Expr, s: Scope, aggregate = false): Typed {
    switch (e.kind) {
      case 'column': {
        const type = s.get(e.name);
        if (!type) throw new KqlError(`Unknown column '${e.name}'; in scope: ${[...s.keys()].join(', ')}`, e.at);
        return { sql: quote(e.name), type };
      }
      case 'literal':
        if (e.type === 'bool') return { sql: pg ? (e.value ? 'TRUE' : 'FALSE') : e.value ? '1' : '0', type: 'bool' };
        return { sql: bind(e.value as string | number), type: e.type };
      case 'not':
        return { sql: `(NOT ${expr(e.expr, s).sql})`, type: 'bool' };
      case 'in': {
        const left = expr(e.expr, s);
        const lower = (x: string) => (e.caseless ? `lower(${x})` : x);
        const list = e.list.map((x) => lower(expr(x, s).sql)).join(', ');
        return { sql: `(${lower(left.sql)} ${e.negated ? 'NOT IN' : 'IN'} (${list}))`, type: 'bool' };
      }
      case 'between': {
        const left = expr(e.expr, s);
        return { sql: `(${left.sql} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${expr(e.low, s).sql} AND ${expr(e.high, s).sql})`, type: 'bool' };
      }
      case 'binary':
        return binary(e, s);
      case 'call':
        return call(e, s, aggregate);
    }
  }

  function binary(e: Extract<Expr, { kind: 'binary' }>, s: Scope): Typed {
    const l = expr(e.left, s);
    // A string operator's right side: bound as given, the operator's SQL does the case folding.
    const r = expr(e.right, s);
    const negate = (cond: string, negated: boolean) => (negated ? `(NOT ${cond})` : cond);
    const op = e.op.replace(/^!/, '');
    const negated = e.op.startsWith('!') && e.op !== '!=' && e.op !== '!~';
    const instr = (hay: string, needle: string) => (pg ? `strpos(${hay}, ${needle})` : `instr(${hay}, ${needle})`);
    switch (op) {
      case 'and':
      case 'or':
        return { sql: `(${l.sql} ${op.toUpperCase()} ${r.sql})`, type: 'bool' };
      case '==':
        return { sql: `(${l.sql} = ${r.sql})`, type: 'bool' };
      case '!=':
        return { sql: `(${l.sql} <> ${r.sql})`, type: 'bool' };
      case '<':
      case '<=':
      case '>':
      case '>=':
        return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'bool' };
      case '=~':
        return { sql: `(lower(${l.sql}) = lower(${r.sql}))`, type: 'bool' };
      case '!~':
        return { sql: `(lower(${l.sql}) <> lower(${r.sql}))`, type: 'bool' };
      case 'contains':
        return { sql: negate(`(${instr(`lower(${l.sql})`, `lower(${r.sql})`)} > 0)`, negated), type: 'bool' };
      case 'contains_cs':
        return { sql: negate(`(${instr(l.sql, r.sql)} > 0)`, negated), type: 'bool' };
      case 'startswith':
        return { sql: negate(`(${instr(`lower(${l.sql})`, `lower(${r.sql})`)} = 1)`, negated), type: 'bool' };
      case 'endswith':
        const tail = pg ? `right(lower(${l.sql}), length(${r.sql}))` : `substr(lower(${l.sql}), -length(${r.sql}))`;
        return { sql: negate(`(${tail} = lower(${r.sql}))`, negated), type: 'bool' };
      case 'has':
        return { sql: negate(`kql_has(${l.sql}, ${r.sql}, 0)`, negated), type: 'bool' };
      case 'has_cs':
        return { sql: negate(`kql_has(${l.sql}, ${r.sql}, 1)`, negated), type: 'bool' };
      case '+':
      case '-':
      case '*':
      case '/': {
        if (!NUMERIC.has(l.type) || !NUMERIC.has(r.type)) throw new KqlError(`'${op}' needs numbers, dates or timespans, not ${l.type} and ${r.type}`, e.at);
        const type: KqlType = l.type === 'datetime' || r.type === 'datetime' ? (op === '-' && l.type === r.type ? 'timespan' : 'datetime') : l.type === 'real' || r.type === 'real' || op === '/' ? 'real' : l.type;
        // Division is real division, as KQL's on reals; `bin` does the whole-number kind. By zero: null (SQLite's answer; PostgreSQL would fail).
        return { sql: op === '/' ? `(CAST(${l.sql} AS ${REAL}) / ${pg ? `NULLIF(${r.sql}, 0)` : r.sql})` : `(${l.sql} ${op} ${r.sql})`, type };
      }
    }
    throw new KqlError(`The operator '${e.op}' is not supported`, e.at);
  }

  function call(e: Extract<Expr, { kind: 'call' }>, s: Scope, aggregate: boolean): Typed {
    const arity = (n: number, m = n) => {
      if (e.args.length < n || e.args.length > m) throw new KqlError(`${e.name}() takes ${n === m ? n : `${n} to ${m}`} argument${m === 1 ? '' : 's'}, not ${e.args.length}`, e.at);
    };
    const arg = (i: number) => expr(e.args[i]!, s);
    if (AGGREGATES.has(e.name)) {
      if (!aggregate) throw new KqlError(`${e.name}() is an aggregation: use it in 'summarize'`, e.at);
      switch (e.name) {
        case 'count':
          arity(0);
          return { sql: 'COUNT(*)', type: 'long' };
        case 'countif':
          arity(1);
          return { sql: `SUM(CASE WHEN ${arg(0).sql} THEN 1 ELSE 0 END)`, type: 'long' };
        case 'dcount':
          arity(1, 2);
          return { sql: `COUNT(DISTINCT ${arg(0).sql})`, type: 'long' };
        case 'percentile': {
          arity(2);
          const p = e.args[1]!;
          if (p.kind !== 'literal' || typeof p.value !== 'number' || p.value < 0 || p.value > 100) throw new KqlError('percentile() takes a column and a percentage from 0 to 100', p.at);
          // Nearest rank: PostgreSQL's percentile_disc is the same definition (kql/functions.ts for SQLite's).
          if (pg) return { sql: `percentile_disc(${bind(p.value)} / 100.0) WITHIN GROUP (ORDER BY ${arg(0).sql})`, type: 'real' };
          return { sql: `kql_percentile(${arg(0).sql}, ${bind(p.value)})`, type: 'real' };
        }
        case 'avg':
          arity(1);
          return { sql: `AVG(${arg(0).sql})`, type: 'real' };
        default: {
          arity(1);
          const a = arg(0);
          return { sql: `${e.name.toUpperCase()}(${a.sql})`, type: a.type };
        }
      }
    }
    switch (e.name) {
      case 'ago': {
        arity(1);
        const span = e.args[0]!;
        if (span.kind !== 'literal' || span.type !== 'timespan') throw new KqlError('ago() takes a timespan such as 1h, 30m or 7d', span.at);
        return { sql: bind(now - (span.value as number)), type: 'datetime' };
      }
      case 'now':
        arity(0);
        return { sql: bind(now), type: 'datetime' };
      case 'datetime': {
        arity(1);
        const t = e.args[0]!;
        const ms = t.kind === 'literal' && typeof t.value === 'string' ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t.value) || t.value.length <= 10 ? t.value : `${t.value}Z`) : NaN;
        if (Number.isNaN(ms)) throw new KqlError('datetime() takes a date such as 2026-11-01 or 2026-11-01T12:00:00Z', t.at);
        return { sql: bind(ms), type: 'datetime' };
      }
      case 'bin':
      case 'floor': {
        arity(2);
        const value = arg(0);
        const size = e.args[1]!;
        if (size.kind !== 'literal' || typeof size.value !== 'number' || size.value <= 0) throw new KqlError(`${e.name}() takes a positive bin size such as 1h or 100`, size.at);
        if (pg) return { sql: `(floor(CAST(${value.sql} AS double precision) / ${bind(size.value)})::bigint * ${bind(size.value)})`, type: value.type };
        return { sql: `(CAST(${value.sql} / ${bind(size.value)} AS INTEGER) * ${bind(size.value)})`, type: value.type };
      }
      case 'tolower':
      case 'toupper':
        arity(1);
        return { sql: `${e.name === 'tolower' ? 'lower' : 'upper'}(${arg(0).sql})`, type: 'string' };
      case 'strlen':
        arity(1);
        return { sql: `length(${arg(0).sql})`, type: 'long' };
      case 'tostring':
        arity(1);
        return { sql: `CAST(${arg(0).sql} AS TEXT)`, type: 'string' };
      case 'toint':
      case 'tolong':
        arity(1);
        // Truncated toward zero, as KQL and SQLite do (PostgreSQL's cast alone would round).
        return { sql: pg ? `CAST(trunc(CAST(${arg(0).sql} AS double precision)) AS bigint)` : `CAST(${arg(0).sql} AS INTEGER)`, type: 'long' };
      case 'toreal':
      case 'todouble':
        arity(1);
        return { sql: `CAST(${arg(0).sql} AS ${REAL})`, type: 'real' };
      case 'isnull':
      case 'isnotnull':
        arity(1);
        return { sql: `(${arg(0).sql} IS ${e.name === 'isnull' ? '' : 'NOT '}NULL)`, type: 'bool' };
      case 'isempty':
      case 'isnotempty':
        arity(1);
        const empty = pg ? `coalesce(CAST(${arg(0).sql} AS text) = '', TRUE)` : `coalesce(${arg(0).sql} = '', 1)`;
        return { sql: `(${e.name === 'isempty' ? '' : 'NOT '}${empty})`, type: 'bool' };
    }
    throw new KqlError(`The function '${e.name}()' is not supported`, e.at);
  }

  /** KQL's default output names: the column itself, `count_`, `sum_X`, `percentile_X_95`, else `ColumnN`. */
  function nameOf(a: Assignment, n: number): string {
    if (a.name) return a.name;
    const e = a.expr;
    if (e.kind === 'column') return e.name;
    if (e.kind === 'call') {
      const inner = e.args[0];
      const col = inner?.kind === 'column' ? inner.name : inner?.kind === 'call' && inner.args[0]?.kind === 'column' ? inner.args[0].name : '';
      if (e.name === 'bin' || e.name === 'floor') return col || `Column${n}`;
      if (e.name === 'count' || e.name === 'countif') return `${e.name}_`;
      if (e.name === 'percentile') return `percentile_${col}_${String((e.args[1] as { value: unknown }).value).replace('.', '_')}`;
      if (AGGREGATES.has(e.name)) return `${e.name}_${col}`;
    }
    return `Column${n}`;
  }

  const ops = query.operators;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (render) throw new KqlError("'render' must be the last operator", op.at);
    switch (op.kind) {
      case 'where': {
        const cond = expr(op.expr, scope);
        sql = `SELECT * FROM ${from(sql)} WHERE ${cond.sql}`;
        break;
      }
      case 'project':
      case 'extend': {
        const next: Scope = op.kind === 'extend' ? new Map(scope) : new Map();
        const added = op.columns.map((c, n) => {
          const t = expr(c.expr, scope);
          const name = nameOf(c, n + 1);
          next.set(name, t.type);
          return { name, sql: t.sql };
        });
        const kept = op.kind === 'extend' ? [...scope.keys()].filter((k) => !added.some((a) => a.name === k)).map(quote) : [];
        sql = `SELECT ${[...kept, ...added.map((a) => `${a.sql} AS ${quote(a.name)}`)].join(', ')} FROM ${from(sql)}`;
        scope = next;
        break;
      }
      case 'summarize': {
        const next: Scope = new Map();
        const by = op.by.map((c, n) => {
          const t = expr(c.expr, scope);
          const name = nameOf(c, n + 1);
          next.set(name, t.type);
          return `${t.sql} AS ${quote(name)}`;
        });
        const aggs = op.aggregates.map((c, n) => {
          if (c.expr.kind !== 'call' || !AGGREGATES.has(c.expr.name)) throw new KqlError(`'summarize' takes aggregations (${[...AGGREGATES].join(', ')})`, c.expr.at);
          const t = expr(c.expr, scope, true);
          const name = nameOf(c, n + 1);
          next.set(name, t.type);
          return `${t.sql} AS ${quote(name)}`;
        });
        if (aggs.length === 0 && by.length === 0) throw new KqlError("'summarize' needs an aggregation or 'by' columns", op.at);
        const group = by.length ? ` GROUP BY ${by.map((_, n) => n + 1).join(', ')}` : '';
        sql = `SELECT ${[...by, ...aggs].join(', ')} FROM ${from(sql)}${group}`;
        scope = next;
        break;
      }
      case 'order':
      case 'top': {
        const keys = op.kind === 'order' ? op.keys : [op.key];
        // Nulls sort as SQLite sorts them (smallest): PostgreSQL's default is the opposite.
        const nulls = (desc: boolean) => (pg ? (desc ? ' NULLS LAST' : ' NULLS FIRST') : '');
        const order = keys.map((k) => `${expr(k.expr, scope).sql} ${k.desc ? 'DESC' : 'ASC'}${nulls(k.desc)}`).join(', ');
        // A `take` right after an order keeps the order in the same statement.
        const take = op.kind === 'top' ? op.count : ops[i + 1]?.kind === 'take' ? (ops[++i] as { count: number }).count : undefined;
        sql = `SELECT * FROM ${from(sql)} ORDER BY ${order}${take === undefined ? '' : ` LIMIT ${bind(take)}`}`;
        break;
      }
      case 'take':
        sql = `SELECT * FROM ${from(sql)} LIMIT ${bind(op.count)}`;
        break;
      case 'render':
        if (!scope.has('TimeGenerated') && ![...scope.values()].includes('datetime')) throw new KqlError("'render timechart' needs a datetime column, such as bin(TimeGenerated, 1h)", op.at);
        render = 'timechart';
        break;
    }
  }
  // One more row than allowed says the answer was cut.
  sql = `SELECT * FROM ${from(sql)} LIMIT ${bind(maxRows + 1)}`;
  return { sql, params, columns: [...scope].map(([name, type]) => ({ name, type })), render };
}
