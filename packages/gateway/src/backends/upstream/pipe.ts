// An upstream response's body driven by its own events rather than by async iteration: each `data` goes
// through the tap and straight to the client, the upstream pauses while the client is full, and one
// timer refreshed per chunk cuts off a silence. No promise per chunk: that is what lets thousands of
// concurrent streams flow. Iterating it (tests, record mode) takes the generator path in body.ts instead.
import type { IncomingMessage } from 'node:http';
import { finished, type Writable } from 'node:stream';
import { GatewayError } from '../../errors/index.ts';
import type { PassthroughBody } from '../types.ts';
import { type BodyTap, guardBetweenChunks, lostMidway, silenceError, tapChunks } from './body.ts';

export class UpstreamBody implements PassthroughBody {
  readonly #res: IncomingMessage;
  readonly #tap: BodyTap;
  readonly #ms: number;
  readonly #label: string;

  constructor(res: IncomingMessage, tap: BodyTap, betweenChunksMs: number, label: string) {
    this.#res = res;
    this.#tap = tap;
    this.#ms = betweenChunksMs;
    this.#label = label;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return tapChunks(guardBetweenChunks(this.#res, this.#ms, this.#label), this.#tap);
  }

  /**
   * Writes the body to `out` as it arrives. Resolves once it is all written, or at once when `signal`
   * aborts (the upstream is dropped); rejects with what iterating would have thrown. Read it one way, once.
   */
  pipeTo(out: Writable, signal: AbortSignal): Promise<void> {
    const res = this.#res;
    const tap = this.#tap;
    const label = this.#label;
    const ms = this.#ms;
    return new Promise<void>((resolve, reject) => {
      // False while paused for the client: a slow reader is not a silent upstream.
      let waiting = true;
      let done = false;
      const timer = setTimeout(() => {
        if (waiting) res.destroy(silenceError(ms, label));
      }, ms);
      const onData = (chunk: Buffer) => {
        timer.refresh();
        try {
          const whole = tap.push(chunk);
          if (whole && !out.write(whole)) {
            waiting = false;
            res.pause();
          }
        } catch (err) {
          finish(err, false); // ours, not the upstream's: reported as it is
        }
      };
      const onDrain = () => {
        waiting = true;
        timer.refresh();
        res.resume();
      };
      const onAbort = () => finish(undefined, true);
      // The same end-of-stream rules as the async iterator: 'end' is success, an error or an early close is not.
      const unfinished = finished(res, { writable: false }, (err) => finish(err ? upstreamError(err, label) : undefined, false));
      function finish(err: unknown, aborted: boolean): void {
        if (done) return;
        done = true;
        clearTimeout(timer);
        res.off('data', onData);
        out.off('drain', onDrain);
        signal.removeEventListener('abort', onAbort);
        unfinished();
        if (!res.complete) res.destroy();
        if (err === undefined && !aborted) {
          try {
            tap.end();
          } catch (ended) {
            err = ended;
          }
        }
        tap.settle();
        if (err === undefined) resolve();
        else reject(err);
      }
      if (signal.aborted) {
        finish(undefined, true);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      out.on('drain', onDrain);
      res.on('data', onData);
    });
  }
}

function upstreamError(err: unknown, label: string): GatewayError {
  return err instanceof GatewayError ? err : lostMidway(err, label);
}
