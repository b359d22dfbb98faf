// Holds every connection to account: a cap on open connections per client address, Node's headers
// and keep-alive timeouts, a minimum data rate for request bodies (one sweep timer per gateway, not
// one per request), and a bound on how long the rest of a refused body is read and discarded.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { BlockList, Socket } from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket, type TlsOptions } from 'node:tls';
import { compileRanges, peerInRanges, unmappedAddress } from '../control/network.ts';
import { GatewayError } from '../errors/index.ts';
import { answerAndClose, rawErrorResponse } from './answer-raw.ts';
import type { ConnectionSettings } from './config.ts';
import { type Correlation, sendError } from './respond.ts';

/** Counters for /metrics (telemetry/gateway-metrics.ts). */
export interface ConnectionStats {
  open: number;
  refused: number;
  headersTimeouts: number;
  bodyTimeouts: number;
  /** Discarding the rest of a refused body took longer than `discardMs`. */
  discardsCut: number;
  clientAborts: number;
  /** Requests whose bodies are still arriving: what the sweep holds to the minimum rate. */
  readonly bodiesArriving: number;
}

/** One request on its socket: what the sweep needs to hold its body to a rate. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  ids: Correlation;
  windowStart: number;
  windowBytes: number;
  /** When the sweep first saw the response finished while the body was still arriving (being discarded). */
  answeredAt: number;
}

/** Set by the body reader while it waits for a body, so a body timeout answers through its normal error path. */
export const kFailBodyRead = Symbol('failBodyRead');
export type BodyReadTarget = IncomingMessage & { [kFailBodyRead]?: ((err: GatewayError) => void) | undefined };

const kExchange = Symbol('exchange');
type TrackedSocket = Socket & { [kExchange]?: Exchange };

/** A debug line's fields; the gateway passes a sink only when its log level is debug. */
export type DebugLog = (fields: Record<string, unknown>) => void;

/** At most one line about client aborts per this interval; the rest are counted into the next one. */
const ABORT_LOG_INTERVAL_MS = 10_000;

