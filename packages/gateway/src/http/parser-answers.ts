// What Node's HTTP parser would otherwise answer on its own (an empty 400, 408, 417 or 431, or a
// silent close for CONNECT) goes through the error catalogue: a JSON body and both correlation ids.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors/index.ts';
import { answerAndClose, rawErrorResponse } from './answer-raw.ts';
import type { ConnectionGuard } from './connections.ts';
import { correlationOf, sendError } from './respond.ts';

/** The catalogue's answer to an error of Node's parser. */
export function parserError(err: NodeJS.ErrnoException & { reason?: string }, guard: ConnectionGuard): GatewayError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new GatewayError('header_too_large');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new GatewayError('request_timeout', `The request headers were not complete within ${guard.settings.headersTimeoutMs / 1000} s of the connection's first byte.`);
  }
  const reason = (err.reason ?? err.message).replace(/\.$/, '').slice(0, 200);
  return new GatewayError('invalid_request', `The request is not valid HTTP/1.1 (${reason}). Check the request line (METHOD /path HTTP/1.1) and the headers.`);
}

export function answerParserErrors(server: Server | TlsServer, guard: ConnectionGuard): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node reports again as more bytes or the end of the stream reach a parser that already failed.
    if (answered.has(socket)) return;
    answered.add(socket);
    const current = guard.unfinished(socket as Socket);
    // The client reset or ended the connection: nobody to answer. A request being served counts its own
    // abort when its body read fails (server.ts); an end in the middle of headers is counted here (a
    // reset may come between requests, when nothing was cut short).
    if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      if (err.code === 'HPE_INVALID_EOF_STATE' && !current) guard.clientAborted(undefined);
      socket.destroy();
      return;
    }
    const error = parserError(err, guard);
    if (error.code === 'request_timeout') guard.stats.headersTimeouts++;
    if (current?.req.complete) {
      // A request already read is still being served: its answer goes out first, and the one that failed
      // to parse never runs. Answering at once would leave the first request running, and billed, unanswered.
      current.res.once('finish', () => answerAndClose(socket, rawErrorResponse(error), guard.settings.discardMs));
      current.res.once('close', () => {
        if (!current.res.writableFinished) socket.destroy();
      });
      return;
    }
    if (current) {
      // The failure is in the body of the request being served: it gets the error in its own name.
      guard.fail(current, new GatewayError(error.code, error.message, { connection: 'close' }));
      return;
    }
    answerAndClose(socket, rawErrorResponse(error), guard.settings.discardMs);
  });

  // Node answers an Expect other than 100-continue with an empty 417 unless this is handled.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const ids = correlationOf(req);
    guard.track(req, res, ids); // the body that may follow is discarded for a bounded time, as after any early answer
    const expect = String(req.headers.expect).slice(0, 100);
    sendError(res, new GatewayError('expectation_failed', `The Expect header '${expect}' is not supported: send 'Expect: 100-continue' or no Expect header.`), ids);
  });

  // CONNECT takes the socket away from the HTTP server; without this Node closes it with no answer.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const error = new GatewayError('method_not_allowed', 'The method CONNECT is not allowed: the gateway is not a proxy. Send the Messages API request itself (POST /anthropic/v1/messages).', {
      allow: 'GET, HEAD, POST, PUT, PATCH, DELETE',
    });
    answerAndClose(socket, rawErrorResponse(error), guard.settings.discardMs);
  });
}
