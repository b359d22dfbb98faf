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
//
// With `keepFailed` (PostgreSQL, which can be away for a while and come back), a batch that fails goes back to the
// front of the queue and is tried again after a backoff; the queue keeps filling up to the capacity, past which
// records are dropped and counted as above. So an outage costs memory up to the capacity, then records, never a request.
import type { RequestLogStore } from './log-store.ts';
import type { RequestLogRecord } from './record.ts';

export interface LogWriterOptions {
  capacity: number;
  flushRecords: number;
  flushIntervalMs: number;
  /** Called for a drop or a failed write; rate-limited by the caller. */
  onTrouble?: (what: 'dropped' | 'failed' | 'kept', detail: string) => void;
  /** Keep a failed batch and try it again (with backoff) instead of counting it failed. */
  keepFailed?: boolean;
}

const MAX_BACKOFF_MS = 5000;

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
  /** After a failed write (keepFailed): no flush before this time (ms, monotonic), and the next wait. */
  #retryAt = 0;
  #backoffMs = 0;
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
    if (this.#queue.length === 0 || (this.#inFlight > 0 && this.#options.keepFailed)) return;
    if (this.#retryAt > performance.now()) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight += batch.length;
    this.#store.append(batch).then(
      () => this.#done(batch, undefined),
      (err: unknown) => this.#done(batch, err as Error),
    );
  }

  #done(batch: RequestLogRecord[], err: Error | undefined): void {
    const count = batch.length;
    this.#inFlight -= count;
    if (err && this.#options.keepFailed) {
      // Back to the front, in order; depth is unchanged, so the capacity still bounds what waits.
      this.#queue = batch.concat(this.#queue);
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.#options.flushIntervalMs, this.#backoffMs * 2));
      this.#retryAt = performance.now() + this.#backoffMs;
      this.#options.onTrouble?.('kept', `${err.message}; ${this.#queue.length} records wait, retried in ${this.#backoffMs} ms`);
      return;
    }
    this.#backoffMs = 0;
    this.#retryAt = 0;
    if (err) {
      this.failed += count;
      this.#options.onTrouble?.('failed', err.message);
    } else {
      this.written += count;
    }
    if (this.depth === 0) for (const resolve of this.#idle.splice(0)) resolve();
    // One batch at a time with keepFailed: what queued meanwhile goes now if it is due or someone waits for it.
    else if (this.#inFlight === 0 && !this.#flushScheduled && (this.#queue.length >= this.#options.flushRecords || this.#idle.length > 0)) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Flushes and resolves once everything enqueued so far is written (or failed). */
  drain(): Promise<void> {
    this.flush();
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Drains and stops the timer. With `keepFailed`, a store that stays away is waited for at most `timeoutMs`: what is
   * still queued then is counted as dropped, so a shutdown never hangs on an unreachable database.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    const retry = setInterval(() => this.flush(), this.#options.flushIntervalMs);
    clearInterval(this.#timer);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    try {
      if (await Promise.race([this.drain().then(() => false), gaveUp])) {
        const lost = this.#queue.length;
        this.#queue = [];
        this.dropped += lost;
        if (lost > 0) this.#options.onTrouble?.('dropped', `the request log store did not answer within ${timeoutMs} ms of shutdown: ${lost} records dropped`);
        for (const resolve of this.#idle.splice(0)) resolve();
      }
    } finally {
      clearInterval(retry);
      clearTimeout(timer);
    }
  }
}
