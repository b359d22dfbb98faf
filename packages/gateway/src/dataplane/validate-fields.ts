// Field-level checks shared by the request validator. Each returns the typed value or throws a 400
// whose message is `<path>: <reason>`, worded as the real API words it (its schema is a pydantic
// model, so the reasons are pydantic's: "Field required", "Input should be a valid string"...).
// Untrusted values are never interpolated into messages unless they are strings or numbers:
// `${value}` on a parsed object can itself throw (an own `toString` that is not a function).
import { invalidRequest } from '../errors/index.ts';
import type { CacheControl } from './types.ts';

export type JsonObject = Record<string, unknown>;

const OBJECT_EXPECTED = 'Input should be a valid dictionary or object to extract fields from';

/** Echoes an untrusted string (a key, a tag, an id) into a message at a bounded length. */
export function clip(text: string): string {
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}

export function fail(path: string, reason: string): never {
  throw invalidRequest(`${path}: ${reason}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object validated against a schema of named fields (a pydantic model). */
export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, OBJECT_EXPECTED);
  return value;
}

/** A free-form JSON object (a pydantic `dict`), kept as sent. */
export function requireDict(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, 'Input should be a valid dictionary');
  return value;
}

export function requireList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'Input should be a valid list');
  return value;
}

export function maxItems(list: unknown[], max: number, path: string): void {
  if (list.length > max) fail(path, `List should have at most ${max} items after validation, not ${list.length}`);
}

export function requireString(value: unknown, path: string): string {
  if (value === undefined) fail(path, 'Field required');
  if (typeof value !== 'string') fail(path, 'Input should be a valid string');
  return value;
}

/** An optional string; `null` counts as absent (the SDK types declare these nullable). */
export function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, path);
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(path, 'Input should be a valid boolean');
  return value;
}

export function requireInteger(value: unknown, path: string, min: number): number {
  if (value === undefined) fail(path, 'Field required');
  if (typeof value !== 'number') fail(path, 'Input should be a valid integer');
  if (!Number.isInteger(value)) fail(path, 'Input should be a valid integer, got a number with a fractional part');
  if (value < min) fail(path, `Input should be greater than or equal to ${min}`);
  return value;
}

export function requireNumberInRange(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number') fail(path, 'Input should be a valid number');
  if (value < min) fail(path, `Input should be greater than or equal to ${min}`);
  if (value > max) fail(path, `Input should be less than or equal to ${max}`);
  return value;
}

/** pydantic's wording of a literal set: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'`. */
function formatLiterals(allowed: readonly string[]): string {
  const quoted = allowed.map((v) => `'${v}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

export function requireLiteral<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (value === undefined) fail(path, 'Field required');
  const found = allowed.find((v) => v === value);
  if (found === undefined) fail(path, `Input should be ${formatLiterals(allowed)}`);
  return found;
}

/** A tagged union: the `type` tags it accepts and, formatted once, the list its errors name. */
export interface Union {
  accepted: ReadonlySet<string>;
  expected: string;
}

/** Built at module load, never per request. The real API lists expected tags sorted. */
export function union(tags: readonly string[]): Union {
  return { accepted: new Set(tags), expected: [...tags].sort().map((t) => `'${t}'`).join(', ') };
}

/**
 * The `type` tag of a tagged-union member. The error sits at the union's own path, as the real API
 * reports it: `messages.10.content.0.document.source: Input tag 'file' found using 'type' does not
 * match any of the expected tags: 'base64', 'content', 'text', 'url'`.
 */
export function unionTag(obj: JsonObject, kinds: Union, path: string): string {
  const tag = obj.type;
  if (typeof tag === 'string' && kinds.accepted.has(tag)) return tag;
  if (typeof tag === 'string' || typeof tag === 'number' || typeof tag === 'boolean') {
    fail(path, `Input tag '${typeof tag === 'string' ? clip(tag) : tag}' found using 'type' does not match any of the expected tags: ${kinds.expected}`);
  }
  return fail(path, "Unable to extract tag using discriminator 'type'");
}

/** An object that is a member of a tagged union, with its tag. */
export function taggedObject(value: unknown, kinds: Union, path: string): { obj: JsonObject; tag: string } {
  const obj = requireObject(value, path);
  return { obj, tag: unionTag(obj, kinds, path) };
}

const TTLS = ['5m', '1h'] as const;

/** `{type: 'ephemeral', ttl?: '5m' | '1h'}`; `null` counts as absent; ttl defaults to 5 minutes. */
export function optionalCacheControl(value: unknown, path: string): CacheControl | undefined {
  if (value === undefined || value === null) return undefined;
  const obj = requireObject(value, path);
  requireLiteral(obj.type, ['ephemeral'], `${path}.type`);
  const ttl = obj.ttl === undefined || obj.ttl === null ? '5m' : requireLiteral(obj.ttl, TTLS, `${path}.ttl`);
  return { type: 'ephemeral', ttl };
}
