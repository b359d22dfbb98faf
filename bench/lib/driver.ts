// The load driver: node:http clients over keep-alive connections, timed with performance.now().
//
// Three shapes, each bounded in count and in time:
//   closedLoop  fixed concurrency: N workers, each sending its next request when the last one ends;
//   openLoop    fixed rate: requests leave on a schedule whatever the answers do, and latency is
//               measured from the scheduled time (no coordinated omission);
//   streams     N workers each reading SSE streams back to back, recording time to first token
//               (the first content_block_delta), gaps between chunks, and whether each stream ended
//               whole (status 200, the expected deltas, message_stop).
// Built on node:http only, so the harness runs (and its smoke test passes) without bench/node_modules.
import { Agent, request, type IncomingMessage } from 'node:http';

export interface RequestSpec {
  port: number;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface LoadResult {
  requests: number;
  ok: number;
  errors: number;
  /** Non-200 statuses and transport errors, by name. */
  failures: Record<string, number>;
  /** The first failure's detail, to say why. */
  firstFailure?: string;
  /** Latency of successful requests, ms. */
  latencies: Float64Array;
  elapsedMs: number;
  /** Successful requests per second. */
  rps: number;
  /** Open loop only: requests not sent because too many were in flight. */
  dropped?: number;
}

const REQUEST_TIMEOUT_MS = 30_000;

function headersWithLength(spec: RequestSpec): Record<string, string | number> {
  return { ...spec.headers, 'content-type': 'application/json', 'content-length': spec.body.length };
}

type Outcome = { ok: true; ms: number } | { ok: false; failure: string; detail: string };

/** One request; resolves with its latency from `startedAt`, never rejects. */
function send(agent: Agent, spec: RequestSpec, headers: Record<string, string | number>, startedAt: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = request({ host: '127.0.0.1', port: spec.port, method: 'POST', path: spec.path, headers, agent }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status === 200) {
        res.on('data', noop);
        res.on('end', () => settle({ ok: true, ms: performance.now() - startedAt }));
      } else {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => settle({ ok: false, failure: `http ${status}`, detail: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      }
      res.on('error', (err) => settle({ ok: false, failure: 'response error', detail: err.message }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => settle({ ok: false, failure: err.code ?? 'error', detail: err.message }));
    req.end(spec.body);
  });
}

function noop(): void {}

class Recorder {
  latencies: Float64Array;
  count = 0;
  requests = 0;
  failures: Record<string, number> = {};
  firstFailure: string | undefined;
  constructor(capacity: number) {
    this.latencies = new Float64Array(Math.max(16, capacity));
  }
  record(outcome: Outcome): void {
    this.requests++;
    if (outcome.ok) {
      if (this.count === this.latencies.length) {
        const grown = new Float64Array(this.latencies.length * 2);
        grown.set(this.latencies);
        this.latencies = grown;
      }
      this.latencies[this.count++] = outcome.ms;
    } else {
      this.failures[outcome.failure] = (this.failures[outcome.failure] ?? 0) + 1;
      this.firstFailure ??= `${outcome.failure}: ${outcome.detail}`;
    }
  }
  result(elapsedMs: number): LoadResult {
    const errors = this.requests - this.count;
    return {
      requests: this.requests,
      ok: this.count,
      errors,
      failures: this.failures,
      ...(this.firstFailure === undefined ? {} : { firstFailure: this.firstFailure }),
      latencies: this.latencies.slice(0, this.count),
      elapsedMs,
      rps: (this.count * 1000) / elapsedMs,
    };
  }
}

export interface ClosedLoopOptions {
  concurrency: number;
  /** Stop after this many requests in all (undefined: only the duration bounds it). */
  maxRequests?: number | undefined;
  /** Stop sending after this long. */
  durationMs: number;
}

/**
 * `spec`, or several (e.g. replicas behind no load balancer): each request goes to the next one in turn, round-robin
 * over the whole loop, each worker keeping a keep-alive connection per target.
 */
export async function closedLoop(spec: RequestSpec | readonly RequestSpec[], options: ClosedLoopOptions): Promise<LoadResult> {
  const targets = Array.isArray(spec) ? (spec as readonly RequestSpec[]) : [spec as RequestSpec];
  // maxSockets counts per host and port: each target may hold one connection per worker.
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const headers = targets.map(headersWithLength);
  const recorder = new Recorder(options.maxRequests ?? options.concurrency * 1024);
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  const began = performance.now();
  const deadline = began + options.durationMs;
  const worker = async () => {
    while (issued < max && performance.now() < deadline) {
      const i = issued++ % targets.length;
      recorder.record(await send(agent, targets[i]!, headers[i]!, performance.now()));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - began;
  agent.destroy();
  return recorder.result(elapsed);
}

export interface OpenLoopOptions {
  /** Requests per second, sent on a fixed schedule. */
  rate: number;
  durationMs: number;
  /** More in flight than this and the scheduled request is dropped (counted), so a stalled target cannot exhaust the driver. */
  maxInFlight: number;
}

export async function openLoop(spec: RequestSpec, options: OpenLoopOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight, maxFreeSockets: options.maxInFlight });
  const headers = headersWithLength(spec);
  const total = Math.max(1, Math.floor((options.rate * options.durationMs) / 1000));
  const recorder = new Recorder(total);
  const interval = 1000 / options.rate;
  const began = performance.now() + 2;
  let next = 0;
  let inFlight = 0;
  let dropped = 0;
  await new Promise<void>((resolve) => {
    const maybeDone = () => {
      if (next >= total && inFlight === 0) resolve();
    };
    const pump = () => {
      const now = performance.now();
      while (next < total && began + next * interval <= now) {
        const scheduled = began + next * interval;
        next++;
        if (inFlight >= options.maxInFlight) {
          dropped++;
          continue;
        }
        inFlight++;
        void send(agent, spec, headers, scheduled).then((outcome) => {
          inFlight--;
          recorder.record(outcome);
          maybeDone();
        });
      }
      if (next < total) setTimeout(pump, Math.max(0, began + next * interval - performance.now()));
      else maybeDone();
    };
    setTimeout(pump, 2);
  });
  const elapsed = performance.now() - began;
  agent.destroy();
  return { ...recorder.result(elapsed), dropped };
}

export interface StreamOptions {
  concurrency: number;
  durationMs: number;
  /** Workers start spread over this long, so a thousand connections do not arrive in one burst. */
  rampMs: number;
  /** A gap between two chunks (or before the first) longer than this is a stall. */
  stallMs: number;
  /** content_block_delta events a whole stream carries (undefined: not checked). */
  expectedDeltas?: number | undefined;
}

export interface StreamResult {
  streams: number;
  /** 200, every expected delta, message_stop, no transport error. */
  whole: number;
  broken: number;
  /** Streams that had at least one stall. */
  stalled: number;
  maxGapMs: number;
  /** Time to the first content_block_delta, ms, of each whole stream. */
  ttft: Float64Array;
  /** Time to the first body byte, ms. */
  firstByte: Float64Array;
  /** Whole stream duration, ms. */
  durations: Float64Array;
  failures: Record<string, number>;
  firstFailure?: string;
  elapsedMs: number;
  /** The most streams open at one moment. */
  peakOpen: number;
}

const DELTA_MARK = 'event: content_block_delta';
const STOP_MARK = 'event: message_stop';

interface OneStream {
  ok: boolean;
  failure?: string;
  detail?: string;
  ttft: number;
  firstByte: number;
  duration: number;
  maxGap: number;
  stalled: boolean;
}

function countMarks(text: string, mark: string): number {
  let n = 0;
  for (let at = text.indexOf(mark); at !== -1; at = text.indexOf(mark, at + mark.length)) n++;
  return n;
}

function oneStream(agent: Agent, spec: RequestSpec, headers: Record<string, string | number>, options: StreamOptions): Promise<OneStream> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let last = t0;
    let maxGap = 0;
    let firstByte = -1;
    let ttft = -1;
    let deltas = 0;
    let tail = '';
    let settled = false;
    const fail = (failure: string, detail: string) => {
      if (settled) return;
      settled = true;
      resolve({ ok: false, failure, detail, ttft, firstByte, duration: performance.now() - t0, maxGap, stalled: maxGap > options.stallMs });
    };
    const req = request({ host: '127.0.0.1', port: spec.port, method: 'POST', path: spec.path, headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => fail(`http ${status}`, Buffer.concat(chunks).toString('utf8').slice(0, 300)));
        return;
      }
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        const gap = now - last;
        if (gap > maxGap) maxGap = gap;
        last = now;
        if (firstByte < 0) firstByte = now - t0;
        // Marks split across chunks are found by searching the previous chunk's tail too.
        // (marks wholly inside that tail were counted with the previous chunk).
        const text = tail + chunk.toString('latin1');
        const found = countMarks(text, DELTA_MARK) - countMarks(tail, DELTA_MARK);
        if (found > 0 && ttft < 0) ttft = now - t0;
        deltas += found;
        tail = text.length > 128 ? text.slice(-128) : text;
      });
      res.on('end', () => {
        if (settled) return;
        const duration = performance.now() - t0;
        const stopped = tail.includes(STOP_MARK);
        const countOk = options.expectedDeltas === undefined || deltas === options.expectedDeltas;
        if (!stopped || !countOk || ttft < 0) {
          fail('incomplete stream', `message_stop ${stopped ? 'seen' : 'missing'}, ${deltas} deltas${options.expectedDeltas === undefined ? '' : ` of ${options.expectedDeltas}`}; tail ${JSON.stringify(tail)}`);
          return;
        }
        settled = true;
        resolve({ ok: true, ttft, firstByte, duration, maxGap, stalled: maxGap > options.stallMs });
      });
      res.on('error', (err) => fail('response error', err.message));
      res.on('aborted', () => fail('aborted', 'the connection closed mid-stream'));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`stream idle for ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'error', err.message));
    req.end(spec.body);
  });
}

export async function streams(spec: RequestSpec, options: StreamOptions): Promise<StreamResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const headers = headersWithLength(spec);
  const ttft: number[] = [];
  const firstByte: number[] = [];
  const durations: number[] = [];
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  let count = 0;
  let whole = 0;
  let stalled = 0;
  let maxGap = 0;
  let open = 0;
  let peakOpen = 0;
  const began = performance.now();
  const deadline = began + options.durationMs;
  const worker = async (index: number) => {
    const delay = (options.rampMs * index) / options.concurrency;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    while (performance.now() < deadline) {
      count++;
      open++;
      if (open > peakOpen) peakOpen = open;
      const s = await oneStream(agent, spec, headers, options);
      open--;
      if (s.maxGap > maxGap) maxGap = s.maxGap;
      if (s.stalled) stalled++;
      if (s.ok) {
        whole++;
        ttft.push(s.ttft);
        firstByte.push(s.firstByte);
        durations.push(s.duration);
      } else {
        failures[s.failure!] = (failures[s.failure!] ?? 0) + 1;
        firstFailure ??= `${s.failure}: ${s.detail}`;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  const elapsed = performance.now() - began;
  agent.destroy();
  return {
    streams: count,
    whole,
    broken: count - whole,
    stalled,
    maxGapMs: maxGap,
    ttft: Float64Array.from(ttft),
    firstByte: Float64Array.from(firstByte),
    durations: Float64Array.from(durations),
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    elapsedMs: elapsed,
    peakOpen,
  };
}
