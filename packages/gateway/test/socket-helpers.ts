// Raw-socket test helpers: what a client sees byte for byte, where an HTTP client would hide it (a reset,
// a close without an answer, two answers on one connection, their order).
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import assert from 'node:assert/strict';
import { GUID, REQUEST_ID, type TestGateway } from './helpers.ts';

export interface SocketOutcome {
  /** Everything the server sent, as text. */
  text: string;
  /** The server closed the connection (cleanly or not) before `timeoutMs`. */
  closed: boolean;
  /** The connection ended with a reset or another socket error. */
  error: string | undefined;
  /** From connecting to the close (or to the timeout). */
  ms: number;
}

export interface ExchangeOptions {
  timeoutMs?: number;
  /** Stop (and destroy the socket) as soon as the text received satisfies this. */
  until?: (text: string) => boolean;
  tls?: { ca: string };
}

/** Connects to the gateway, lets `drive` write whatever it likes, and collects the answer until the server closes. */
export function exchange(gw: TestGateway, drive: (socket: Socket) => void, options: ExchangeOptions = {}): Promise<SocketOutcome> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    const start = performance.now();
    let text = '';
    let error: string | undefined;
    let done = false;
    const socket: Socket = options.tls
      ? connectTls({ host: '127.0.0.1', port: gw.httpsPort, ca: options.tls.ca, servername: 'localhost' }, () => drive(socket))
      : connect(gw.port, '127.0.0.1', () => drive(socket));
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, error, ms: performance.now() - start });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (options.until?.(text)) finish(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => finish(true));
  });
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTTP/1.1 responses in `text`, in order (bodies by content-length). */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/** Whether `text` holds `count` whole responses. */
export const hasResponses = (count: number) => (text: string) => {
  const responses = parseResponses(text);
  return responses.length >= count && responses.every((r) => Buffer.byteLength(r.body, 'latin1') === Number(r.headers['content-length'] ?? 0));
};

/** The head of a Messages request with key1, for a body of `length` bytes. */
export function messagesHead(gw: TestGateway, length: number, extra = ''): string {
  return (
    `POST /${gw.config.resources[0]!.name}/anthropic/v1/messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
    `anthropic-version: 2023-06-01\r\nx-api-key: ${gw.keys().key1}\r\ncontent-length: ${length}\r\n${extra}\r\n`
  );
}

/** A whole Messages request on the wire. */
export function messagesRequest(gw: TestGateway, body: string): string {
  return messagesHead(gw, Buffer.byteLength(body)) + body;
}

/** An answer that went through the error catalogue: its status, both correlation ids, a JSON body with the code and message. */
export function assertCatalogued(r: ParsedResponse | undefined, status: number, code: string, message: RegExp): void {
  assert.ok(r, 'an answer was sent');
  assert.equal(r.status, status, r.body);
  assert.match(r.headers['request-id'] ?? '', REQUEST_ID);
  assert.match(r.headers['apim-request-id'] ?? '', GUID);
  assert.equal(r.headers['content-type'], 'application/json');
  const body = JSON.parse(r.body) as { error: { code?: string; type?: string; message: string }; request_id?: string };
  assert.equal(body.error.code ?? body.error.type, code);
  assert.match(body.error.message, message);
  if (body.request_id !== undefined) assert.equal(body.request_id, r.headers['request-id']);
}

/** What a plain TCP connect to `port` meets: 'connected', or the error code (ECONNREFUSED once a listener is gone). */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
