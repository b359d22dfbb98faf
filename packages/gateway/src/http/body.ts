// Reads a JSON request body under a size limit, refusing wrong content types, oversized or deeply
// nested bodies with a clear 4xx before anything else touches them.
import type { IncomingMessage } from 'node:http';
import { GatewayError, invalidRequest } from '../errors/index.ts';
import { type BodyReadTarget, kFailBodyRead } from './connections.ts';

/** Deeper than any real Messages request; keeps every recursive walk of the body far from the stack limit. */
export const MAX_JSON_DEPTH = 256;

export interface JsonBody {
  raw: Buffer;
  json: unknown;
}

export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const contentType = req.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    throw invalidRequest(
      contentType
        ? `Unsupported Content-Type '${contentType.slice(0, 100)}': send the body as JSON with 'Content-Type: application/json'.`
        : "Missing Content-Type: send the body as JSON with 'Content-Type: application/json'.",
    );
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const raw = await collect(req, maxBytes);
  if (raw.length === 0) throw invalidRequest('The request body is empty: send a JSON object.');
  const depth = openerCountExceeds(raw, MAX_JSON_DEPTH) ? nestingDepth(raw) : 0;
  if (depth > MAX_JSON_DEPTH) {
    throw invalidRequest(`The request body is nested ${depth > 100_000 ? 'more than 100000' : depth} levels deep; at most ${MAX_JSON_DEPTH} levels are accepted.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  return { raw, json };
}

function tooLarge(maxBytes: number): GatewayError {
  const mb = Math.round(maxBytes / (1024 * 1024));
  return new GatewayError(
    'request_too_large',
    `Request exceeds the maximum allowed number of bytes. The maximum request size is ${mb >= 1 ? `${mb} MB` : `${maxBytes} bytes`}.`,
  );
}

/**
 * The raw body, refused with 413 past `maxBytes`; a client that leaves mid-body is `client_closed`, and
 * a body slower than the connections' minimum rate fails with the 408 the connection guard passes in.
 */
export function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const target = req as BodyReadTarget;
  // The client left before the handler came to read: no event will follow.
  if (req.destroyed && !req.complete) return Promise.reject(new GatewayError('client_closed'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        fail(tooLarge(maxBytes));
        // The rest is read and thrown away from now on (Node would start only once the 413 is sent;
        // http/connections.ts bounds how long), so the client, still writing, is not reset and sees the 413.
        req.resume();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    // Node's IncomingMessage fails with 'aborted' (ECONNRESET) or just closes when the client goes away.
    const onGone = () => fail(new GatewayError('client_closed'));
    const fail = (err: GatewayError) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      target[kFailBodyRead] = undefined;
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
    target[kFailBodyRead] = fail;
  });
}

/**
 * Whether the body holds more than `limit` `[` and `{` bytes (strings included). If not, it cannot
 * nest deeper than `limit`, and the byte-by-byte scan is skipped: two native memchr passes cost a
 * few microseconds on a 100 KB prompt, where the scan costs a couple of hundred.
 */
export function openerCountExceeds(bytes: Buffer, limit: number): boolean {
  let count = 0;
  for (const opener of [0x5b, 0x7b]) {
    let at = bytes.indexOf(opener);
    while (at !== -1) {
      if (++count > limit) return true;
      at = bytes.indexOf(opener, at + 1);
    }
  }
  return false;
}

/** The deepest nesting of arrays and objects, skipping string contents. Linear, no allocation. */
export function nestingDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) max = depth;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}
