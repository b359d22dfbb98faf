// One request to an upstream: connect and first-byte timeouts, abort when the client goes away, one
// retry when a pooled keep-alive socket turns out to be dead before any byte of answer, and network
// failures turned into 502/504 errors that say what happened without naming the upstream's address.
import { type Agent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { UpstreamTimeouts } from '../../control/types.ts';
import { GatewayError } from '../../errors/index.ts';

/** Where a request goes, parsed once per deployment's settings: http.request then skips URL parsing. */
export interface UpstreamTarget {
  https: boolean;
  hostname: string;
  port: number;
  path: string;
}

export function upstreamTarget(url: URL): UpstreamTarget {
  const https = url.protocol === 'https:';
  // An IPv6 literal comes bracketed in a URL and bare in request options.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { https, hostname, port: url.port ? Number(url.port) : https ? 443 : 80, path: `${url.pathname}${url.search}` };
}

export interface UpstreamRequest {
  target: UpstreamTarget;
  agent: Agent;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  timeouts: UpstreamTimeouts;
  /** The client's signal: aborting it destroys the upstream request or response at once. */
  signal: AbortSignal;
  /** Names the upstream in errors, e.g. "The upstream of deployment 'sonnet'". */
  label: string;
}

/** Socket errors that mean a pooled connection had been closed by the other side while idle. */
const STALE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function sendUpstream(r: UpstreamRequest, retried = false): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (r.signal.aborted) {
      reject(clientGone(r));
      return;
    }
    const { target } = r;
    const send = target.https ? httpsRequest : httpRequest;
    const req = send({ host: target.hostname, port: target.port, path: target.path, method: 'POST', headers: r.headers, agent: r.agent });
    let timer: NodeJS.Timeout | undefined;
    let responded = false;
    const arm = (ms: number, error: () => GatewayError) => {
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy(error()), ms);
    };
    const firstByte = () => arm(r.timeouts.firstByteMs, () => new GatewayError('gateway_timeout', `${r.label} sent no response within ${r.timeouts.firstByteMs} ms.`));
    const onAbort = () => req.destroy(clientGone(r));
    r.signal.addEventListener('abort', onAbort, { once: true });

    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) {
        firstByte();
        return;
      }
      arm(r.timeouts.connectMs, () => new GatewayError('gateway_timeout', `${r.label} did not accept a connection within ${r.timeouts.connectMs} ms.`));
      // For TLS the handshake is part of connecting.
      socket.once('encrypted' in socket ? 'secureConnect' : 'connect', firstByte);
    });
    req.on('response', (res) => {
      responded = true;
      clearTimeout(timer);
      // Errors of the body reach whoever reads it; unread (the client left first), they must not crash us.
      res.on('error', () => undefined);
      res.once('close', () => r.signal.removeEventListener('abort', onAbort));
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (responded) return; // the body's reader sees it
      clearTimeout(timer);
      r.signal.removeEventListener('abort', onAbort);
      if (!retried && req.reusedSocket && err.code !== undefined && STALE.has(err.code)) {
        resolve(sendUpstream(r, true));
        return;
      }
      reject(upstreamFailure(err, r.label));
    });
    req.end(r.body);
  });
}

function clientGone(r: UpstreamRequest): GatewayError {
  return new GatewayError('bad_gateway', `The client closed the request before ${r.label} answered.`);
}

/** A network error as the client should see it: 502 unless it is one of our timeouts (504). */
export function upstreamFailure(err: unknown, label: string): GatewayError {
  if (err instanceof GatewayError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new GatewayError('bad_gateway', `${label} could not be reached${code ? ` (${code})` : ''}.`);
}
