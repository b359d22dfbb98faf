// A mock upstream speaking the Anthropic Messages wire format, for the benchmark. Its own process.
//
//   node bench/mock-upstream.ts [--port 0] [--latency-ms 0] [--chunks 64] [--interval-ms 20] [--status 529]
//
// POST …/messages answers one small Anthropic message (JSON) after the latency, or, when the body
// says "stream":true, a server-sent event stream: message_start, content_block_start and ping at once
// (after the latency), then `chunks` content_block_delta events, one every `interval-ms` (scheduled
// against deadlines, so pacing does not drift), the last one followed by content_block_stop,
// message_delta and message_stop in the same write. POST …/count_tokens answers {"input_tokens":…}.
// GET /stats gives the requests and request bytes seen (the harness checks 100 KB bodies arrived).
//
// The request's `model` may override the profile, so that one mock serves every scenario through any
// gateway (the model is the one field every gateway forwards): `mock-<latencyMs>` for JSON,
// `mock-stream-<chunks>-<intervalMs>` for streams. The body is not parsed: the model and the stream
// flag are found by a byte search, so a 100 KB body costs the mock little.
//
// `--status N` answers every POST …/messages with that status and an Anthropic error body, after the same latency:
// an upstream that is overloaded (529) or failing, for the pool's failover measurement (bench/pool.ts).
//
// Prints `READY {"port":N}` once listening; SIGTERM closes it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string', default: '0' },
    chunks: { type: 'string', default: '64' },
    'interval-ms': { type: 'string', default: '20' },
    status: { type: 'string' },
  },
});
const FAIL_STATUS = values.status === undefined ? undefined : Number(values.status);

const DEFAULTS = { latencyMs: Number(values['latency-ms']), chunks: Number(values.chunks), intervalMs: Number(values['interval-ms']) };

const MODEL_KEY = Buffer.from('"model"');
const STREAM_TRUE = /"stream"\s*:\s*true/;
const JSON_MODEL = /^mock-(\d{1,5})$/;
const STREAM_MODEL = /^mock-stream-(\d{1,5})-(\d{1,5})$/;

let requests = 0;
let requestBytes = 0;
let openStreams = 0;
let idCounter = 0;

function nextId(prefix: string): string {
  idCounter++;
  return `${prefix}_bench${process.pid.toString(36)}${idCounter.toString(36).padStart(12, '0')}`;
}

/** The `model` string of a JSON body, found without parsing it. */
function modelOf(body: Buffer): string | undefined {
  const at = body.indexOf(MODEL_KEY);
  if (at === -1) return undefined;
  const open = body.indexOf(0x22, body.indexOf(0x3a, at + MODEL_KEY.length) + 1);
  if (open === -1) return undefined;
  const close = body.indexOf(0x22, open + 1);
  if (close === -1 || close - open > 200) return undefined;
  return body.toString('latin1', open + 1, close);
}

/** The stream flag, searched in the body's first and last 2 KB (where a gateway puts top-level fields, not in 100 KB of text). */
function wantsStream(body: Buffer): boolean {
  if (body.length <= 4096) return STREAM_TRUE.test(body.toString('latin1'));
  return STREAM_TRUE.test(body.toString('latin1', 0, 2048)) || STREAM_TRUE.test(body.toString('latin1', body.length - 2048));
}

function commonHeaders(requestId: string): Record<string, string> {
  return {
    'request-id': requestId,
    // Real Anthropic answers carry these; a faithful gateway strips them.
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': '3999',
    'anthropic-ratelimit-tokens-limit': '2000000',
    'anthropic-ratelimit-tokens-remaining': '1999000',
  };
}

const TEXT = 'Hello! This is the benchmark mock upstream answering.';

function jsonReply(res: ServerResponse, model: string): void {
  const requestId = nextId('req');
  const body = JSON.stringify({
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: TEXT }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 12 },
  });
  res.writeHead(200, { ...commonHeaders(requestId), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function event(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function streamReply(res: ServerResponse, model: string, chunks: number, intervalMs: number): void {
  const requestId = nextId('req');
  res.writeHead(200, { ...commonHeaders(requestId), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  openStreams++;
  const start =
    event('message_start', {
      type: 'message_start',
      message: {
        id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
        usage: { input_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }) +
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    event('ping', { type: 'ping' });
  res.write(start);
  const delta = event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' word' } });
  const end =
    event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 16, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: chunks },
    }) +
    event('message_stop', { type: 'message_stop' });
  const began = performance.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    openStreams--;
    if (timer) clearTimeout(timer);
  };
  res.once('close', finish);
  const tick = () => {
    if (done) return;
    sent++;
    if (sent >= chunks) {
      res.end(delta + end);
      finish();
      return;
    }
    res.write(delta);
    timer = setTimeout(tick, Math.max(0, began + (sent + 1) * intervalMs - performance.now()));
  };
  if (chunks <= 0) {
    res.end(end);
    finish();
    return;
  }
  timer = setTimeout(tick, intervalMs);
}

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, requestBytes, openStreams }));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"invalid_request_error","message":"POST only"}}');
    return;
  }
  requests++;
  requestBytes += body.length;
  const path = url.split('?', 1)[0]!;
  if (path.endsWith('/count_tokens')) {
    const reply = JSON.stringify({ input_tokens: Math.max(1, Math.round(body.length / 4)) });
    res.writeHead(200, { ...commonHeaders(nextId('req')), 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    res.end(reply);
    return;
  }
  if (!path.endsWith('/messages')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"not_found_error","message":"Not found"}}');
    return;
  }
  const model = modelOf(body) ?? 'mock';
  const streamModel = STREAM_MODEL.exec(model);
  const jsonModel = JSON_MODEL.exec(model);
  const latencyMs = jsonModel ? Number(jsonModel[1]) : DEFAULTS.latencyMs;
  const answer = () => {
    if (!res.writable) return;
    if (FAIL_STATUS !== undefined) {
      const error = JSON.stringify({ type: 'error', error: { type: FAIL_STATUS === 529 ? 'overloaded_error' : 'api_error', message: 'Overloaded' }, request_id: nextId('req') });
      res.writeHead(FAIL_STATUS, { ...commonHeaders(nextId('req')), 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) });
      res.end(error);
      return;
    }
    if (wantsStream(body)) {
      streamReply(res, model, streamModel ? Number(streamModel[1]) : DEFAULTS.chunks, streamModel ? Number(streamModel[2]) : DEFAULTS.intervalMs);
    } else {
      jsonReply(res, model);
    }
  };
  if (latencyMs > 0) setTimeout(answer, latencyMs);
  else answer();
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
});
server.listen(Number(values.port), values.host, 1024, () => {
  process.stdout.write(`READY ${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
