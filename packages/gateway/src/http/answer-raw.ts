// Answers written straight to a socket, where no ServerResponse exists (Node's parser refused the
// request, a connection over the cap, CONNECT): the catalogue's status and body with both correlation
// ids, then a close that keeps reading for a while so the client is not reset before it reads them.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayError } from '../errors/index.ts';
import { newRequestId, newTimeOrderedGuid } from '../ids/index.ts';

/** A whole HTTP/1.1 response for `error`, closing the connection. */
export function rawErrorResponse(error: GatewayError): string {
  const requestId = newRequestId();
  const body = error.body(requestId);
  const extra = Object.entries(error.headers)
    .filter(([name]) => name !== 'connection')
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    `request-id: ${requestId}\r\napim-request-id: ${newTimeOrderedGuid()}\r\n${extra}` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/**
 * Sends `text` and half-closes, then discards whatever the client still sends until it closes too or
 * `lingerMs` pass: closing at once while the client writes makes the kernel answer with a reset,
 * which can discard the answer before the client reads it.
 */
export function answerAndClose(socket: Duplex, text: string, lingerMs: number): void {
  if (socket.destroyed) return;
  socket.on('error', () => socket.destroy());
  socket.end(text);
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}
