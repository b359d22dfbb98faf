// Server-sent events as they pass: whole events are forwarded at once (a chunk's unfinished tail waits
// for the bytes that end it, so a failure never cuts an event in half), and `message_start` /
// `message_delta` are parsed on the side for usage. Other events are never parsed.
import type { TokenModel } from '../../tokens/count.ts';
import { UsageTally } from './usage.ts';

const LF = 0x0a;
/** A content delta's text, tool-input JSON or thinking, as its JSON string (escapes left in: an estimate). */
const DELTA_TEXT = /"(?:text|thinking|partial_json)":"((?:[^"\\]|\\.)*)"/g;

/** The offset just after the last blank line (`\n\n` or `\n\r\n`) in `bytes`, or 0. */
function lastBoundary(bytes: Buffer): number {
  const lf = bytes.lastIndexOf('\n\n');
  const crlf = bytes.lastIndexOf('\n\r\n');
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 3);
}

export class SseTap {
  readonly usage: UsageTally;
  /** True once `message_stop` or `error` went by: the stream is complete. */
  ended = false;
  #pending: Buffer | undefined;

  constructor(model?: TokenModel) {
    this.usage = new UsageTally(model);
  }

  /** The bytes to forward now (whole events), or undefined while an event is still incomplete. */
  push(chunk: Buffer): Buffer | undefined {
    const bytes = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    const cut = bytes[bytes.length - 1] === LF && bytes[bytes.length - 2] === LF ? bytes.length : lastBoundary(bytes);
    this.#pending = cut < bytes.length ? bytes.subarray(cut) : undefined;
    if (cut === 0) return undefined;
    const whole = cut === bytes.length ? bytes : bytes.subarray(0, cut);
    this.#inspect(whole);
    return whole;
  }

  /** Bytes of an event that never ended. */
  get partial(): boolean {
    return this.#pending !== undefined && this.#pending.some((b) => b !== LF && b !== 0x0d);
  }

  #inspect(bytes: Buffer): void {
    // Most chunks are content deltas: only their text is looked at, without parsing, for a stream cut short.
    if (!bytes.includes('message_') && !bytes.includes('error')) {
      if (bytes.includes('content_block_delta')) for (const m of bytes.toString('utf8').matchAll(DELTA_TEXT)) this.usage.forwarded(m[1]!);
      return;
    }
    for (const block of bytes.toString('utf8').split(/\r?\n\r?\n/)) {
      let event = '';
      let data = '';
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(line.charCodeAt(5) === 0x20 ? 6 : 5);
      }
      if (event === 'message_stop' || event === 'error') this.ended = true;
      else if (event === 'message_start' || event === 'message_delta' || event === 'content_block_delta') {
        try {
          this.usage.event(JSON.parse(data) as { type: string });
        } catch {
          // Not JSON: nothing to count; the client gets the bytes as they were.
        }
      }
    }
  }
}
