// GET (or HEAD) /metrics: the Prometheus text, behind `Authorization: Bearer <metricsToken>` on the main listener, or on
// a listener of its own (`metricsPort`, bound to `metricsHost`) meant for an internal network. With neither
// configured, /metrics answers 404 saying how to turn it on.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Secret } from '../config/secret.ts';
import { GatewayError } from '../errors/index.ts';
import { type Correlation, sendError } from '../http/respond.ts';
import { createRouteTable, type Route, type RouteContext } from '../http/routes.ts';
import { newRequestId, newTimeOrderedGuid } from '../ids/index.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const digest = (text: string) => createHash('sha256').update(text).digest();

function authorized(req: IncomingMessage, token: Secret | undefined): boolean {
  if (!token) return false;
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token.reveal()));
}

function serveMetrics({ req, res, ids }: RouteContext, render: () => string): void {
  const body = render();
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'request-id': ids.requestId, 'apim-request-id': ids.apimRequestId });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const needsToken = () => new GatewayError('authentication_failed', 'The metrics endpoint needs Authorization: Bearer <monitoring.metricsToken>.');

/** /metrics on the main listener: behind the metrics token, or 404 saying where metrics are when there is none. */
export function metricsRoutes(render: () => string, token: Secret | undefined, separatePort: boolean): Route[] {
  const check = (req: IncomingMessage) => {
    if (!token) {
      const where = separatePort ? 'They are served on the metrics listener (monitoring.metricsPort).' : 'Set monitoring.metricsToken, or monitoring.metricsPort for a listener of their own.';
      throw new GatewayError('not_found', `Metrics are not served on this listener. ${where}`);
    }
    if (!authorized(req, token)) throw needsToken();
  };
  return [{ path: '/metrics', auth: check, methods: { GET: (ctx) => serveMetrics(ctx, render) } }];
}

/** The metrics listener: /metrics only, through the same route table, with the token too when one is configured. */
export function createMetricsServer(render: () => string, token: Secret | undefined): Server {
  const check = (req: IncomingMessage) => {
    if (token && !authorized(req, token)) throw needsToken();
  };
  const table = createRouteTable([{ path: '/metrics', auth: check, methods: { GET: (ctx) => serveMetrics(ctx, render) } }], {
    authenticate: () => Promise.reject(new GatewayError('not_found')), // no management route on this listener
  });
  return createServer((req, res) => {
    const ids: Correlation = { requestId: newRequestId(), apimRequestId: newTimeOrderedGuid(), clientRequestId: undefined };
    const pathname = (req.url ?? '/').split('?')[0]!;
    const work = table(req, res, pathname, ids) ?? Promise.reject(new GatewayError('not_found', 'This listener serves only /metrics.'));
    work.catch((err: unknown) => sendError(res, err instanceof GatewayError ? err : new GatewayError('api_error'), ids));
  });
}
