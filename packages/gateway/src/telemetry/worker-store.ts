// The request-log store as the gateway holds it: SqliteLogStore in a worker thread (log-worker.ts), spoken to
// by messages. The main thread only posts batches and awaits answers; it never runs a statement itself.
import { Worker } from 'node:worker_threads';
import { StoreOpenError } from '../store/types.ts';
import type { Budget, BudgetAlert, LogPage, LogQuery, RequestLogStore, RetentionPolicy, UsageQuery, UsageRow } from './log-store.ts';
import type { RequestLogRecord } from './record.ts';

type Method = Exclude<keyof RequestLogStore, 'append' | 'close'>;

export type ToWorker =
  | { op: 'append'; records: RequestLogRecord[] }
  | { op: 'call'; id: number; method: Method; args: unknown[] }
  | { op: 'close' };

type FromWorker =
  | { type: 'ready' }
  | { type: 'openFailed'; message: string }
  | { type: 'appended'; count: number }
  | { type: 'appendFailed'; count: number; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed' };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class WorkerLogStore implements RequestLogStore {
  readonly dialect = 'sqlite';
  readonly #worker: Worker;
  readonly #calls = new Map<number, Pending>();
  /** Appends are answered in the order they were posted. */
  readonly #appends: Pending[] = [];
  #nextId = 1;
  #dead: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (m: FromWorker) => this.#receive(m));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => this.#fail(new Error(`the request log worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until logs.db is open and migrated. */
  static async open(path: string, policy: RetentionPolicy, retentionIntervalMs: number): Promise<WorkerLogStore> {
    const worker = new Worker(new URL('./log-worker.ts', import.meta.url), { workerData: { path, policy, retentionIntervalMs } });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        worker.off('error', reject);
        if (m.type === 'ready') resolve();
        else if (m.type === 'openFailed') reject(new StoreOpenError(m.message));
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
    return new WorkerLogStore(worker);
  }

  #receive(m: FromWorker): void {
    switch (m.type) {
      case 'appended':
        this.#appends.shift()?.resolve(undefined);
        return;
      case 'appendFailed':
        this.#appends.shift()?.reject(new Error(m.message));
        return;
      case 'result':
      case 'error': {
        const pending = this.#calls.get(m.id);
        this.#calls.delete(m.id);
        if (m.type === 'result') pending?.resolve(m.value);
        else pending?.reject(new Error(m.message));
        return;
      }
      default:
        return;
    }
  }

  #fail(err: Error): void {
    this.#dead ??= err;
    for (const p of this.#appends.splice(0)) p.reject(err);
    for (const p of this.#calls.values()) p.reject(err);
    this.#calls.clear();
  }

  append(records: RequestLogRecord[]): Promise<void> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#appends.push({ resolve: () => resolve(), reject });
      this.#worker.postMessage({ op: 'append', records } satisfies ToWorker);
    });
  }

  #call<T>(method: Method, ...args: unknown[]): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ op: 'call', id, method, args } satisfies ToWorker);
    });
  }

  query(sql: string, params: ReadonlyArray<string | number | null>): Promise<unknown[][]> {
    return this.#call('query', sql, params);
  }

  logs(query: LogQuery): Promise<LogPage> {
    return this.#call('logs', query);
  }
  usage(query: UsageQuery): Promise<UsageRow[]> {
    return this.#call('usage', query);
  }
  costSince(from: number, instances?: string[]): Promise<Record<string, bigint>> {
    return this.#call('costSince', from, instances);
  }
  firstActivity(from: number, instances: string[]): Promise<Record<string, number>> {
    return this.#call('firstActivity', from, instances);
  }
  sweep(now: number, policy: RetentionPolicy): Promise<number> {
    return this.#call('sweep', now, policy);
  }
  budgets(): Promise<Budget[]> {
    return this.#call('budgets');
  }
  putBudget(budget: Budget): Promise<void> {
    return this.#call('putBudget', budget);
  }
  deleteBudget(instance: string): Promise<boolean> {
    return this.#call('deleteBudget', instance);
  }
  recordAlert(alert: BudgetAlert): Promise<boolean> {
    return this.#call('recordAlert', alert);
  }
  alerts(instances: string[], from: number): Promise<BudgetAlert[]> {
    return this.#call('alerts', instances, from);
  }
  adopt(resources: ReadonlyArray<{ name: string; instance: string; createdAt: number }>): Promise<void> {
    return this.#call('adopt', resources);
  }

  /** Lets every posted append finish, closes the database, and ends the worker. */
  async close(): Promise<void> {
    if (this.#dead) return;
    const closed = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ op: 'close' } satisfies ToWorker);
    await closed;
  }
}
