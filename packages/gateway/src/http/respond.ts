// Writing responses: correlation headers on every answer, JSON bodies, errors in their dialect, SSE events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/index.ts';
import { newRequestId, newTimeOrderedGuid } from '../ids/index.ts';

/** The ids every response carries. */
export interface Correlation {
  requestId: string;
  apimRequestId: string;
  clientRequestId: string | undefined;
}

/** Fresh ids for a request; its x-ms-client-request-id is echoed. */
export function correlationOf(req: IncomingMessage): Correlation {
  const client = req.headers['x-ms-client-request-id'];
  return {
    requestId: newRequestId(),
    apimRequestId: newTimeOrderedGuid(),
    // Echoed as Azure does; bounded so a caller cannot make us send an oversized header.
    clientRequestId: typeof client === 'string' && client.length <= 256 ? client : undefined,
  };
}

export function correlationHeaders(ids: Correlation): Record<string, string> {
  const headers: Record<string, string> = { 'request-id': ids.requestId, 'apim-request-id': ids.apimRequestId };
  if (ids.clientRequestId) headers['x-ms-client-request-id'] = ids.clientRequestId;
  return headers;
}

export function sendJson(res: ServerResponse, status: number, body: string, ids: Correlation, extra?: Record<string, string>): void {
  res.writeHead(status, {
    ...correlationHeaders(ids),
    ...extra,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendError(res: ServerResponse, err: GatewayError, ids: Correlation): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, err.body(ids.requestId), ids, err.headers);
}

export function startEventStream(res: ServerResponse, ids: Correlation): void {
  res.writeHead(200, {
    ...correlationHeaders(ids),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

/** One SSE event; every event carries its `event:` line, as the SDKs' parsers require. */
export function writeEvent(res: ServerResponse, type: string, data: string): boolean {
  return res.write(`event: ${type}\ndata: ${data}\n\n`);
}
