// Test helpers: a recording HTTP server on port 0 that answers like Foundry, a recording fetch for hosts no test can reach, and scoped env vars.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body, or for `sse`, the events. */
  json?: unknown;
  sse?: Array<{ event: string; data: unknown }>;
}

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order; when none is left, `fallback` answers. */
  queue: Reply[];
  close(): Promise<void>;
}

export const MESSAGE = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: [{ type: 'text', text: 'Hello!' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 9, output_tokens: 3 },
};

export const IDS = { 'request-id': 'req_011CTest', 'apim-request-id': '9da39506-6c13-4b3c-9d3e-0d0a0c1e2f3a' };

export const STREAM_EVENTS = [
  { event: 'message_start', data: { type: 'message_start', message: { ...MESSAGE, content: [], stop_reason: null, usage: { input_tokens: 9, output_tokens: 1 } } } },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello!' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
  { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } } },
  { event: 'message_stop', data: { type: 'message_stop' } },
];

/** A real HTTP server that records every request and answers a Message (or the queued replies) with both IDs. */
export async function startRecorder(fallback: Reply = { json: MESSAGE }): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = queue.shift() ?? fallback;
      if (reply.sse) {
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', ...IDS, ...reply.headers });
        res.end(reply.sse.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''));
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...IDS, ...reply.headers });
      res.end(JSON.stringify(reply.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CapturedCall {
  url: string;
  headers: Headers;
  body: string;
}

/** A `fetch` for hosts no test can reach (`*.services.ai.azure.com`): records the call and answers a Message. */
export function recordingFetch(): { fetch: typeof fetch; calls: CapturedCall[] } {
  const calls: CapturedCall[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
    return new Response(JSON.stringify(MESSAGE), { status: 200, headers: { 'content-type': 'application/json', ...IDS } });
  };
  return { fetch: fake as typeof fetch, calls };
}

export const FOUNDRY_ENV = ['ANTHROPIC_FOUNDRY_API_KEY', 'ANTHROPIC_FOUNDRY_RESOURCE', 'ANTHROPIC_FOUNDRY_BASE_URL'] as const;

/** Runs `fn` with exactly these ANTHROPIC_FOUNDRY_* variables set (the others unset), then restores the environment. */
export async function withEnv<T>(vars: Partial<Record<(typeof FOUNDRY_ENV)[number], string>>, fn: () => T | Promise<T>): Promise<T> {
  const saved = new Map(FOUNDRY_ENV.map((name) => [name, process.env[name]]));
  for (const name of FOUNDRY_ENV) delete process.env[name];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };
