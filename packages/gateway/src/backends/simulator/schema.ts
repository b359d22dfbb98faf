// Tool-input synthesis: a value that validates against a tool's JSON Schema, drawn deterministically.
//
// Supported: type (one or a list; the first non-null wins), const, enum, default, properties,
// required (always filled) and optional properties (filled down to OPTIONAL_DEPTH, or never with
// `requiredOnly`, as a tool call fills only what it must), items,
// minItems/maxItems, minimum/maximum (and exclusive forms), multipleOf for integers,
// minLength/maxLength, a few string formats, anyOf/oneOf (first branch), allOf (merged), and
// local $ref ("#/..."). Deeper than MAX_DEPTH, values stop growing: objects and arrays come back
// empty. `pattern` is not honoured. With `requiredOnly`, a boolean is its default or `false`.
import type { Prng } from './seed.ts';

type Schema = Record<string, unknown>;

export interface SynthOptions {
  /** Fill required properties only; booleans take their default or `false`. */
  requiredOnly?: boolean;
  /** The value of a required string property, by name (taken from the user's request). */
  strings?: (name: string) => string | undefined;
}

const MAX_DEPTH = 8;
const OPTIONAL_DEPTH = 4;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'] as const;
const FORMATS: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '12:00:00Z',
  email: 'user@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(schema: Schema, key: string): number | undefined {
  const v = schema[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Follows a local `$ref` and merges `allOf`, so the caller sees one plain schema. */
function resolve(schema: Schema, root: Schema, depth: number): Schema {
  let s = schema;
  for (let hops = 0; typeof s['$ref'] === 'string' && hops < MAX_DEPTH; hops++) {
    const ref = s['$ref'];
    let target: unknown = root;
    if (ref.startsWith('#')) {
      for (const part of ref.slice(1).split('/').filter((p) => p !== '')) {
        target = isSchema(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      }
    }
    s = isSchema(target) ? target : {};
  }
  if (Array.isArray(s['allOf']) && depth < MAX_DEPTH) {
    const merged: Schema = { ...s, allOf: undefined, properties: { ...(isSchema(s['properties']) ? s['properties'] : {}) } };
    const required = new Set<string>(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
    for (const part of s['allOf']) {
      if (!isSchema(part)) continue;
      const sub = resolve(part, root, depth + 1);
      Object.assign(merged, { ...sub, properties: { ...(merged['properties'] as Schema), ...(isSchema(sub['properties']) ? sub['properties'] : {}) } });
      if (Array.isArray(sub['required'])) for (const r of sub['required']) required.add(String(r));
    }
    merged['required'] = [...required];
    s = merged;
  }
  return s;
}

function typeOf(schema: Schema): string {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (isSchema(schema['properties'])) return 'object';
  if (schema['items'] !== undefined) return 'array';
  return 'string';
}

function synthString(schema: Schema, name: string, rng: Prng): string {
  const format = schema['format'];
  let s = typeof format === 'string' && FORMATS[format] !== undefined ? FORMATS[format] : `${name || 'value'} ${rng.pick(WORDS)}`;
  const min = num(schema, 'minLength') ?? 0;
  const max = num(schema, 'maxLength');
  while (s.length < min) s += ` ${rng.pick(WORDS)}`;
  if (max !== undefined && s.length > max) s = s.slice(0, Math.max(min, max));
  return s;
}

function synthNumber(schema: Schema, integer: boolean, rng: Prng): number {
  const exMin = num(schema, 'exclusiveMinimum');
  const exMax = num(schema, 'exclusiveMaximum');
  let lo = num(schema, 'minimum') ?? (exMin !== undefined ? exMin + (integer ? 1 : 0.01) : undefined);
  let hi = num(schema, 'maximum') ?? (exMax !== undefined ? exMax - (integer ? 1 : 0.01) : undefined);
  lo ??= hi !== undefined ? Math.min(0, hi - 100) : 0;
  hi ??= lo + 100;
  if (integer) {
    const step = num(schema, 'multipleOf') ?? 1;
    const first = Math.ceil(lo / step);
    const last = Math.floor(hi / step);
    return last < first ? Math.ceil(lo) : rng.int(first, last) * step;
  }
  return Math.round((lo + rng.next() * (hi - lo)) * 100) / 100;
}

interface Context {
  rng: Prng;
  root: Schema;
  options: SynthOptions;
}

/** A value valid for `schema`, drawn from `rng`. */
export function synthesize(schema: unknown, rng: Prng, options: SynthOptions = {}): unknown {
  return synth(schema, { rng, root: isSchema(schema) ? schema : {}, options }, '', 0);
}

/** `name` is the property the value fills (used in generated strings). */
function synth(schema: unknown, ctx: Context, name: string, depth: number): unknown {
  const { rng, options } = ctx;
  if (!isSchema(schema)) return name === '' ? {} : `${name} ${rng.pick(WORDS)}`;
  const s = resolve(schema, ctx.root, depth);
  if ('const' in s) return s['const'];
  if ('default' in s) return s['default'];
  // A tool call takes the first choice, usually the mildest; a reply to a schema may take any.
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return options.requiredOnly ? s['enum'][0] : rng.pick(s['enum']);
  const branches = Array.isArray(s['anyOf']) ? s['anyOf'] : Array.isArray(s['oneOf']) ? s['oneOf'] : undefined;
  if (branches !== undefined && branches.length > 0) return synth(branches[0], ctx, name, depth + 1);
  switch (typeOf(s)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      const props = isSchema(s['properties']) ? s['properties'] : {};
      const required = new Set(Array.isArray(s['required']) ? s['required'].map(String) : []);
      const optional = !options.requiredOnly && depth < OPTIONAL_DEPTH;
      for (const [key, sub] of Object.entries(props)) {
        if (required.has(key) || optional) out[key] = synth(sub, ctx, key, depth + 1);
      }
      for (const key of required) if (!(key in out)) out[key] = synth({}, ctx, key, depth + 1);
      return out;
    }
    case 'array': {
      if (depth >= MAX_DEPTH) return [];
      const min = num(s, 'minItems') ?? 1;
      const count = Math.min(min, num(s, 'maxItems') ?? min);
      return Array.from({ length: count }, () => synth(s['items'] ?? {}, ctx, name, depth + 1));
    }
    case 'integer':
      return synthNumber(s, true, rng);
    case 'number':
      return synthNumber(s, false, rng);
    case 'boolean':
      return options.requiredOnly ? false : rng.next() < 0.5;
    case 'null':
      return null;
    default:
      return fitString(s, options.strings?.(name)) ?? synthString(s, name, rng);
  }
}

/** `value` if it is given and fits the schema's length bounds and format (no `format`). */
function fitString(schema: Schema, value: string | undefined): string | undefined {
  if (value === undefined || schema['format'] !== undefined || schema['pattern'] !== undefined) return undefined;
  if (value.length < (num(schema, 'minLength') ?? 0)) return undefined;
  const max = num(schema, 'maxLength');
  return max !== undefined && value.length > max ? undefined : value;
}
