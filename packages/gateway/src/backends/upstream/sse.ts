// Server-sent events as they pass: whole events are forwarded at once (a chunk's unfinished tail waits
// for the bytes that end it, so a failure never cuts an event in half), and `message_start` /
// `message_delta` are parsed on the side for usage. Other events are never parsed.
import type { TokenModel } from '../../tokens/count.ts';
import { UsageTally } from './usage.ts';

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Ends a delta's type (`"type":"text_delta",`): its text key follows, as the API writes deltas. */
const DELTA_TYPE_END = Buffer.from('_delta","');
/** Fewer bytes than this after a delta cannot hold another delta event (`event: content_block_delta` alone is 26). */
const SHORTEST_EVENT = 56;

/**
 * The text of every content delta in `bytes` (`text`, `thinking`, `partial_json`; escapes left in: an estimate),
 * found with one native search per event and short byte scans: no decoding of the whole chunk, no parse.
 */
function forEachDeltaText(bytes: Buffer, each: (text: string) => void): void {
  // The first match may be the event's own type (`"content_block_delta","index"`): not a text key, search on.
  let at = bytes.indexOf(DELTA_TYPE_END);
  while (at !== -1) {
    const key = at + DELTA_TYPE_END.length;
    let colon = key;
    while (colon < key + 13 && colon < bytes.length && bytes[colon] !== QUOTE) colon++;
    const length = colon - key;
    // `":"` after text (4), thinking (8) or partial_json (12): a string of produced output follows.
    if ((length === 4 || length === 8 || length === 12) && bytes[colon + 1] === 0x3a && bytes[colon + 2] === QUOTE) {
      const start = colon + 3;
      let end = start;
      while (end < bytes.length && (bytes[end] !== QUOTE || bytes[end - 1] === BACKSLASH)) end++;
      if (end > start) each(bytes.toString('utf8', start, end));
      at = bytes.length - end > SHORTEST_EVENT ? bytes.indexOf(DELTA_TYPE_END, end) : -1;
    } else {
      at = bytes.indexOf(DELTA_TYPE_END, key);
    }
  }
}

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
  readonly #forwarded = (text: string) => this.usage.forwarded(text);

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
      forEachDeltaText(bytes, this.#forwarded);
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
