// The month-end cost forecast: the month so far, plus the run rate of the last 7 days (or of the time
// since the resource's first request in that window, if shorter, at least one hour) over the hours left.
// Integer arithmetic throughout: picodollars and milliseconds, rounded half up once.
import { divideRounded } from './money.ts';

const HOUR_MS = 3_600_000;
export const RUN_RATE_WINDOW_MS = 7 * 24 * HOUR_MS;

export interface ForecastInput {
  now: number;
  monthEnd: number;
  /** Cost from the month's start to now. */
  monthToDatePico: bigint;
  /** Cost over [windowStart, now). */
  windowPico: bigint;
  /** The later of now − 7 days and the first hour with traffic in that span. */
  windowStart: number;
}

export interface Forecast {
  monthToDatePico: bigint;
  /** Picodollars per hour over the window. */
  runRatePerHourPico: bigint;
  remainingMs: number;
  forecastPico: bigint;
}

export function forecastMonthEnd(input: ForecastInput): Forecast {
  const windowMs = BigInt(Math.max(HOUR_MS, input.now - input.windowStart));
  const remainingMs = Math.max(0, input.monthEnd - input.now);
  const rest = divideRounded(input.windowPico * BigInt(remainingMs), windowMs);
  return {
    monthToDatePico: input.monthToDatePico,
    runRatePerHourPico: divideRounded(input.windowPico * BigInt(HOUR_MS), windowMs),
    remainingMs,
    forecastPico: input.monthToDatePico + rest,
  };
}
