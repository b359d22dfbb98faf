// Fault injection: per-request draws from the deployment's fault rates, or the test header's orders.
//
// Header `x-claude-foundry-simulate: key=value;key=value` (all optional):
//   fault=429|500|529|midstream|none  the fault to answer with (overrides the deployment's rates)
//   retry-after=<seconds>             the 429's retry-after (default 1; also sent as retry-after-ms)
//   ttft=<ms>, tps=<tokens/s>         the latency profile for this request
//   first=<n>                         only the first n requests carrying this exact header value fault
//   id=<label>                        no effect but making the header value (and its count) distinct
// Anything else is a 400 naming the header and the part at fault.
import type { SimulatorFaults } from '../../control/types.ts';
import { GatewayError, invalidRequest } from '../../errors/index.ts';

export const SIMULATE_HEADER = 'x-claude-foundry-simulate';
const FAULTS = ['429', '500', '529', 'midstream', 'none'] as const;
const MAX_COUNTERS = 1000;

export type FaultKind = (typeof FAULTS)[number];

export interface SimulateDirectives {
  /** The header value, which keys the `first` counters. */
  raw: string;
  fault?: FaultKind;
  retryAfterSeconds?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
  first?: number;
}

function numberValue(part: string, value: string, integer: boolean): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw invalidRequest(`${SIMULATE_HEADER}: "${part}" needs a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/** The directives of the header, or undefined when the request does not carry it. */
export function parseSimulateHeader(header: string | string[] | undefined): SimulateDirectives | undefined {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header.join(';') : header).trim();
  const directives: SimulateDirectives = { raw };
  for (const segment of raw.split(';')) {
    const part = segment.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw invalidRequest(`${SIMULATE_HEADER}: "${part}" is not key=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    switch (key) {
      case 'fault':
        if (!(FAULTS as readonly string[]).includes(value)) {
          throw invalidRequest(`${SIMULATE_HEADER}: "${part}" must be one of fault=${FAULTS.join('|')}`);
        }
        directives.fault = value as FaultKind;
        break;
      case 'retry-after':
        directives.retryAfterSeconds = numberValue(part, value, false);
        break;
      case 'ttft':
        directives.ttftMs = numberValue(part, value, false);
        break;
      case 'tps':
        directives.tokensPerSecond = numberValue(part, value, false);
        break;
      case 'first':
        directives.first = numberValue(part, value, true);
        break;
      case 'id':
        if (value === '') throw invalidRequest(`${SIMULATE_HEADER}: "${part}" needs a label`);
        break;
      default:
        throw invalidRequest(`${SIMULATE_HEADER}: unknown key "${key}" in "${part}"`);
    }
  }
  return directives;
}

/** How many requests each header value has faulted, for `first=n`; bounded, oldest forgotten first. */
export class FirstCounters {
  readonly #counts = new Map<string, number>();

  /** Counts one more request for `key`; true while the count is within `n`. */
  take(key: string, n: number): boolean {
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.delete(key);
    this.#counts.set(key, count);
    if (this.#counts.size > MAX_COUNTERS) this.#counts.delete(this.#counts.keys().next().value as string);
    return count <= n;
  }
}

/** The fault for one request: the header's order if it gives one, else a draw from the rates. */
export function decideFault(
  rates: SimulatorFaults,
  directives: SimulateDirectives | undefined,
  random: () => number,
  counters: FirstCounters,
): FaultKind {
  if (directives?.fault !== undefined) {
    if (directives.fault === 'none') return 'none';
    if (directives.first !== undefined && !counters.take(directives.raw, directives.first)) return 'none';
    return directives.fault;
  }
  const u = random();
  let edge = rates.rate429;
  if (u < edge) return '429';
  if (u < (edge += rates.rate500)) return '500';
  if (u < (edge += rates.rate529)) return '529';
  if (u < (edge += rates.rateMidstream)) return 'midstream';
  return 'none';
}

/** The error a fault answers with before any output. */
export function faultError(fault: '429' | '500' | '529', retryAfterSeconds = 1): GatewayError {
  if (fault === '429') {
    const headers = { 'retry-after': String(retryAfterSeconds), 'retry-after-ms': String(Math.round(retryAfterSeconds * 1000)) };
    return new GatewayError('rate_limited', undefined, headers);
  }
  return fault === '500' ? new GatewayError('api_error') : new GatewayError('overloaded');
}
