// The monitoring API's query parameters, validated at the edge into typed values; a bad one is a 400
// InvalidParameter naming it and saying what to write.
import { GatewayError } from '../errors/index.ts';
import type { Interval, LogQuery, UsageDimension } from './log-store.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const INTERVAL_MS: Record<Interval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** The longest span each interval may cover: bounded answers. */
const MAX_SPAN_MS: Record<Interval, number> = { minute: 2 * 86_400_000, hour: 93 * 86_400_000, day: 400 * 86_400_000 };
const DIMENSIONS: readonly UsageDimension[] = ['deployment', 'model', 'principal'];

export function invalid(name: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', `The query parameter '${name}' ${message}`);
}

/** An ISO 8601 time, or a span ago: `30m`, `24h`, `7d` (a leading `-` is allowed), or `now`. */
export function parseTime(query: URLSearchParams, name: string, now: number, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (text === 'now') return now;
  const relative = /^-?(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(name, `must be an ISO 8601 time such as 2026-11-25T00:00:00Z, or a span ago such as 24h or 7d; got '${text.slice(0, 40)}'.`);
  return ms;
}

export function parseRange(query: URLSearchParams, now: number, defaultSpanMs: number): { from: number; to: number } {
  const to = parseTime(query, 'to', now, now);
  const from = parseTime(query, 'from', now, to - defaultSpanMs);
  if (from >= to) throw invalid('from', 'must be earlier than to.');
  return { from, to };
}

export function parseInterval(query: URLSearchParams, fallback: Interval): Interval {
  const text = query.get('interval') ?? fallback;
  if (text !== 'minute' && text !== 'hour' && text !== 'day') throw invalid('interval', `must be minute, hour or day; got '${text.slice(0, 20)}'.`);
  return text;
}

/** Buckets are whole UTC minutes, hours or days: `from` rounds down, `to` up. */
export function alignRange(range: { from: number; to: number }, interval: Interval): { from: number; to: number } {
  const step = INTERVAL_MS[interval];
  const from = range.from - (range.from % step);
  const to = range.to % step === 0 ? range.to : range.to - (range.to % step) + step;
  if (to - from > MAX_SPAN_MS[interval]) {
    throw invalid('from', `gives a span too long for interval=${interval} (at most ${MAX_SPAN_MS[interval] / 86_400_000} days); use a coarser interval.`);
  }
  return { from, to };
}

export function parseGroupBy(query: URLSearchParams): UsageDimension[] {
  const text = query.get('groupBy');
  if (!text) return [];
  return text.split(',').map((part) => {
    const dim = DIMENSIONS.find((d) => d === part.trim());
    if (!dim) throw invalid('groupBy', `takes a comma-separated list of ${DIMENSIONS.join(', ')}; got '${part.slice(0, 20)}'.`);
    return dim;
  });
}

export function parseStatus(query: URLSearchParams): LogQuery['status'] {
  const text = query.get('status');
  if (!text) return undefined;
  if (/^[1-5]xx$/.test(text)) return text as `${1 | 2 | 3 | 4 | 5}xx`;
  if (/^[1-5]\d\d$/.test(text)) return Number(text);
  throw invalid('status', `must be a status such as 429 or a class such as 5xx; got '${text.slice(0, 10)}'.`);
}

export function parseLimit(query: URLSearchParams, fallback: number, max: number): number {
  const text = query.get('limit');
  if (!text) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid('limit', `must be a whole number from 1 to ${max}.`);
  return n;
}

/** The opaque keyset cursor of a log page: the last record's (time, id). */
export function encodeCursor(time: number, id: number): string {
  return Buffer.from(`${time}.${id}`).toString('base64url');
}

export function decodeCursor(text: string): { time: number; id: number } {
  const match = /^(\d+)\.(\d+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw invalid('cursor', 'is not a cursor this gateway gave out; follow nextLink as given.');
  return { time: Number(match[1]), id: Number(match[2]) };
}

export function optional(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === '' ? undefined : value;
}
