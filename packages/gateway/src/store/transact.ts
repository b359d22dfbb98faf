// What both store implementations share around transactions: writes outside an explicit transaction each run in
// their own, an in-process queue for SQLite's one connection, and the change version's watcher.
import type { StoreTables } from './types.ts';

type Transaction = <T>(work: (tx: StoreTables) => Promise<T>) => Promise<T>;

/** The tables as the Store exposes them: reads straight through, every write in a transaction of its own. */
export function ownTransactions(tables: StoreTables, transaction: Transaction): StoreTables {
  return {
    servicePrincipals: {
      list: () => tables.servicePrincipals.list(),
      insert: (r) => transaction((tx) => tx.servicePrincipals.insert(r)),
      delete: (id) => transaction((tx) => tx.servicePrincipals.delete(id)),
      setSecretHash: (id, hash) => transaction((tx) => tx.servicePrincipals.setSecretHash(id, hash)),
    },
    roleAssignments: {
      list: () => tables.roleAssignments.list(),
      insert: (r) => transaction((tx) => tx.roleAssignments.insert(r)),
      delete: (name) => transaction((tx) => tx.roleAssignments.delete(name)),
    },
    resourceGroups: { list: () => tables.resourceGroups.list(), put: (r) => transaction((tx) => tx.resourceGroups.put(r)) },
    accounts: {
      list: () => tables.accounts.list(),
      put: (r) => transaction((tx) => tx.accounts.put(r)),
      delete: (name) => transaction((tx) => tx.accounts.delete(name)),
    },
    deployments: {
      list: () => tables.deployments.list(),
      put: (r) => transaction((tx) => tx.deployments.put(r)),
      delete: (account, name) => transaction((tx) => tx.deployments.delete(account, name)),
    },
    settings: { get: (key) => tables.settings.get(key), set: (key, value) => transaction((tx) => tx.settings.set(key, value)) },
    secrets: {
      get: (name) => tables.secrets.get(name),
      put: (name, value) => transaction((tx) => tx.secrets.put(name, value)),
      create: (name, value) => transaction((tx) => tx.secrets.create(name, value)),
    },
  };
}

/** Runs tasks one at a time, in order (SQLite's single connection cannot hold two transactions). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The newest change version this process has seen; listeners hear each increase once, whoever committed it (this
 * process after its own commit, or another replica through the poll or NOTIFY).
 */
export class ChangeWatcher {
  #seen: number;
  readonly #listeners: Array<(version: number) => void> = [];

  constructor(initial: number) {
    this.#seen = initial;
  }

  get seen(): number {
    return this.#seen;
  }

  listen(listener: (version: number) => void): void {
    this.#listeners.push(listener);
  }

  offer(version: number): void {
    if (!(version > this.#seen)) return;
    this.#seen = version;
    for (const listener of this.#listeners) listener(version);
  }
}
