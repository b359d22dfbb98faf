// An upstream reply body on its way to the client: chunks forwarded as they arrive, a silence between
// chunks longer than the timeout cut off, SSE framed into whole events, and usage tapped on the side.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../errors/index.ts';
import type { TokenUsage } from '../types.ts';
import { upstreamFailure } from './send.ts';
import { SseTap } from './sse.ts';
import { UsageTally } from './usage.ts';

/** JSON bodies larger than this are forwarded but not parsed for usage. */
const MAX_TAPPED_JSON = 8 * 1024 * 1024;

/** The upstream response's chunks; a silence longer than `ms` or a broken connection throws a GatewayError. */
export async function* guardBetweenChunks(res: IncomingMessage, ms: number, label: string): AsyncGenerator<Buffer> {
  let waiting = false;
  const timer = setTimeout(() => {
    if (waiting) res.destroy(new GatewayError('gateway_timeout', `${label} sent nothing for ${ms} ms in the middle of its reply.`));
  }, ms);
  const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      waiting = true;
      timer.refresh();
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw err instanceof GatewayError ? err : lostMidway(err, label);
      }
      waiting = false;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    if (!res.complete) res.destroy();
  }
}

function lostMidway(err: unknown, label: string): GatewayError {
  const code = (err as NodeJS.ErrnoException).code;
  return code ? new GatewayError('bad_gateway', `${label} closed the connection in the middle of its reply (${code}).`) : upstreamFailure(err, label);
}

export interface TappedBody {
  body: AsyncIterable<Uint8Array>;
  usage: Promise<TokenUsage | undefined>;
}

export interface TapOptions {
  /** An SSE body: framed into whole events; ending before `message_stop` or `error` is a failure. */
  stream: boolean;
  /** A successful JSON body: parsed once fully sent, for its `usage`. */
  json: boolean;
  /** Settles the usage if the body is abandoned before it is read. */
  signal: AbortSignal;
  label: string;
}

export function tapBody(source: AsyncIterable<Buffer>, options: TapOptions): TappedBody {
  const usage = Promise.withResolvers<TokenUsage | undefined>();
  const sse = options.stream ? new SseTap() : undefined;
  const json = new UsageTally();
  const settle = () => usage.resolve(sse ? sse.usage.current : json.current);
  options.signal.addEventListener('abort', settle, { once: true });

  async function* body(): AsyncGenerator<Uint8Array> {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    try {
      for await (const chunk of source) {
        if (sse) {
          const whole = sse.push(chunk);
          if (whole) yield whole;
          continue;
        }
        if (options.json && keptBytes <= MAX_TAPPED_JSON) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
        yield chunk;
      }
      if (sse && (sse.partial || !sse.ended)) {
        throw new GatewayError('bad_gateway', `${options.label} ended its stream before message_stop.`);
      }
      if (options.json && keptBytes <= MAX_TAPPED_JSON) tapJson(Buffer.concat(kept, keptBytes), json);
    } finally {
      options.signal.removeEventListener('abort', settle);
      settle();
    }
  }
  return { body: body(), usage: usage.promise };
}

function tapJson(bytes: Buffer, into: UsageTally): void {
  try {
    const message = JSON.parse(bytes.toString('utf8')) as { usage?: unknown };
    if (message.usage !== undefined) into.start(message.usage);
  } catch {
    // Not JSON after all: nothing to count.
  }
}
