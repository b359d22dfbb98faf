// The bounded queue between requests and the request-log store. Enqueueing is an array push; the queue is
// handed to the store in one batch once `flushRecords` wait or its oldest record has waited `flushIntervalMs`
// — checked at each enqueue, so a saturated event loop, which runs timers late, still flushes on time — and
// by a timer when traffic stops. Records waiting plus records being written never exceed the capacity: past
// it a record is dropped and counted, never queued, never awaited.
//
// What a crash can lose: the records queued since the last flush (at most `flushIntervalMs` of traffic, or
// `flushRecords` records) plus the batches posted but not yet committed, which the worker (at a priority that
// keeps it up with the request thread, log-worker.ts) commits within milliseconds; never more than
// `queueCapacity` records. A committed batch survives a crash of the process (SQLite WAL). docs/monitoring.md
// gives the bound as measured by kill -9 under load.
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
  /** When the oldest queued record was enqueued (ms, monotonic). */
  #oldest = 0;
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
    const now = performance.now();
    if (this.#queue.push(record) === 1) this.#oldest = now;
    if (!this.#flushScheduled && (this.#queue.length >= this.#options.flushRecords || now - this.#oldest >= this.#options.flushIntervalMs)) {
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
