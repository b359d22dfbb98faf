// A subset of KQL (Kusto Query Language), parsed into a small tree: a table, then `|` operators. Hand-written
// recursive descent because each error must name the column where the query stops being understood, with what
// was expected there, and the subset is small (docs/monitoring.md lists it).

export class KqlError extends Error {
  /** 1-based column in the query text. */
  readonly column: number;
  constructor(message: string, offset: number) {
    super(`${message} (at column ${offset + 1})`);
    this.column = offset + 1;
  }
}

type TokenKind = 'ident' | 'string' | 'number' | 'timespan' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** A number's or a timespan's value (timespan in ms). */
  value?: number;
  at: number;
}

const TIMESPAN_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1, tick: 0.0001, microsecond: 0.001 };
const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '..', '<', '>', '=', '(', ')', ',', '|', '+', '-', '*', '/', '!', '~'];

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else value += text[i++];
      }
      if (i >= text.length) throw new KqlError('A string is not closed', at);
      i++;
      tokens.push({ kind: 'string', text: value, at });
      continue;
    }
    const num = /^(\d+(?:\.\d+)?)(d|h|ms|m|s|tick|microsecond)?(?![A-Za-z_0-9])/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const n = Number(num[1]);
      if (num[2]) tokens.push({ kind: 'timespan', text: num[0], value: n * TIMESPAN_MS[num[2]]!, at });
      else tokens.push({ kind: 'number', text: num[0], value: n, at });
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z_0-9]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      tokens.push({ kind: 'ident', text: word[0], at });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new KqlError(`Unexpected character '${c}'`, at);
    i += op.length;
    tokens.push({ kind: 'op', text: op, at });
  }
  tokens.push({ kind: 'end', text: 'the end of the query', at: text.length });
  return tokens;
}

export type Expr =
  | { kind: 'column'; name: string; at: number }
  | { kind: 'literal'; value: string | number | boolean | null; type: 'string' | 'long' | 'real' | 'bool' | 'timespan'; at: number }
  | { kind: 'call'; name: string; args: Expr[]; at: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; at: number }
  | { kind: 'not'; expr: Expr; at: number }
  | { kind: 'in'; expr: Expr; list: Expr[]; negated: boolean; caseless: boolean; at: number }
  | { kind: 'between'; expr: Expr; low: Expr; high: Expr; negated: boolean; at: number };

export interface Assignment {
  name: string | undefined;
  expr: Expr;
  at: number;
}

export type Operator =
  | { kind: 'where'; expr: Expr; at: number }
  | { kind: 'project'; columns: Assignment[]; at: number }
  | { kind: 'extend'; columns: Assignment[]; at: number }
  | { kind: 'summarize'; aggregates: Assignment[]; by: Assignment[]; at: number }
  | { kind: 'order'; keys: Array<{ expr: Expr; desc: boolean }>; at: number }
  | { kind: 'take'; count: number; at: number }
  | { kind: 'top'; count: number; key: { expr: Expr; desc: boolean }; at: number }
  | { kind: 'render'; chart: string; at: number };

export interface Query {
  table: string;
  tableAt: number;
  operators: Operator[];
}

/** String operators: KQL's, case-insensitive unless suffixed `_cs`. */
const STRING_OPS = new Set(['has', '!has', 'contains', '!contains', 'startswith', '!startswith', 'endswith', '!endswith', 'has_cs', 'contains_cs']);
const SUPPORTED = 'where, project, extend, summarize, order by (sort by), top, take (limit) and render';

