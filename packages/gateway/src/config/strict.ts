// Checks a config against its schema before anything reads it: an unknown key or a wrong type stops the start
// with one line naming the path and what to write, with the nearest valid key for a typo (`modle` → `model`).
import { z } from 'zod';
import { configSchema } from './schema.ts';

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

/** `resources[0].deployments[1].model` */
export function formatPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

/** Edit distance (insert, delete, substitute, swap two neighbours), for suggesting the key a typo meant. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The valid key closest to `key`, if it is close enough to be a typo of it. */
export function nearest(key: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** The keys an object schema allows at `path` (through arrays, records, optionals and unions). */
function keysAt(schema: z.ZodType, path: readonly Key[]): string[] {
  const def = schema._zod.def as unknown as { type: string; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> };
  if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return keysAt(def.innerType!, path);
  if (def.type === 'union') return def.options!.flatMap((o) => keysAt(o, path));
  if (path.length === 0) return def.type === 'object' ? Object.keys(def.shape!) : [];
  const [head, ...rest] = path;
  if (def.type === 'array' && typeof head === 'number') return keysAt(def.element!, rest);
  if (def.type === 'record' && typeof head === 'string') return keysAt(def.valueType!, rest);
  if (def.type === 'object' && typeof head === 'string' && def.shape![head]) return keysAt(def.shape![head], rest);
  return [];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly Key[]): unknown {
  let value = root;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<Key, unknown>)[key] : undefined;
  return value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** For a union (`record: true | {…}`), the issue of the branch that got furthest. */
function deepest(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const candidates = issue.errors.flatMap((branch) => branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
  candidates.sort((a, b) => b.path.length - a.path.length || (a.code === 'invalid_type' ? 1 : 0) - (b.code === 'invalid_type' ? 1 : 0));
  return candidates[0] ? deepest(candidates[0]) : issue;
}

function explain(issue: Issue, raw: unknown): string {
  const at = formatPath(issue.path);
  const given = valueAt(raw, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const valid = keysAt(configSchema, issue.path);
      const key = issue.keys[0]!;
      const where = formatPath([...issue.path, key]);
      const guess = nearest(key, valid);
      return guess
        ? `${where} is not a setting; did you mean "${guess}"?`
        : `${where} is not a setting here; the settings are ${valid.map((k) => `"${k}"`).join(', ')}.`;
    }
    case 'invalid_type':
      if (given === undefined) return `${at} is required.`;
      return `${at} must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describe(given)}.`;
    case 'invalid_value':
      return `${at} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, not ${describe(given)}.`;
    case 'too_small':
      if (issue.origin === 'string') return `${at} must be a non-empty string${Number(issue.minimum) > 1 ? ` of at least ${issue.minimum} characters` : ''}.`;
      if (issue.origin === 'array') return `${at} must not be empty.`;
      return `${at} must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}, not ${describe(given)}.`;
    case 'too_big':
      return `${at} must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}, not ${describe(given)}.`;
    default:
      return `${at}: ${issue.message}.`;
  }
}

/**
 * The schema's verdict, split: unknown keys (checked before anything else reads the config, so a typo is never
 * silently ignored) and everything else (types, ranges: the field parsers check those first, with messages
 * specific to each field; what they let through is still refused here).
 */
export function schemaProblems(raw: unknown): { unknownKey: string | undefined; other: string | undefined } {
  const result = configSchema.safeParse(raw);
  if (result.success) return { unknownKey: undefined, other: undefined };
  const issues = result.error.issues.map(deepest);
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  const other = issues.find((i) => i.code !== 'unrecognized_keys');
  return { unknownKey: unknown && explain(unknown, raw), other: other && explain(other, raw) };
}
