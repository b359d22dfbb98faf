// Writing an upstream's reply out byte for byte: its status and filtered headers with our correlation
// ids, then each body chunk as it arrives, waiting for the client to drain rather than buffering.
// An upstream body pipes itself (event-driven); any other (replay, record mode) is iterated.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { PassthroughReply } from '../backends/types.ts';
import { GatewayError } from '../errors/index.ts';
import { type Correlation, correlationHeaders, writeEvent } from './respond.ts';

/**
 * Sends `reply`; the upstream's `request-id` becomes ours. A failure midway ends a stream with
 * `event: error` (a JSON body cannot be mended: its connection is cut). Returns an error that was
 * not a GatewayError, for the caller to report.
 */
export async function sendPassthrough(res: ServerResponse, reply: PassthroughReply, ids: Correlation, signal: AbortSignal): Promise<unknown> {
  if (reply.requestId) ids.requestId = reply.requestId;
  res.writeHead(reply.status, Object.assign(correlationHeaders(ids), reply.headers));
  if (reply.stream) res.flushHeaders();
  try {
    if (reply.body.pipeTo) {
      await reply.body.pipeTo(res, signal);
      if (signal.aborted) return undefined;
    } else if (!(await writeChunks(res, reply.body, signal))) return undefined;
  } catch (err) {
    if (signal.aborted) return undefined;
    if (!reply.stream) {
      res.destroy();
      return err instanceof GatewayError ? undefined : err;
    }
    const error = err instanceof GatewayError ? err : new GatewayError('api_error');
    writeEvent(res, 'error', error.eventData(ids.requestId));
    res.end();
    return err instanceof GatewayError ? undefined : err;
  }
  res.end();
  return undefined;
}

/** The iterated path: false if the client left before the end. */
async function writeChunks(res: ServerResponse, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<boolean> {
  for await (const chunk of body) {
    if (signal.aborted) return false;
    if (!res.write(chunk)) await once(res, 'drain', { signal });
  }
  return true;
}
