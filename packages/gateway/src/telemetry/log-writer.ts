// The bounded queue between requests and the request-log store. Enqueueing is an array push; a timer (or a
// full batch) hands the queued records to the store in one batch. Records waiting plus records being
// written never exceed the capacity: past it a record is dropped and counted, never queued, never awaited.
//
// What a crash can lose: the records queued since the last flush (at most `flushIntervalMs` of traffic, or
// `flushRecords` records, whichever comes first) plus the batches posted but not yet committed; never more
// than `queueCapacity` records. A committed batch survives a crash of the process (SQLite WAL).
import type { RequestLogStore } from './log-store.ts';
import type { RequestLogRecord } from './record.ts';

export interface LogWriterOptions {
  capacity: number;
  flushRecords: number;
  flushIntervalMs: number;
  /** Called for a drop or a failed write; rate-limited by the caller. */
  onTrouble?: (what: 'dropped' | 'failed', detail: string) => void;
}

export class LogWriter {
  readonly capacity: number;
  dropped = 0;
  written = 0;
  failed = 0;
  #queue: RequestLogRecord[] = [];
  #inFlight = 0;
  #flushScheduled = false;
  #idle: Array<() => void> = [];
  readonly #store: Pick<RequestLogStore, 'append'>;
  readonly #options: LogWriterOptions;
  readonly #timer: NodeJS.Timeout;

  constructor(store: Pick<RequestLogStore, 'append'>, options: LogWriterOptions) {
    this.#store = store;
    this.#options = options;
    this.capacity = options.capacity;
    this.#timer = setInterval(() => this.flush(), options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Records waiting or being written. */
  get depth(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** False when the queue was full and the record was dropped. */
  enqueue(record: RequestLogRecord): boolean {
    if (this.#queue.length + this.#inFlight >= this.capacity) {
      this.dropped++;
      this.#options.onTrouble?.('dropped', `the request log queue is full (${this.capacity} records)`);
      return false;
    }
    this.#queue.push(record);
    if (this.#queue.length >= this.#options.flushRecords && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Hands what is queued to the store now. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight += batch.length;
    this.#store.append(batch).then(
      () => this.#done(batch.length, undefined),
      (err: unknown) => this.#done(batch.length, err as Error),
    );
  }

  #done(count: number, err: Error | undefined): void {
    this.#inFlight -= count;
    if (err) {
      this.failed += count;
      this.#options.onTrouble?.('failed', err.message);
    } else {
      this.written += count;
    }
    if (this.depth === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Flushes and resolves once everything enqueued so far is written (or failed). */
  drain(): Promise<void> {
    this.flush();
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drains and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.drain();
  }
}
