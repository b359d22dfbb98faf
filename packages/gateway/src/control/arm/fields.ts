// Reading an ARM request body's fields into typed values, with ARM's refusals naming the property at fault.
import { GatewayError } from '../../errors/index.ts';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const invalid = (path: string, expected: string) => new GatewayError('invalid_request_content', `The property '${path}' is not valid: expected ${expected}.`);

export function objectAt(value: unknown, path: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(path, 'a JSON object');
  return value;
}

export function stringAt(value: unknown, path: string, maxLength = 256): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw invalid(path, `a non-empty string of at most ${maxLength} characters`);
  return value;
}

export function booleanAt(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(path, 'true or false');
  return value;
}

/** One of `choices`, compared without case as ARM compares enum values; returned in its canonical spelling. */
export function choiceAt<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = typeof value === 'string' ? choices.find((c) => c.toLowerCase() === value.toLowerCase()) : undefined;
  if (!found) {
    throw new GatewayError('invalid_resource_properties', `The value '${String(value).slice(0, 64)}' of '${path}' is not valid; use ${choices.map((c) => `'${c}'`).join(' or ')}.`);
  }
  return found;
}

/** ARM tags: at most 50 string values, names up to 512 characters, values up to 256. */
export function tagsAt(value: unknown, path: string): Record<string, string> | undefined {
  const tags = objectAt(value, path);
  if (tags === undefined) return undefined;
  const entries = Object.entries(tags);
  if (entries.length > 50) throw new GatewayError('invalid_request_content', `'${path}' has ${entries.length} tags; at most 50 are allowed.`);
  for (const [k, v] of entries) {
    if (k.length > 512 || typeof v !== 'string' || v.length > 256) throw invalid(`${path}.${k.slice(0, 64)}`, 'a string of at most 256 characters (tag names up to 512)');
  }
  return tags as Record<string, string>;
}
