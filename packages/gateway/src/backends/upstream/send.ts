// One exchange with an upstream, as an undici dispatch handler: the connect timeout is the pool's, the
// first-byte and between-chunks timeouts are undici's headersTimeout and bodyTimeout (all three checked
// on a tick of about half a second, so they fire up to ~1 s after their value); a client that goes
// away aborts the exchange at once; a reused keep-alive connection that turns out to be dead before any
// byte of answer is retried once on another; network failures become 502/504 errors that say what
// happened without naming the upstream's address. Once answered, the body goes chunk by chunk to one
// reader (pipe.ts), straight from undici's callbacks: no stream, no promise per chunk.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamTimeouts } from '../../control/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { incomingHeaders } from './headers.ts';
import type { ConnectionAware, UpstreamConnection } from './pool.ts';

export interface UpstreamRequest {
  /** The pool of the upstream's origin (pool.ts). */
  pool: Dispatcher;
  /** The path and query on that origin. */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeouts: UpstreamTimeouts;
  /** The client's signal: aborting it cuts the upstream exchange at once. */
  signal: AbortSignal;
  /** Names the upstream in errors, e.g. "The upstream of deployment 'sonnet'". */
  label: string;
}

/**
 * Whoever reads an answer's body: each chunk, then its end or the error that cut it short. A chunk may
 * still come after the reader paused the exchange (undici delivers the rest of a body the server closed).
 */
export interface BodyReader {
  data(chunk: Buffer): void;
  end(): void;
  error(err: GatewayError): void;
}

/** Errors that mean a pooled connection had been closed by the other side while idle (UND_ERR_SOCKET reads as ECONNRESET). */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Body bytes kept while no reader is attached yet; past this the upstream is paused. */
const EARLY_BYTES = 64 * 1024;

/** Sends the request; resolves with the exchange once the upstream's status and headers are in. */
export function sendUpstream(r: UpstreamRequest): Promise<UpstreamExchange> {
  return new UpstreamExchange(r).answered;
}

export class UpstreamExchange implements Dispatcher.DispatchHandler, ConnectionAware {
  /** Set by the connection that carries the exchange. */
  connection: UpstreamConnection | undefined;
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly answered: Promise<UpstreamExchange>;
  readonly #r: UpstreamRequest;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #resolve: (exchange: UpstreamExchange) => void;
  readonly #reject: (err: GatewayError) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #reused = false;
  #retried = false;
  /** Why the exchange failed before an answer, once it did. */
  #failure: GatewayError | undefined;
  /** How the body ended: true, or the error that cut it; undefined while it flows. */
  #outcome: true | GatewayError | undefined;
  #reader: BodyReader | undefined;
  /** The reader asked for a pause (its output is full) and has not resumed. */
  #paused = false;
  #early: Buffer[] | undefined;
  #earlyBytes = 0;
  readonly #onAbort = () => this.#clientGone();