export function parseKql(text: string): Query {
  const tokens = lex(text);
  let pos = 0;
  const peek = (ahead = 0) => tokens[Math.min(pos + ahead, tokens.length - 1)]!;
  const next = () => tokens[pos++]!;
  const isOp = (t: Token, op: string) => t.kind === 'op' && t.text === op;
  const isWord = (t: Token, word: string) => t.kind === 'ident' && t.text.toLowerCase() === word;
  const expect = (op: string, what = `'${op}'`): Token => {
    const t = next();
    if (!isOp(t, op)) throw new KqlError(`Expected ${what}, found ${describe(t)}`, t.at);
    return t;
  };
  const expectWord = (word: string): Token => {
    const t = next();
    if (!isWord(t, word)) throw new KqlError(`Expected '${word}', found ${describe(t)}`, t.at);
    return t;
  };
  const identifier = (what: string): Token => {
    const t = next();
    if (t.kind !== 'ident') throw new KqlError(`Expected ${what}, found ${describe(t)}`, t.at);
    return t;
  };
  const count = (what: string): number => {
    const t = next();
    if (t.kind !== 'number' || !Number.isInteger(t.value) || t.value! < 0) throw new KqlError(`Expected ${what} (a whole number), found ${describe(t)}`, t.at);
    return t.value!;
  };

  function primary(): Expr {
    const t = next();
    if (t.kind === 'string') return { kind: 'literal', value: t.text, type: 'string', at: t.at };
    if (t.kind === 'number') return { kind: 'literal', value: t.value!, type: Number.isInteger(t.value) ? 'long' : 'real', at: t.at };
    if (t.kind === 'timespan') return { kind: 'literal', value: t.value!, type: 'timespan', at: t.at };
    if (isOp(t, '(')) {
      const inner = expression();
      expect(')');
      return inner;
    }
    if (isOp(t, '-')) {
      const operand = primary();
      return { kind: 'binary', op: '-', left: { kind: 'literal', value: 0, type: 'long', at: t.at }, right: operand, at: t.at };
    }
    if (t.kind === 'ident') {
      const lower = t.text.toLowerCase();
      if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true', type: 'bool', at: t.at };
      if (isOp(peek(), '(')) {
        next();
        // datetime(2026-11-01T00:00:00Z) takes its text unquoted, as KQL allows.
        if (lower === 'datetime' && peek().kind !== 'string') {
          const start = peek().at;
          while (!isOp(peek(), ')') && peek().kind !== 'end') next();
          const raw = text.slice(start, peek().at).replace(/\s+/g, '');
          expect(')');
          return { kind: 'call', name: 'datetime', args: [{ kind: 'literal', value: raw, type: 'string', at: start }], at: t.at };
        }
        const args: Expr[] = [];
        if (!isOp(peek(), ')')) {
          do args.push(expression());
          while (isOp(peek(), ',') && next());
        }
        expect(')', "')' or ','");
        return { kind: 'call', name: lower, args, at: t.at };
      }
      return { kind: 'column', name: t.text, at: t.at };
    }
    throw new KqlError(`Expected a column, a value or a function, found ${describe(t)}`, t.at);
  }

  function multiplicative(): Expr {
    let left = primary();
    while (isOp(peek(), '*') || isOp(peek(), '/')) {
      const op = next();
      left = { kind: 'binary', op: op.text, left, right: primary(), at: op.at };
    }
    return left;
  }

  function additive(): Expr {
    let left = multiplicative();
    while (isOp(peek(), '+') || isOp(peek(), '-')) {
      const op = next();
      left = { kind: 'binary', op: op.text, left, right: multiplicative(), at: op.at };
    }
    return left;
  }

  function comparison(): Expr {
    const left = additive();
    const t = peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>=', '=~', '!~'].includes(t.text)) {
      next();
      return { kind: 'binary', op: t.text, left, right: additive(), at: t.at };
    }
    // `!in`, `!has`, `!contains`, `!between` are a `!` token then a word.
    const negated = isOp(t, '!') && peek(1).kind === 'ident';
    const word = negated ? peek(1) : t;
    if (word.kind !== 'ident') return left;
    const name = (negated ? '!' : '') + word.text.toLowerCase();
    if (name === 'in' || name === '!in' || name === 'in~' || name === 'between' || name === '!between' || STRING_OPS.has(name)) {
      pos += negated ? 2 : 1;
      if (name.endsWith('in')) {
        const caseless = isOp(peek(), '~') && Boolean(next());
        expect('(', "'(' and a list of values");
        const list: Expr[] = [];
        do list.push(additive());
        while (isOp(peek(), ',') && next());
        expect(')', "')' or ','");
        return { kind: 'in', expr: left, list, negated, caseless, at: t.at };
      }
      if (name.endsWith('between')) {
        expect('(', "'(low .. high)'");
        const low = additive();
        expect('..', "'..' between the bounds");
        const high = additive();
        expect(')');
        return { kind: 'between', expr: left, low, high, negated, at: t.at };
      }
      return { kind: 'binary', op: name, left, right: additive(), at: t.at };
    }
    return left;
  }

  function conjunction(): Expr {
    let left = isWord(peek(), 'not') && isOp(peek(1), '(') ? notCall() : comparison();
    while (isWord(peek(), 'and')) {
      const op = next();
      left = { kind: 'binary', op: 'and', left, right: isWord(peek(), 'not') && isOp(peek(1), '(') ? notCall() : comparison(), at: op.at };
    }
    return left;
  }

  function notCall(): Expr {
    const t = next();
    next();
    const inner = expression();
    expect(')');
    return { kind: 'not', expr: inner, at: t.at };
  }

  function expression(): Expr {
    let left = conjunction();
    while (isWord(peek(), 'or')) {
      const op = next();
      left = { kind: 'binary', op: 'or', left, right: conjunction(), at: op.at };
    }
    return left;
  }

  function assignments(named: 'optional' | 'required'): Assignment[] {
    const list: Assignment[] = [];
    do {
      const at = peek().at;
      if (peek().kind === 'ident' && isOp(peek(1), '=')) {
        const name = next().text;
        next();
        list.push({ name, expr: expression(), at });
      } else if (named === 'required') {
        throw new KqlError(`Expected 'Name = expression', found ${describe(peek())}`, at);
      } else list.push({ name: undefined, expr: expression(), at });
    } while (isOp(peek(), ',') && next());
    return list;
  }

  function sortKey(): { expr: Expr; desc: boolean } {
    const expr = expression();
    let desc = true; // KQL sorts descending unless told otherwise
    if (isWord(peek(), 'asc')) {
      next();
      desc = false;
    } else if (isWord(peek(), 'desc')) next();
    if (isWord(peek(), 'nulls')) {
      next();
      identifier("'first' or 'last'");
    }
    return { expr, desc };
  }

  function operator(): Operator {
    const t = identifier(`an operator (${SUPPORTED})`);
    switch (t.text.toLowerCase()) {
      case 'where':
      case 'filter':
        return { kind: 'where', expr: expression(), at: t.at };
      case 'project':
        return { kind: 'project', columns: assignments('optional'), at: t.at };
      case 'extend':
        return { kind: 'extend', columns: assignments('required'), at: t.at };
      case 'summarize': {
        const aggregates = isWord(peek(), 'by') ? [] : assignments('optional');
        let by: Assignment[] = [];
        if (isWord(peek(), 'by')) {
          next();
          by = assignments('optional');
        }
        return { kind: 'summarize', aggregates, by, at: t.at };
      }
      case 'order':
      case 'sort': {
        expectWord('by');
        const keys = [];
        do keys.push(sortKey());
        while (isOp(peek(), ',') && next());
        return { kind: 'order', keys, at: t.at };
      }
      case 'take':
      case 'limit':
        return { kind: 'take', count: count('how many rows'), at: t.at };
      case 'top': {
        const n = count('how many rows');
        expectWord('by');
        return { kind: 'top', count: n, key: sortKey(), at: t.at };
      }
      case 'render': {
        const chart = identifier("a chart type ('timechart')");
        if (chart.text.toLowerCase() !== 'timechart') throw new KqlError(`Only 'render timechart' is supported, not '${chart.text}'`, chart.at);
        return { kind: 'render', chart: 'timechart', at: t.at };
      }
      default:
        throw new KqlError(`The operator '${t.text}' is not supported; supported: ${SUPPORTED}`, t.at);
    }
  }

  const table = identifier('a table name (RequestLogs)');
  const operators: Operator[] = [];
  while (peek().kind !== 'end') {
    expect('|', "'|' before the next operator");
    operators.push(operator());
  }
  return { table: table.text, tableAt: table.at, operators };
}

function describe(t: Token): string {
  if (t.kind === 'end') return t.text;
  if (t.kind === 'string') return `the string "${t.text.slice(0, 40)}"`;
  return `'${t.text.slice(0, 40)}'`;
}
