// Money and pricing: exact decimal parsing, exact picodollar costs against hand-computed figures from
// the catalog's prices (models.md sections 3 and 4), the long-context tier, Data Zone's 1.1, and the forecast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageTally } from '../src/backends/upstream/usage.ts';
import { getModel } from '../src/models/catalog.ts';
import { forecastMonthEnd } from '../src/telemetry/forecast.ts';
import { formatCcu, formatUsd, parseDecimal, parseUsd } from '../src/telemetry/money.ts';
import { billedTokens, costOf } from '../src/telemetry/pricing.ts';

const model = (id: string) => {
  const found = getModel(id);
  assert.ok(found, id);
  return found;
};
const tokens = (t: Partial<ReturnType<typeof billedTokens>>) => ({ input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, ...t });

test('decimal prices parse exactly, with no float in the way', () => {
  assert.equal(parseDecimal('0.625', 9), 625_000_000n);
  assert.equal(parseDecimal('12.50', 2), 1250n);
  assert.equal(parseUsd('0.1'), 100_000_000_000n);
  // 0.1 + 0.2 in floats is 0.30000000000000004; in picodollars it is 0.3.
  assert.equal(formatUsd(parseUsd('0.1') + parseUsd('0.2')), '0.3');
  assert.throws(() => parseDecimal('1e-3', 9), /not a decimal/);
  assert.throws(() => parseDecimal('0.1234567891', 9), /more than 9 decimal places/);
  assert.equal(formatUsd(504_000_000_000n), '0.504');
  assert.equal(formatCcu(504_000_000_000n), '50.4');
  assert.equal(formatUsd(0n), '0');
});

test("models.md's worked example: Opus 5.5, 100k input + 20k cache reads + 5k output is $0.504 (50.4 CCU), $0.5544 on Data Zone", () => {
  const used = tokens({ input: 100_000, cacheRead: 20_000, output: 5_000 });
  assert.equal(formatUsd(costOf(used, model('claude-opus-5-5'), 'GlobalStandard')), '0.504');
  assert.equal(formatCcu(costOf(used, model('claude-opus-5-5'), 'GlobalStandard')), '50.4');
  assert.equal(formatUsd(costOf(used, model('claude-opus-5-5'), 'DataZoneStandard')), '0.5544');
});

test('each category has its own rate: Sonnet 4.5 with 5m and 1h cache writes and cache reads', () => {
  // 25 × $3 + 312 × $15 + 500 × $3.75 + 2,000 × $6 + 30,000 × $0.30, per million = $0.02763
  const used = tokens({ input: 25, output: 312, cacheWrite5m: 500, cacheWrite1h: 2000, cacheRead: 30_000 });
  assert.equal(costOf(used, model('claude-sonnet-4-5'), 'GlobalStandard'), 27_630_000_000n);
  assert.equal(formatUsd(costOf(used, model('claude-sonnet-4-5'), 'DataZoneStandard')), '0.030393');
});

test('a prompt over 200k tokens bills the whole Sonnet 4.5 request at the long-context tier', () => {
  // 150k input + 60k cache reads = 210k prompt: 150k × $6 + 60k × $0.60 + 1k × $22.50, per million = $0.9585.
  const used = tokens({ input: 150_000, cacheRead: 60_000, output: 1_000 });
  assert.equal(formatUsd(costOf(used, model('claude-sonnet-4-5'), 'GlobalStandard')), '0.9585');
  const under = tokens({ input: 150_000, cacheRead: 50_000, output: 1_000 });
  assert.equal(formatUsd(costOf(under, model('claude-sonnet-4-5'), 'GlobalStandard')), '0.48');
});

test('Haiku 5.5 fractions stay exact on Data Zone: per-token rates are whole picodollars even at 1.1x', () => {
  // 3 × $0.125 × 1.1 per million = $0.0000004125 = 412,500 picodollars; 1 read × $0.01 × 1.1 = 11,000.
  assert.equal(costOf(tokens({ cacheWrite5m: 3 }), model('claude-haiku-5-5'), 'DataZoneStandard'), 412_500n);
  assert.equal(costOf(tokens({ cacheRead: 1 }), model('claude-haiku-5-5'), 'DataZoneStandard'), 11_000n);
});

test('stream usage: message_start then cumulative message_delta overwrites, never adds; no split means 5-minute writes', () => {
  const tally = new UsageTally();
  tally.event({ type: 'message_start', message: { usage: { input_tokens: 25, cache_creation_input_tokens: 2500, cache_read_input_tokens: 30_000, cache_creation: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 2000 }, output_tokens: 1 } } } as never);
  tally.event({ type: 'message_delta', usage: { output_tokens: 100 } } as never);
  tally.event({ type: 'message_delta', usage: { input_tokens: 25, cache_creation_input_tokens: 2500, cache_read_input_tokens: 30_000, output_tokens: 312 } } as never);
  assert.deepEqual(billedTokens(tally.current), { input: 25, output: 312, cacheWrite5m: 500, cacheWrite1h: 2000, cacheRead: 30_000 });
  const bare = new UsageTally();
  bare.start({ input_tokens: 10, cache_creation_input_tokens: 700, cache_read_input_tokens: 0, output_tokens: 3 });
  assert.deepEqual(billedTokens(bare.current), { input: 10, output: 3, cacheWrite5m: 700, cacheWrite1h: 0, cacheRead: 0 });
});

test('the month-end forecast is the month so far plus the 7-day run rate over the hours left', () => {
  const hour = 3_600_000;
  const now = Date.UTC(2026, 10, 20, 0, 0, 0); // 20 Nov: 11 days (264 h) left
  const monthEnd = Date.UTC(2026, 11, 1);
  // $16.80 over the last 7 days (168 h) = $0.10/h; 264 h × $0.10 = $26.40 more.
  const f = forecastMonthEnd({ now, monthEnd, monthToDatePico: parseUsd('50'), windowPico: parseUsd('16.80'), windowStart: now - 168 * hour });
  assert.equal(formatUsd(f.runRatePerHourPico), '0.1');
  assert.equal(formatUsd(f.forecastPico), '76.4');
  // A resource that started 12 hours ago: its rate is over those 12 hours, not over 7 days.
  const young = forecastMonthEnd({ now, monthEnd, monthToDatePico: parseUsd('1.2'), windowPico: parseUsd('1.2'), windowStart: now - 12 * hour });
  assert.equal(formatUsd(young.forecastPico), '27.6');
});
