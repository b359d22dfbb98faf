// Latency: waiting for time to first token and for output pace, abandoned the moment the caller aborts.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Pace {
  /** Milliseconds before the first content delta (JSON replies: before the reply). */
  ttftMs: number;
  /** Output tokens per second; 0 means no waiting. */
  tokensPerSecond: number;
}

/** What an aborted wait throws: an `AbortError`, as fetch and timers do. */
export function abortError(): DOMException {
  return new DOMException('The operation was aborted', 'AbortError');
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError();
}

/** Waits `ms` milliseconds, or throws an AbortError as soon as `signal` aborts. */
export async function wait(ms: number, signal: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw abortError();
  }
}

/** The time `tokens` take at the pace's rate. */
export function tokensMs(tokens: number, pace: Pace): number {
  return pace.tokensPerSecond > 0 ? (tokens / pace.tokensPerSecond) * 1000 : 0;
}
