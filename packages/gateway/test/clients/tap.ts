// A recording pass-through in front of a gateway: clients talk to it as they would to the gateway, it
// forwards each request unchanged and keeps what went each way, so a test can assert on what a real
// client sent (headers, body) and what it got back, which the client itself does not show.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TappedExchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** The reply's bytes as text (SSE or JSON), complete once the client has read it. */
  reply: string;
}

export class Tap {
  readonly exchanges: TappedExchange[] = [];
  readonly #server: Server;
  url = '';

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on 127.0.0.1, port 0, forwarding to `target` (e.g. the gateway's url). */
  static async start(target: string): Promise<Tap> {
    const to = new URL(target);
    const server = createServer();
    const tap = new Tap(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const exchange: TappedExchange = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: body.toString('utf8'), status: 0, reply: '' };
        tap.exchanges.push(exchange);
        const headers = { ...req.headers, host: to.host };
        const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers, agent: false }, (upstream) => {
          exchange.status = upstream.statusCode ?? 0;
          res.writeHead(exchange.status, upstream.headers);
          upstream.on('data', (c: Buffer) => {
            exchange.reply += c.toString('utf8');
            res.write(c);
          });
          upstream.on('end', () => res.end());
          upstream.on('error', () => res.destroy());
        });
        out.on('error', () => res.destroy());
        out.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return tap;
  }

  /** The Messages calls seen from the `from`-th exchange on (count_tokens and other paths left out). */
  messages(from = 0): Array<TappedExchange & { json: Record<string, unknown> }> {
    return this.exchanges.slice(from).filter((e) => /\/v1\/messages(\?|$)/.test(e.path)).map((e) => ({ ...e, json: JSON.parse(e.body) as Record<string, unknown> }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