export function createConnectionGuard(settings: ConnectionSettings, trustedProxies: readonly string[], debug?: DebugLog) {
  const proxies: BlockList | undefined = trustedProxies.length > 0 ? compileRanges(trustedProxies) : undefined;
  const perAddress = new Map<string, number>();
  const reading = new Set<Exchange>();
  const stats: ConnectionStats = {
    open: 0, refused: 0, headersTimeouts: 0, bodyTimeouts: 0, discardsCut: 0, clientAborts: 0,
    get bodiesArriving() {
      return reading.size;
    },
  };
  const tick = Math.min(1000, Math.max(10, Math.floor(Math.min(settings.bodyTimeoutMs, settings.discardMs) / 10)));
  let sweeper: NodeJS.Timeout | undefined;
  const abortLog = { lastAt: -Infinity, suppressed: 0 };

  /** Counts the connection against its address; false when the address already holds `maxPerAddress`. */
  function admit(socket: Socket, address: string): boolean {
    stats.open++;
    socket.once('close', () => stats.open--);
    if (settings.maxPerAddress === 0 || (proxies && peerInRanges(proxies, address))) return true;
    const key = unmappedAddress(address);
    const count = perAddress.get(key) ?? 0;
    if (count >= settings.maxPerAddress) return false;
    perAddress.set(key, count + 1);
    socket.once('close', () => {
      const left = perAddress.get(key)! - 1;
      if (left === 0) perAddress.delete(key);
      else perAddress.set(key, left);
    });
    return true;
  }

  function refuse(socket: Socket, secureContext: SecureContext | undefined, sni: TlsOptions['SNICallback']): void {
    stats.refused++;
    const error = new GatewayError(
      'too_many_connections',
      `This address already holds ${settings.maxPerAddress} open connections to the gateway, the most it accepts from one address. Reuse connections (keep-alive) or close some, then retry.`,
      { 'retry-after': '1' },
    );
    if (!secureContext) return answerAndClose(socket, rawErrorResponse(error), settings.discardMs);
    // Over HTTPS the answer can only follow a handshake.
    // With the SNI callback the refusal is signed by the current certificate (it is re-issued as resources change).
    const secure = new TLSSocket(socket, { isServer: true, secureContext, SNICallback: sni });
    const timer = setTimeout(() => secure.destroy(), settings.headersTimeoutMs).unref();
    secure.on('error', () => secure.destroy());
    secure.once('close', () => clearTimeout(timer));
    secure.once('secure', () => answerAndClose(secure, rawErrorResponse(error), settings.discardMs));
  }

  /**
   * A client that left mid-request: counted for /metrics, and logged at debug level at most once per
   * interval (a client can abort as often as it likes; the log must not grow with it).
   */
  function clientAborted(ids: Correlation | undefined): void {
    stats.clientAborts++;
    if (!debug) return;
    const now = performance.now();
    if (now - abortLog.lastAt < ABORT_LOG_INTERVAL_MS) {
      abortLog.suppressed++;
      return;
    }
    debug({ msg: 'client closed the connection mid-request', requestId: ids?.requestId, suppressedSinceLast: abortLog.suppressed });
    abortLog.lastAt = now;
    abortLog.suppressed = 0;
  }

  /** Takes over the server's connections: its own 'connection' listeners run only for admitted ones. */
  function attach(server: Server | TlsServer, tls?: Pick<TlsOptions, 'key' | 'cert' | 'SNICallback'>): void {
    // Node documents that emitting 'connection' hands a socket to the server; these are the listeners it runs.
    const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
    const secureContext = tls ? createSecureContext({ key: tls.key, cert: tls.cert }) : undefined;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress;
      if (address === undefined) return socket.destroy(); // the peer is already gone
      if (!admit(socket, address)) return refuse(socket, secureContext, tls?.SNICallback);
      for (const handler of handlers) handler.call(server, socket);
    });
    sweeper ??= setInterval(sweep, tick).unref();
  }

  /** Registers a request; its body, if still arriving, is held to the minimum rate from now on. */
  function track(req: IncomingMessage, res: ServerResponse, ids: Correlation): void {
    const socket = req.socket as TrackedSocket;
    const exchange: Exchange = { req, res, ids, windowStart: performance.now(), windowBytes: socket.bytesRead, answeredAt: 0 };
    socket[kExchange] = exchange;
    if (req.complete) return;
    reading.add(exchange);
    // Out of the set as soon as the body is in, not at the next sweep: the set holds the request and its
    // response, and everything they reach, and under load a second's worth of finished requests otherwise
    // outlived their response (promoted by V8 to the old generation: more GC work, a larger heap).
    req.once('end', () => reading.delete(exchange));
  }

  function sweep(): void {
    const now = performance.now();
    for (const exchange of reading) {
      const { req, res } = exchange;
      const socket = req.socket;
      if (req.complete || socket.destroyed) {
        reading.delete(exchange);
      } else if (res.writableFinished) {
        // Answered before its body was read: Node reads and discards the rest, for at most discardMs.
        if (exchange.answeredAt === 0) exchange.answeredAt = now;
        else if (now - exchange.answeredAt >= settings.discardMs) {
          stats.discardsCut++;
          reading.delete(exchange);
          socket.destroy();
        }
      } else if (now - exchange.windowStart >= settings.bodyTimeoutMs) {
        const received = socket.bytesRead - exchange.windowBytes;
        if (received >= settings.bodyMinBytes) {
          exchange.windowStart = now;
          exchange.windowBytes = socket.bytesRead;
        } else {
          reading.delete(exchange);
          bodyTimedOut(exchange);
        }
      }
    }
  }

  function bodyTimedOut(exchange: Exchange): void {
    stats.bodyTimeouts++;
    const error = new GatewayError(
      'request_timeout',
      `The request body arrived too slowly: less than ${settings.bodyMinBytes} bytes in ${settings.bodyTimeoutMs / 1000} s. Send the body without pauses.`,
      { connection: 'close' },
    );
    fail(exchange, error);
  }

  /**
   * Ends a request whose body cannot arrive with `error` (which should close the connection): through
   * its body read when one waits, so the handler's error path answers, logs and records it; else directly.
   */
  function fail({ req, res, ids }: Pick<Exchange, 'req' | 'res' | 'ids'>, error: GatewayError): void {
    const reader = (req as BodyReadTarget)[kFailBodyRead];
    if (reader) return reader(error);
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    sendError(res, error, ids);
  }

  /** The request the socket is serving or served last, if its response is not finished. */
  function unfinished(socket: Socket): Exchange | undefined {
    const exchange = (socket as TrackedSocket)[kExchange];
    return exchange && !exchange.res.writableFinished ? exchange : undefined;
  }

  function close(): void {
    if (sweeper) clearInterval(sweeper);
    sweeper = undefined;
    reading.clear();
  }

  return { attach, track, unfinished, fail, clientAborted, close, stats, settings };
}

export type ConnectionGuard = ReturnType<typeof createConnectionGuard>;
