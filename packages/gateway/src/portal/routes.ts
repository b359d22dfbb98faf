// The portal's pages (packages/portal, built by Vite into its dist/ on install) served at /portal/, under a strict
// Content-Security-Policy: scripts, styles and fetches from this origin only, so the browser asks no other host.
// /portal/config.json tells the page the development tenant and the portal's client ID for its sign-in.
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { correlationHeaders, sendJson } from '../http/respond.ts';
import type { Route, RouteContext } from '../http/routes.ts';
import { PORTAL_CLIENT_ID } from '../identity/authorize.ts';

export const PORTAL_DIST = fileURLToPath(new URL('../../../portal/dist/', import.meta.url));

export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function portalRoutes(options: { tenantId: string; dist?: string }): Route[] {
  const dist = options.dist ?? PORTAL_DIST;
  const config = JSON.stringify({ tenantId: options.tenantId, clientId: PORTAL_CLIENT_ID });
  const serve = async ({ res, ids, params }: RouteContext) => {
    const path = params['path'] ?? '';
    if (path === '/config.json') return sendJson(res, 200, config, ids, { 'cache-control': 'no-store' });
    const segments = path.split('/').slice(1);
    // Only plain names below dist/: no '..', no hidden files, no encoded separators.
    if (!segments.every((s) => SAFE_SEGMENT.test(s))) return notFound(res, ids, path);
    const file = segments.length === 0 ? 'index.html' : segments.join('/');
    const type = TYPES[extname(file)];
    if (!type) return notFound(res, ids, path);
    let body: Buffer;
    try {
      body = await readFile(join(dist, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
      if (file === 'index.html') {
        const message = `The portal is not built: ${dist} has no index.html. Run 'npm install' (it builds the portal) or 'npm run build -w packages/portal'.`;
        return sendJson(res, 503, JSON.stringify({ error: { code: 'PortalNotBuilt', message } }), ids);
      }
      return notFound(res, ids, path);
    }
    res.writeHead(200, {
      ...correlationHeaders(ids),
      'content-type': type,
      'content-length': body.length,
      'content-security-policy': PORTAL_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // Vite names assets by their content hash: they never change; the page itself is re-read each time.
      'cache-control': file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(body);
  };
  return [{ path: '/portal/{path*}', auth: 'public', methods: { GET: serve } }];
}

function notFound(res: RouteContext['res'], ids: RouteContext['ids'], path: string): void {
  sendJson(res, 404, JSON.stringify({ error: { code: 'NotFound', message: `The portal has no file '/portal${path.slice(0, 200)}'.` } }), ids);
}
