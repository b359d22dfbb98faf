// An upstream answer's body, driven by undici's callbacks (send.ts) rather than by a stream: each chunk
// goes through the tap and straight to the client, and the upstream is paused while the client is full.
// undici's between-chunks timer (bodyTimeout) does not run while the upstream is paused, and restarts
// when it resumes: a slow reader is not a silent upstream. No promise per chunk: that is what lets
// thousands of concurrent streams flow. Iterating it (tests, record mode) queues chunks for the iterator.
import type { Writable } from 'node:stream';
import type { GatewayError } from '../../errors/index.ts';
import type { PassthroughBody } from '../types.ts';
import { type BodyTap, tapChunks } from './body.ts';
import type { BodyReader, UpstreamExchange } from './send.ts';

export class UpstreamBody implements PassthroughBody {
  readonly #exchange: UpstreamExchange;
  readonly #tap: BodyTap;

  constructor(exchange: UpstreamExchange, tap: BodyTap) {
    this.#exchange = exchange;
    this.#tap = tap;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return tapChunks(new ChunkQueue(this.#exchange), this.#tap);
  }

  /**
   * Writes the body to `out` as it arrives. Resolves once it is all written, or at once when `signal`
   * aborts (the upstream is dropped); rejects with what iterating would have thrown. Read it one way, once.
   */
  pipeTo(out: Writable, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pipe = new Pipe(this.#exchange, this.#tap, out, signal, resolve, reject);
      if (signal.aborted) {
        pipe.finish(undefined, true);
        return;
      }
      // The exchange already ends itself when its own signal (the client's) aborts; any other is watched here.
      if (signal !== this.#exchange.signal) signal.addEventListener('abort', pipe.onAbort, { once: true });
      out.on('drain', pipe.onDrain);
      this.#exchange.read(pipe);
    });
  }
}

/** The body on its way to the client: one per pipeTo. */
class Pipe implements BodyReader {
  readonly #exchange: UpstreamExchange;
  readonly #tap: BodyTap;
  readonly #out: Writable;
  readonly #signal: AbortSignal;
  readonly #resolve: () => void;
  readonly #reject: (err: unknown) => void;
  #done = false;
  readonly onDrain = () => this.#exchange.resume();
  readonly onAbort = () => this.finish(undefined, true);

  constructor(exchange: UpstreamExchange, tap: BodyTap, out: Writable, signal: AbortSignal, resolve: () => void, reject: (err: unknown) => void) {
    this.#exchange = exchange;
    this.#tap = tap;
    this.#out = out;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  data(chunk: Buffer): void {
    if (this.#done) return;
    try {
      const whole = this.#tap.push(chunk);
      if (whole && !this.#out.write(whole)) this.#exchange.pause();
    } catch (err) {
      this.finish(err, false); // ours, not the upstream's: reported as it is
    }
  }

  end(): void {
    this.finish(undefined, false);
  }

  error(err: GatewayError): void {
    // The same end-of-body rules as the iterator: the end is success, an error is not, unless the client left.
    this.finish(err, this.#signal.aborted);
  }

  finish(err: unknown, aborted: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#out.off('drain', this.onDrain);
    this.#signal.removeEventListener('abort', this.onAbort);
    this.#exchange.cancel(); // nothing left to cut once the body has ended
    if (aborted) err = undefined;
    else if (err === undefined) {
      try {
        this.#tap.end();
      } catch (ended) {
        err = ended;
      }
    }
    this.#tap.settle();
    if (err === undefined) this.#resolve();
    else this.#reject(err);
  }
}

/** The raw chunks for a reader that iterates: they wait in a queue, the upstream paused while any do. */
class ChunkQueue implements BodyReader, AsyncIterableIterator<Buffer> {
  readonly #exchange: UpstreamExchange;
  readonly #chunks: Buffer[] = [];
  #reading = false;
  #outcome: true | GatewayError | undefined;
  #waiting: PromiseWithResolvers<IteratorResult<Buffer>> | undefined;

  constructor(exchange: UpstreamExchange) {
    this.#exchange = exchange;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (!this.#reading) {
      this.#reading = true;
      this.#exchange.read(this);
    }
    const chunk = this.#chunks.shift();
    if (chunk) {
      if (this.#chunks.length === 0) this.#exchange.resume();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.#outcome === true) return Promise.resolve({ value: undefined, done: true });
    if (this.#outcome) return Promise.reject(this.#outcome);
    this.#waiting = Promise.withResolvers();
    return this.#waiting.promise;
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.#exchange.cancel();
    this.#chunks.length = 0;
    this.#outcome ??= true;
    return Promise.resolve({ value: undefined, done: true });
  }

  data(chunk: Buffer): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return;
    }
    this.#chunks.push(chunk);
    this.#exchange.pause();
  }

  end(): void {
    this.#outcome = true;
    this.#waiting?.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  error(err: GatewayError): void {
    this.#outcome = err;
    this.#waiting?.reject(err);
    this.#waiting = undefined;
  }
}
