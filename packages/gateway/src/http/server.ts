// The HTTP listener: correlation ids, routing, and the last line of defence that turns any failure into
// a clean JSON error (never a crash, never a hang).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { parseDataPlanePath } from '../dataplane/address.ts';
import { reportUnexpected } from '../dataplane/handler.ts';
import { GatewayError } from '../errors/index.ts';
import type { ConnectionGuard } from './connections.ts';
import { answerParserErrors } from './parser-answers.ts';
import { type Correlation, correlationOf, sendError } from './respond.ts';

const MAX_HEADER_BYTES = 16 * 1024;

export type DataPlaneHandler = (req: IncomingMessage, res: ServerResponse, path: NonNullable<ReturnType<typeof parseDataPlanePath>>, ids: Correlation) => Promise<void>;

/** Serves a path outside the data plane (the route table, http/routes.ts), or answers undefined if it is not its own. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, pathname: string, ids: Correlation) => Promise<void> | undefined;

export interface GatewayServerOptions {
  routes?: readonly RouteHandler[];
  /** PEM key and certificate chain (and an SNICallback that serves a newer one): the listener speaks HTTPS. */
  tls?: Pick<SecureContextOptions, 'key' | 'cert'> & Pick<TlsOptions, 'SNICallback'>;
  /** Timeouts and the per-address cap, shared by the gateway's listeners (http/connections.ts). */
  connections: ConnectionGuard;
  /** While draining (process/drain.ts), every response closes its connection after it. */
  shutdown?: { readonly draining: boolean };
}

export function createGatewayServer(dataPlane: DataPlaneHandler, options: GatewayServerOptions): Server | TlsServer {
  const guard = options.connections;
  const { headersTimeoutMs, keepAliveTimeoutMs } = guard.settings;
  const settings = {
    maxHeaderSize: MAX_HEADER_BYTES,
    // Bodies are held to a minimum rate instead (connections.ts): a whole-request deadline would cut a large body on a slow link.
    requestTimeout: 0,
    headersTimeout: headersTimeoutMs,
    // Node checks the headers deadline on this interval (30 s by default, which would double it).
    connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(headersTimeoutMs / 10))),
    keepAliveTimeout: keepAliveTimeoutMs,
    // Checked in the listener, so the 400 carries a JSON body and the correlation ids.
    requireHostHeader: false,
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const ids = correlationOf(req);
    guard.track(req, res, ids);
    if (options.shutdown?.draining) res.setHeader('connection', 'close');
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const pathname = query === -1 ? url : url.slice(0, query); // query parameters (beta, api-version) are ignored
    const path = parseDataPlanePath(pathname);
    let work: Promise<void>;
    if (req.headers.host === undefined && req.httpVersion === '1.1') work = Promise.reject(missingHost());
    else if (path) work = dataPlane(req, res, path, ids);
    else work = routed(req, res, pathname, ids) ?? Promise.reject(new GatewayError('not_found', `Nothing is served at ${pathname.slice(0, 200)}. The Messages API is at /anthropic/v1/messages.`));
    work.catch((err: unknown) => {
      if (err instanceof GatewayError) {
        if (err.code === 'client_closed') {
          // The client left mid-body (or the gateway closed after answering): nobody to answer, nothing unexpected.
          if (!res.headersSent) guard.clientAborted(ids);
          res.destroy();
          return;
        }
        sendError(res, err, ids);
        return;
      }
      reportUnexpected(err, ids);
      sendError(res, new GatewayError('api_error'), ids);
    });
  };
  const routed = (req: IncomingMessage, res: ServerResponse, pathname: string, ids: Correlation): Promise<void> | undefined => {
    for (const route of options.routes ?? []) {
      const work = route(req, res, pathname, ids);
      if (work) return work;
    }
    return undefined;
  };
  // A TLS handshake gets no longer than the headers that follow it would.
  const server = options.tls ? createTlsServer({ ...settings, ...options.tls, handshakeTimeout: headersTimeoutMs }, listener) : createServer(settings, listener);
  guard.attach(server, options.tls);
  answerParserErrors(server, guard);
  return server;
}

/** RFC 9112 §3.2: a server must answer an HTTP/1.1 request without Host with 400. */
function missingHost(): GatewayError {
  return new GatewayError('invalid_request', 'The request has no Host header: HTTP/1.1 requires one, naming the gateway (e.g. Host: localhost:4480).');
}
