// The scenarios, in three sizes: full (the benchmark, minutes), quick (a short run) and smoke (seconds,
// for the test suite). Each is bounded in requests and in time.

export type Size = 'full' | 'quick' | 'smoke';

interface Base {
  id: string;
  title: string;
  /** The `model` sent: it selects the mock's profile (and the deployment on claude-foundry). */
  model: string;
  stream: boolean;
  /** Request body size in bytes (approximate: a user message padded with words). */
  bodyBytes: number;
}

export interface ClosedScenario extends Base {
  kind: 'closed';
  concurrency: number;
  requests?: number;
  durationMs: number;
  warmup: { requests?: number; durationMs: number };
  /** Measure the target's CPU time per request over the run (concurrency 1). */
  cpu: boolean;
}

export interface OpenScenario extends Base {
  kind: 'open';
  rate: number;
  durationMs: number;
  maxInFlight: number;
  warmup: { requests?: number; durationMs: number };
}

export interface StreamScenario extends Base {
  kind: 'streams';
  concurrency: number;
  durationMs: number;
  rampMs: number;
  stallMs: number;
  expectedDeltas: number;
  warmup: { requests?: number; durationMs: number };
}

export interface SweepScenario extends Base {
  kind: 'sweep';
  /** Concurrent streams per level, rising; a target stops at its first level with a stall or a broken stream. */
  levels: number[];
  durationMs: number;
  rampMs: number;
  stallMs: number;
  expectedDeltas: number;
}

export type Scenario = ClosedScenario | OpenScenario | StreamScenario | SweepScenario;

export const STREAM_CHUNKS = 64;
export const STREAM_INTERVAL_MS = 20;

export function scenarios(size: Size): Scenario[] {
  const q = size === 'quick';
  if (size === 'smoke') {
    return [
      { id: 'c1', title: 'c=1, small JSON, 0 ms upstream', kind: 'closed', model: 'mock-0', stream: false, bodyBytes: 0, concurrency: 1, requests: 40, durationMs: 3_000, warmup: { requests: 10, durationMs: 1_000 }, cpu: true },
      { id: 'c32-20ms', title: 'c=4, small JSON, 20 ms upstream', kind: 'closed', model: 'mock-20', stream: false, bodyBytes: 0, concurrency: 4, durationMs: 400, warmup: { durationMs: 100 }, cpu: false },
      { id: 'c1-100kb', title: 'c=1, 100 KB body', kind: 'closed', model: 'mock-0', stream: false, bodyBytes: 100_000, concurrency: 1, requests: 5, durationMs: 2_000, warmup: { requests: 2, durationMs: 500 }, cpu: false },
      { id: 'streams-c50', title: 'c=2 streams of 8 × 5 ms', kind: 'streams', model: 'mock-stream-8-5', stream: true, bodyBytes: 0, concurrency: 2, durationMs: 300, rampMs: 0, stallMs: 1_000, expectedDeltas: 8, warmup: { durationMs: 0 } },
      { id: 'streams-sweep', title: 'concurrent streams of 8 × 5 ms', kind: 'sweep', model: 'mock-stream-8-5', stream: true, bodyBytes: 0, levels: [4], durationMs: 200, rampMs: 20, stallMs: 1_000, expectedDeltas: 8 },
    ];
  }
  const streamModel = `mock-stream-${STREAM_CHUNKS}-${STREAM_INTERVAL_MS}`;
  return [
    {
      id: 'c1', title: 'c=1, small JSON, 0 ms upstream', kind: 'closed', model: 'mock-0', stream: false, bodyBytes: 0,
      concurrency: 1, requests: q ? 1_500 : 5_000, durationMs: q ? 10_000 : 25_000, warmup: { requests: q ? 3_000 : 8_000, durationMs: 10_000 }, cpu: true,
    },
    {
      id: 'c32-20ms', title: 'c=32, small JSON, 20 ms upstream', kind: 'closed', model: 'mock-20', stream: false, bodyBytes: 0,
      concurrency: 32, durationMs: q ? 3_000 : 10_000, warmup: { durationMs: q ? 500 : 1_500 }, cpu: false,
    },
    {
      id: 'rate-20ms', title: 'fixed rate 400/s, small JSON, 20 ms upstream (open loop)', kind: 'open', model: 'mock-20', stream: false, bodyBytes: 0,
      rate: 400, durationMs: q ? 3_000 : 8_000, maxInFlight: 2_000, warmup: { durationMs: q ? 300 : 1_000 },
    },
    {
      id: 'c1-100kb', title: 'c=1, 100 KB body, 0 ms upstream', kind: 'closed', model: 'mock-0', stream: false, bodyBytes: 100_000,
      concurrency: 1, requests: q ? 300 : 1_000, durationMs: q ? 8_000 : 20_000, warmup: { requests: q ? 300 : 1_000, durationMs: 10_000 }, cpu: true,
    },
    {
      id: 'c32-0ms', title: 'c=32, small JSON, 0 ms upstream (max req/s)', kind: 'closed', model: 'mock-0', stream: false, bodyBytes: 0,
      concurrency: 32, durationMs: q ? 2_000 : 5_000, warmup: { durationMs: q ? 300 : 1_000 }, cpu: true,
    },
    {
      id: 'streams-c50', title: `c=50 streams of ${STREAM_CHUNKS} × ${STREAM_INTERVAL_MS} ms`, kind: 'streams', model: streamModel, stream: true, bodyBytes: 0,
      concurrency: 50, durationMs: q ? 4_000 : 8_000, rampMs: 500, stallMs: 1_000, expectedDeltas: STREAM_CHUNKS, warmup: { durationMs: q ? 1_500 : 2_000 },
    },
    {
      id: 'streams-sweep', title: `concurrent streams of ${STREAM_CHUNKS} × ${STREAM_INTERVAL_MS} ms, rising`, kind: 'sweep', model: streamModel, stream: true, bodyBytes: 0,
      levels: q ? [250, 1_000] : [100, 250, 500, 1_000], durationMs: q ? 4_000 : 6_000, rampMs: 1_000, stallMs: 1_000, expectedDeltas: STREAM_CHUNKS,
    },
  ];
}

/** Every model a scenario list sends, so claude-foundry's config can have a deployment for each. */
export function modelsOf(list: Scenario[]): string[] {
  // mock-0 always: every target is probed with a small JSON request before it is measured (run.ts).
  return [...new Set([PROBE_MODEL, ...list.map((s) => s.model)])];
}

/** The model of the probe's JSON and 100 KB requests. */
export const PROBE_MODEL = 'mock-0';

const WORDS = 'the quick brown fox jumps over a lazy dog while benchmark payloads fill the prompt with plain text '.split(' ');

/** A Messages request of about `bytes` bytes (a small one when 0). */
export function requestBody(s: Pick<Base, 'model' | 'stream' | 'bodyBytes'>): Buffer {
  let content = 'Hello, Claude. Say hello back in one short sentence.';
  if (s.bodyBytes > 0) {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < s.bodyBytes - 120; i++) {
      const w = WORDS[i % WORDS.length]!;
      parts.push(w);
      size += w.length + 1;
    }
    content = parts.join(' ');
  }
  const body: Record<string, unknown> = { model: s.model, max_tokens: 256, messages: [{ role: 'user', content }] };
  if (s.stream) body['stream'] = true;
  return Buffer.from(JSON.stringify(body));
}
