// The floor for a Node gateway: a minimal node:http pass-through proxy, for the benchmark. Its own process.
//
//   node bench/bare-proxy.ts --upstream http://127.0.0.1:9100 [--port 0]
//
// Every request goes to the upstream with the same method, path and headers (host rewritten, hop-by-hop
// headers dropped) over a keep-alive pool; the answer's status, headers and body are piped back as they
// arrive (so SSE is not buffered). No parsing, no auth, no logging: what Node itself costs.
// Prints `READY {"port":N}` once listening; SIGTERM closes it.
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
  },
});
if (!values.upstream) throw new Error('bare-proxy: --upstream http://host:port is required');
const upstream = new URL(values.upstream);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 2048 });

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const headers = forwardable(req.headers);
  headers.host = upstream.host;
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
      answer.pipe(res);
    },
  );
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"api_error","message":"upstream failed"}}');
    else res.destroy();
  });
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  req.pipe(out);
});

server.listen(Number(values.port), values.host, 1024, () => {
  process.stdout.write(`READY ${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