  constructor(r: UpstreamRequest) {
    this.#r = r;
    const answered = Promise.withResolvers<UpstreamExchange>();
    this.answered = answered.promise;
    this.#resolve = answered.resolve;
    this.#reject = answered.reject;
    this.#options = { path: r.path, method: 'POST', headers: r.headers, body: r.body, headersTimeout: r.timeouts.firstByteMs, bodyTimeout: r.timeouts.betweenChunksMs };
    if (r.signal.aborted) {
      this.#fail(clientGone(r.label));
      return;
    }
    r.signal.addEventListener('abort', this.#onAbort, { once: true });
    r.pool.dispatch(this.#options, this);
  }

  get signal(): AbortSignal {
    return this.#r.signal;
  }

  // ---- undici's callbacks ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // The client left while the request waited for a connection: it is never written.
    if (this.#failure) controller.abort(this.#failure);
    else this.#reused = this.connection !== undefined && this.connection.answered > 0;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // 1xx: informational, the answer follows
    if (this.connection) this.connection.answered++;
    this.status = status;
    this.headers = incomingHeaders(headers);
    this.#resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#reader) {
      this.#reader.data(chunk);
      return;
    }
    // Answered, but the reader is not attached yet (it is, a few microtasks later): keep the chunk.
    (this.#early ??= []).push(chunk);
    this.#earlyBytes += chunk.length;
    if (this.#earlyBytes >= EARLY_BYTES) controller.pause();
  }

  onResponseEnd(): void {
    this.#finish(true);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (this.status !== 0) {
      this.#finish(this.#midway(err));
      return;
    }
    if (this.#failure) return; // already reported (the client left first)
    if (!this.#retried && this.#reused && STALE.has(codeOf(err) ?? '')) {
      this.#retried = true;
      this.#reused = false;
      this.#controller = undefined;
      this.#r.pool.dispatch(this.#options, this);
      return;
    }
    this.#fail(this.#beforeAnswer(err));
  }

  // ---- the body's reader ----

  /** Attaches the one reader of the body: what arrived so far is given at once, the rest as it comes. */
  read(reader: BodyReader): void {
    this.#reader = reader;
    const early = this.#early;
    if (early) {
      this.#early = undefined;
      for (const chunk of early) reader.data(chunk);
    }
    const outcome = this.#outcome;
    if (outcome === true) reader.end();
    else if (outcome) reader.error(outcome);
    else if (!this.#paused) this.#controller?.resume(); // if too much came before the reader did
  }

  /** Stops reading from the upstream until resume(): for a reader whose own output is full. */
  pause(): void {
    this.#paused = true;
    this.#controller?.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.#outcome === undefined) this.#controller?.resume();
  }

  /** The reader gives up before the end: the exchange is cut and nothing more is delivered. */
  cancel(): void {
    this.#reader = undefined;
    if (this.#outcome === undefined) this.#controller?.abort(new Error('The reader of the reply stopped.'));
  }

  // ---- endings ----

  #clientGone(): void {
    const err = clientGone(this.#r.label);
    if (this.#controller) this.#controller.abort(err); // reported back through onResponseError
    else this.#fail(err);
  }

  #fail(err: GatewayError): void {
    this.#failure = err;
    this.#r.signal.removeEventListener('abort', this.#onAbort);
    this.#reject(err);
  }

  #finish(outcome: true | GatewayError): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#r.signal.removeEventListener('abort', this.#onAbort);
    const reader = this.#reader;
    if (!reader) return;
    if (outcome === true) reader.end();
    else reader.error(outcome);
  }

  /** A failure before the answer's headers. */
  #beforeAnswer(err: unknown): GatewayError {
    const { label, timeouts } = this.#r;
    switch (codeOf(err)) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return new GatewayError('gateway_timeout', `${label} did not accept a connection within ${timeouts.connectMs} ms.`);
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new GatewayError('gateway_timeout', `${label} sent no response within ${timeouts.firstByteMs} ms.`);
      default:
        return upstreamFailure(err, label);
    }
  }

  /** A failure in the middle of the body. */
  #midway(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    const { label, timeouts } = this.#r;
    if (codeOf(err) === 'UND_ERR_BODY_TIMEOUT') return silenceError(timeouts.betweenChunksMs, label);
    return lostMidway(err, label);
  }
}

/**
 * An error's code as the client is told it. undici's "other side closed" (UND_ERR_SOCKET) is the peer
 * closing the connection before the reply was complete: what node:http reported as ECONNRESET.
 */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  return code === 'UND_ERR_SOCKET' ? 'ECONNRESET' : code;
}

function clientGone(label: string): GatewayError {
  return new GatewayError('bad_gateway', `The client closed the request before ${label} answered.`);
}

/** A network error as the client should see it: 502 unless it is one of our timeouts (504). */
export function upstreamFailure(err: unknown, label: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const code = codeOf(err);
  return new GatewayError('bad_gateway', `${label} could not be reached${code ? ` (${code})` : ''}.`);
}

export function silenceError(ms: number, label: string): GatewayError {
  return new GatewayError('gateway_timeout', `${label} sent nothing for ${ms} ms in the middle of its reply.`);
}

export function lostMidway(err: unknown, label: string): GatewayError {
  const code = codeOf(err);
  return code ? new GatewayError('bad_gateway', `${label} closed the connection in the middle of its reply (${code}).`) : upstreamFailure(err, label);
}
