// An upstream reply body on its way to the client: chunks forwarded as they arrive, SSE framed into
// whole events, and usage tapped on the side. `BodyTap` is the per-chunk logic; `tapBody` and
// `tapChunks` drive it from an async iterable (replay; an upstream body that record mode or a test
// iterates), pipe.ts from undici's callbacks.
import { GatewayError } from '../../errors/index.ts';
import type { TokenUsage } from '../types.ts';
import type { TokenModel } from '../../tokens/count.ts';
import { SseTap } from './sse.ts';
import { UsageTally } from './usage.ts';

/** JSON bodies larger than this are forwarded but not parsed for usage. */
const MAX_TAPPED_JSON = 8 * 1024 * 1024;

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
  /** The deployment's model, whose tokenizer counts the text of a stream cut short. */
  tokens?: TokenModel | undefined;
}

/** One body's framing and usage, chunk by chunk: synchronous, so any driver (events or iteration) can use it. */
export class BodyTap {
  readonly usage: Promise<TokenUsage | undefined>;
  readonly #options: TapOptions;
  readonly #resolve: (usage: TokenUsage | undefined) => void;
  readonly #sse: SseTap | undefined;
  readonly #json = new UsageTally();
  #kept: Buffer[] = [];
  #keptBytes = 0;
  readonly #settle = () => this.settle();

  constructor(options: TapOptions) {
    const usage = Promise.withResolvers<TokenUsage | undefined>();
    this.usage = usage.promise;
    this.#resolve = usage.resolve;
    this.#options = options;
    this.#sse = options.stream ? new SseTap(options.tokens) : undefined;
    options.signal.addEventListener('abort', this.#settle, { once: true });
  }

  /** The bytes to forward for `chunk` now (whole events for SSE), or undefined while an event is incomplete. */
  push(chunk: Buffer): Buffer | undefined {
    if (this.#sse) return this.#sse.push(chunk);
    if (this.#options.json && this.#keptBytes <= MAX_TAPPED_JSON) {
      this.#kept.push(chunk);
      this.#keptBytes += chunk.length;
    }
    return chunk;
  }

  /** The source ended cleanly: throws if a stream stopped before `message_stop`; a JSON body is tapped. */
  end(): void {
    const sse = this.#sse;
    if (sse && (sse.partial || !sse.ended)) {
      throw new GatewayError('bad_gateway', `${this.#options.label} ended its stream before message_stop.`);
    }
    const kept = this.#kept;
    // A small reply comes in one chunk: parsed as it is, not copied first.
    if (this.#options.json && this.#keptBytes <= MAX_TAPPED_JSON) tapJson(kept.length === 1 ? kept[0]! : Buffer.concat(kept, this.#keptBytes), this.#json);
    this.#kept = [];
  }

  /** Settles the usage with what was seen so far; later calls change nothing. */
  settle(): void {
    this.#options.signal.removeEventListener('abort', this.#settle);
    this.#resolve(this.#sse ? this.#sse.usage.current : this.#json.current);
  }
}

export function tapBody(source: AsyncIterable<Buffer>, options: TapOptions): TappedBody {
  const tap = new BodyTap(options);
  return { body: tapChunks(source, tap), usage: tap.usage };
}

/** `source` through `tap`, for a reader that iterates. */
export async function* tapChunks(source: AsyncIterable<Buffer>, tap: BodyTap): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source) {
      const whole = tap.push(chunk);
      if (whole) yield whole;
    }
    tap.end();
  } finally {
    tap.settle();
  }
}

function tapJson(bytes: Buffer, into: UsageTally): void {
  try {
    const message = JSON.parse(bytes.toString('utf8')) as { usage?: unknown };
    if (message.usage !== undefined) into.start(message.usage);
  } catch {
    // Not JSON after all: nothing to count.
  }
}
