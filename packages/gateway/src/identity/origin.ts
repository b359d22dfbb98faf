// The origin a request reached the gateway at (`https://127.0.0.1:4443`), for documents that must name
// their own endpoints on the same origin, as MSAL's issuer check requires.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function requestOrigin(req: IncomingMessage): string {
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = req.headers.host;
  if (host && HOST.test(host)) return `${scheme}://${host.toLowerCase()}`;
  const address = req.socket.localAddress ?? '127.0.0.1';
  const literal = address.includes(':') ? `[${address}]` : address;
  return `${scheme}://${literal}:${req.socket.localPort ?? 0}`;
}
