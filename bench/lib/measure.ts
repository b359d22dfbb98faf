// Runs one scenario against one target and turns the driver's samples into figures, with the target
// process's CPU time and peak resident memory over the run.
import { loadavg } from 'node:os';
import { closedLoop, openLoop, streams, type LoadResult, type RequestSpec, type StreamResult } from './driver.ts';
import { cpuMicros, sampleRss } from './proc.ts';
import { requestBody, type ClosedScenario, type OpenScenario, type Scenario, type StreamScenario } from './scenarios.ts';
import { mean, percentile, round } from './stats.ts';
import type { Target } from './targets.ts';

/** One run's figures; latencies in ms, CPU in µs. */
export interface RunFigures {
  requests: number;
  ok: number;
  errors: number;
  rps: number;
  p50?: number;
  p90?: number;
  p99?: number;
  mean?: number;
  /** Soak: RSS growth, second-half mean minus first-half mean, MB. */
  rssDriftMB?: number;
  max?: number;
  cpuUsPerRequest?: number;
  dropped?: number;
  streams?: number;
  broken?: number;
  stalled?: number;
  maxGapMs?: number;
  ttftP50?: number;
  ttftP99?: number;
  firstByteP50?: number;
  durationP50?: number;
  peakOpen?: number;
  concurrency?: number;
  /** Streams: the target's CPU time per whole stream (64 chunks in, 64 out). */
  cpuUsPerStream?: number;
  rssPeakMB: number;
  /** The machine's 1-minute load average when the run began (2 cores: above ~2, other work competed). */
  load1?: number;
  failures?: Record<string, number>;
  firstFailure?: string;
}

export function specFor(target: Target, scenario: Pick<Scenario, 'model' | 'stream' | 'bodyBytes'>): RequestSpec {
  return { port: target.port, path: target.path, headers: target.headers, body: requestBody(scenario) };
}

function loadFigures(r: LoadResult): Omit<RunFigures, 'rssPeakMB'> {
  const f: Omit<RunFigures, 'rssPeakMB'> = {
    requests: r.requests,
    ok: r.ok,
    errors: r.errors,
    rps: round(r.rps, 1),
    p50: round(percentile(r.latencies, 50)),
    p90: round(percentile(r.latencies, 90)),
    p99: round(percentile(r.latencies, 99)),
    mean: round(mean(r.latencies)),
    max: round(r.latencies.length ? r.latencies.reduce((m, v) => (v > m ? v : m), 0) : Number.NaN),
  };
  if (r.dropped !== undefined) f.dropped = r.dropped;
  if (r.errors > 0) {
    f.failures = r.failures;
    if (r.firstFailure !== undefined) f.firstFailure = r.firstFailure;
  }
  return f;
}

function streamFigures(r: StreamResult, concurrency: number): Omit<RunFigures, 'rssPeakMB'> {
  const f: Omit<RunFigures, 'rssPeakMB'> = {
    requests: r.streams,
    ok: r.whole,
    errors: r.broken,
    rps: round((r.whole * 1000) / r.elapsedMs, 1),
    streams: r.streams,
    broken: r.broken,
    stalled: r.stalled,
    maxGapMs: round(r.maxGapMs, 1),
    ttftP50: round(percentile(r.ttft, 50)),
    ttftP99: round(percentile(r.ttft, 99)),
    firstByteP50: round(percentile(r.firstByte, 50)),
    durationP50: round(percentile(r.durations, 50), 1),
    peakOpen: r.peakOpen,
    concurrency,
  };
  if (r.broken > 0) {
    f.failures = r.failures;
    if (r.firstFailure !== undefined) f.firstFailure = r.firstFailure;
  }
  return f;
}

export async function warmUp(target: Target, scenario: Scenario): Promise<void> {
  if (scenario.kind === 'sweep') return;
  const { warmup } = scenario;
  if (warmup.durationMs <= 0 && !warmup.requests) return;
  const spec = specFor(target, scenario);
  if (scenario.kind === 'streams') {
    await streams(spec, { concurrency: scenario.concurrency, durationMs: warmup.durationMs, rampMs: scenario.rampMs, stallMs: scenario.stallMs });
    return;
  }
  const concurrency = scenario.kind === 'closed' ? scenario.concurrency : Math.min(32, scenario.maxInFlight);
  await closedLoop(spec, { concurrency, maxRequests: warmup.requests, durationMs: warmup.durationMs });
}

async function withProcessStats<T>(target: Target, run: () => Promise<T>): Promise<{ result: T; cpuUs: number; rssPeakMB: number; load1: number }> {
  const load1 = round(loadavg()[0]!, 2);
  const rss = sampleRss(target.pid, 100);
  const cpu0 = cpuMicros(target.pid);
  const result = await run();
  const cpu1 = cpuMicros(target.pid);
  return { result, cpuUs: cpu1 - cpu0, rssPeakMB: round(rss.stop().peakMB, 1), load1 };
}

export async function runClosed(target: Target, s: ClosedScenario): Promise<RunFigures> {
  const spec = specFor(target, s);
  const { result, cpuUs, rssPeakMB, load1 } = await withProcessStats(target, () =>
    closedLoop(spec, { concurrency: s.concurrency, maxRequests: s.requests, durationMs: s.durationMs }),
  );
  const figures: RunFigures = { ...loadFigures(result), rssPeakMB, load1 };
  if (s.cpu && result.requests > 0) figures.cpuUsPerRequest = round(cpuUs / result.requests, 1);
  return figures;
}

export async function runOpen(target: Target, s: OpenScenario): Promise<RunFigures> {
  const spec = specFor(target, s);
  const { result, rssPeakMB, load1 } = await withProcessStats(target, () => openLoop(spec, { rate: s.rate, durationMs: s.durationMs, maxInFlight: s.maxInFlight }));
  return { ...loadFigures(result), rssPeakMB, load1 };
}

export async function runStreams(
  target: Target,
  s: Pick<StreamScenario, 'model' | 'stream' | 'bodyBytes' | 'durationMs' | 'rampMs' | 'stallMs' | 'expectedDeltas'>,
  concurrency: number,
  checkDeltas: boolean,
): Promise<RunFigures> {
  const spec = specFor(target, s);
  const { result, rssPeakMB, cpuUs, load1 } = await withProcessStats(target, () =>
    streams(spec, {
      concurrency,
      durationMs: s.durationMs,
      rampMs: s.rampMs,
      stallMs: s.stallMs,
      expectedDeltas: checkDeltas ? s.expectedDeltas : undefined,
    }),
  );
  const figures: RunFigures = { ...streamFigures(result, concurrency), rssPeakMB, load1 };
  if (result.streams > 0) figures.cpuUsPerStream = round(cpuUs / result.streams, 0);
  return figures;
}
