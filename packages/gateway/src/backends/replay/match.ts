// Which recorded exchange answers a request. Both sides are normalised the same way: the request as
// read for forwarding (string content and system become text blocks, absent `stream` is false), without `model`
// (the deployment's catalog model is compared instead) and `metadata` (volatile), plus the operation
// and the `anthropic-beta` values (sorted), as JSON with object keys sorted. Equal texts match.
import type { Operation } from './cassette.ts';

/** Fields of the body that never take part in matching. */
const IGNORED = new Set(['model', 'metadata']);

export interface Normalised {
  operation: Operation;
  model: string;
  'anthropic-beta': string[];
  body: Record<string, unknown>;
}

export function normalise(operation: Operation, model: string, betas: readonly string[], body: Record<string, unknown>): Normalised {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!IGNORED.has(key) && value !== undefined) kept[key] = value;
  return { operation, model, 'anthropic-beta': [...betas].sort(), body: kept };
}

export function betasOf(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header.join(',') : header).split(',').map((b) => b.trim()).filter((b) => b.length > 0);
}

/** JSON with object keys sorted at every level; undefined members dropped, as JSON.stringify does. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface Difference {
  path: string;
  recorded: unknown;
  got: unknown;
}

/** The first place (in sorted-key order) where two normalised requests differ. */
export function firstDifference(recorded: unknown, got: unknown, path = ''): Difference | undefined {
  if (Array.isArray(recorded) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(recorded.length, got.length); i++) {
      const found = firstDifference(recorded[i], got[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isRecord(recorded) && isRecord(got)) {
    const keys = [...new Set([...Object.keys(recorded), ...Object.keys(got)])].sort();
    for (const key of keys) {
      const found = firstDifference(recorded[key], got[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  }
  return canonical(recorded) === canonical(got) ? undefined : { path, recorded, got };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length of the common prefix of two strings: how alike two canonical requests are. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** A value shown in an error message: JSON, cut to `max` characters. */
export function shown(value: unknown, max = 80): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
