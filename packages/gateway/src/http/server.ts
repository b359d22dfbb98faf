// The HTTP listener: correlation ids, routing, and the last line of defence that turns any failure into
// a clean JSON error (never a crash, never a hang).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Socket } from 'node:net';
import { parseDataPlanePath } from '../dataplane/address.ts';
import { reportUnexpected } from '../dataplane/handler.ts';
import { GatewayError } from '../errors/index.ts';
import { newRequestId, newTimeOrderedGuid } from '../ids/index.ts';
import { type Correlation, sendError, sendJson } from './respond.ts';

export const MAX_HEADER_BYTES = 16 * 1024;

export type DataPlaneHandler = (req: IncomingMessage, res: ServerResponse, path: NonNullable<ReturnType<typeof parseDataPlanePath>>, ids: Correlation) => Promise<void>;

function correlationOf(req: IncomingMessage): Correlation {
  const client = req.headers['x-ms-client-request-id'];
  return {
    requestId: newRequestId(),
    apimRequestId: newTimeOrderedGuid(),
    // Echoed as Azure does; bounded so a caller cannot make us send an oversized header.
    clientRequestId: typeof client === 'string' && client.length <= 256 ? client : undefined,
  };
}

/** Serves a path outside the data plane (identity provider, management API), or answers undefined if it is not its own. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, pathname: string, ids: Correlation) => Promise<void> | undefined;

export interface GatewayServerOptions {
  routes?: readonly RouteHandler[];
  /** PEM key and certificate chain (and an SNICallback that serves a newer one): the listener speaks HTTPS. */
  tls?: Pick<SecureContextOptions, 'key' | 'cert'> & Pick<TlsOptions, 'SNICallback'>;
}

export function createGatewayServer(dataPlane: DataPlaneHandler, options: GatewayServerOptions = {}): Server | TlsServer {
  const settings = { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 65_000 };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const ids = correlationOf(req);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const pathname = query === -1 ? url : url.slice(0, query); // query parameters (beta, api-version) are ignored
    const path = parseDataPlanePath(pathname);
    let work: Promise<void>;
    if (path) work = dataPlane(req, res, path, ids);
    else if (pathname === '/healthz') work = Promise.resolve(sendJson(res, 200, '{"status":"ok"}', ids));
    else work = routed(req, res, pathname, ids) ?? Promise.reject(new GatewayError('not_found', `Nothing is served at ${pathname.slice(0, 200)}. The Messages API is at /anthropic/v1/messages.`));
    work.catch((err: unknown) => {
      if (err instanceof GatewayError) {
        sendError(res, err, ids);
        if (err.headers['connection'] === 'close') res.once('finish', () => req.socket.destroySoon());
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
  const server = options.tls ? createTlsServer({ ...settings, ...options.tls }, listener) : createServer(settings, listener);

  // Requests Node's parser refuses (oversized headers, malformed HTTP) still get a JSON answer.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new GatewayError('header_too_large')
        : new GatewayError('invalid_request', 'The request is not valid HTTP/1.1.');
    const body = error.body(newRequestId());
    socket.end(
      `HTTP/1.1 ${error.status} ${error.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `apim-request-id: ${newTimeOrderedGuid()}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
