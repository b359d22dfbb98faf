// GET /metrics: the Prometheus text, behind `Authorization: Bearer <metricsToken>` on the main listener, or on
// a listener of its own (`metricsPort`, bound to `metricsHost`) meant for an internal network. With neither
// configured, /metrics answers 404 saying how to turn it on.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Secret } from '../config/secret.ts';
import { GatewayError } from '../errors/index.ts';
import { type Correlation, sendError } from '../http/respond.ts';
import type { RouteHandler } from '../http/server.ts';
import { newRequestId, newTimeOrderedGuid } from '../ids/index.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const digest = (text: string) => createHash('sha256').update(text).digest();

function authorized(req: IncomingMessage, token: Secret | undefined): boolean {
  if (!token) return false;
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token.reveal()));
}

function serveMetrics(req: IncomingMessage, res: ServerResponse, ids: Correlation, render: () => string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new GatewayError('method_not_allowed', `The method ${req.method} is not allowed on /metrics; use GET.`, { allow: 'GET' });
  const body = render();
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'request-id': ids.requestId, 'apim-request-id': ids.apimRequestId });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** /metrics on the main listener. */
export function metricsRoute(render: () => string, token: Secret | undefined, separatePort: boolean): RouteHandler {
  return (req, res, pathname, ids) => {
    if (pathname !== '/metrics') return undefined;
    return (async () => {
      if (!token) {
        const where = separatePort ? 'They are served on the metrics listener (monitoring.metricsPort).' : 'Set monitoring.metricsToken, or monitoring.metricsPort for a listener of their own.';
        throw new GatewayError('not_found', `Metrics are not served on this listener. ${where}`);
      }
      if (!authorized(req, token)) throw new GatewayError('authentication_failed', 'The metrics endpoint needs Authorization: Bearer <monitoring.metricsToken>.');
      serveMetrics(req, res, ids, render);
    })();
  };
}

/** The metrics listener: /metrics only, with the token too when one is configured. */
export function createMetricsServer(render: () => string, token: Secret | undefined): Server {
  return createServer((req, res) => {
    const ids: Correlation = { requestId: newRequestId(), apimRequestId: newTimeOrderedGuid(), clientRequestId: undefined };
    try {
      const pathname = (req.url ?? '/').split('?')[0];
      if (pathname !== '/metrics') throw new GatewayError('not_found', 'This listener serves only /metrics.');
      if (token && !authorized(req, token)) throw new GatewayError('authentication_failed', 'The metrics endpoint needs Authorization: Bearer <monitoring.metricsToken>.');
      serveMetrics(req, res, ids, render);
    } catch (err) {
      sendError(res, err instanceof GatewayError ? err : new GatewayError('api_error'), ids);
    }
  });
}
