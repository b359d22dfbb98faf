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

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The origins this gateway answers at, as the audiences its own tokens may name: configured
 * (`identity.publicOrigins`), else its HTTP and HTTPS origins on the configured host and the ports it listens on.
 * A loopback or wildcard host stands for every loopback name (no other service can hold these ports on this
 * machine). Never taken from a request: a `Host` header is the caller's to choose.
 */
export class PublicOrigins {
  readonly #configured: readonly string[] | undefined;
  #list: readonly string[] = [];

  constructor(configured: readonly string[] | undefined) {
    this.#configured = configured;
    if (configured) this.#list = configured;
  }

  /** Called once the listeners are up, when the ports are known (port 0 in tests). */
  listening(host: string, httpPort: number, httpsPort: number): void {
    if (this.#configured) return;
    const literal = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const hosts = WILDCARD.has(literal) || LOOPBACK.includes(literal.toLowerCase()) ? LOOPBACK : [literal.toLowerCase()];
    this.#list = hosts.flatMap((h) => [`http://${h}:${httpPort}`, `https://${h}:${httpsPort}`]);
  }

  get list(): readonly string[] {
    return this.#list;
  }
}
