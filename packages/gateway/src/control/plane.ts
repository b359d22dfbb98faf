// The control plane's state: resource groups, accounts and deployments as the store holds them, and the data plane's
// snapshot built from them. Every change runs in one store transaction holding the store's write lock (across every
// replica), re-reads the records under it, checks and writes, then swaps in a new snapshot before it returns: a check
// made inside a change still holds when it writes, whichever replica races it. Other replicas' changes arrive
// through `reload`, called when the store's change version moves (gateway.ts).
import type { GatewayConfig } from '../config/index.ts';
import type { AccountRecord, DeploymentRecord, ResourceGroupRecord, Store, StoreTables } from '../store/types.ts';
import { buildSnapshot, type ControlRecords } from './build.ts';
import { seedFromConfig } from './seed.ts';
import { ControlState } from './snapshot.ts';

/** The writes, available only inside `ControlPlane.change`. */
export interface ControlWriter {
  putResourceGroup(record: ResourceGroupRecord): Promise<boolean>;
  putAccount(record: AccountRecord): Promise<void>;
  deleteAccount(name: string): Promise<boolean>;
  putDeployment(record: DeploymentRecord): Promise<void>;
  deleteDeployment(account: string, name: string): Promise<boolean>;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class ControlPlane {
  readonly state: ControlState;
  readonly #store: Store;
  readonly #config: GatewayConfig;
  #records: ControlRecords;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(store: Store, config: GatewayConfig, records: ControlRecords) {
    this.#store = store;
    this.#config = config;
    this.#records = records;
    this.state = new ControlState(buildSnapshot(records, config));
  }

  /** Seeds the store from the config, then loads it. `warnings` name seeded items the store overrode. */
  static async open(store: Store, config: GatewayConfig, now: () => number): Promise<{ plane: ControlPlane; warnings: string[] }> {
    // One transaction under the store's write lock: replicas (or workers) starting together seed one after the other,
    // so the later ones see the first's accounts and keep their keys.
    const warnings = await store.transaction((tx) => seedFromConfig(tx, config, new Date(now()).toISOString()));
    return { plane: new ControlPlane(store, config, await ControlPlane.#load(store)), warnings };
  }

  static async #load(store: StoreTables): Promise<ControlRecords> {
    const [groups, accounts, deployments] = await Promise.all([store.resourceGroups.list(), store.accounts.list(), store.deployments.list()]);
    return { groups, accounts, deployments };
  }

  get config(): GatewayConfig {
    return this.#config;
  }

  get records(): ControlRecords {
    return this.#records;
  }

  account(name: string): AccountRecord | undefined {
    return this.#records.accounts.find((a) => same(a.name, name));
  }

  /** The account a name or custom subdomain belongs to. */
  accountByLabel(label: string): AccountRecord | undefined {
    return this.#records.accounts.find((a) => same(a.name, label) || (a.customSubDomainName !== null && same(a.customSubDomainName, label)));
  }

  deployments(account: string): DeploymentRecord[] {
    return this.#records.deployments.filter((d) => same(d.account, account));
  }

  deployment(account: string, name: string): DeploymentRecord | undefined {
    return this.#records.deployments.find((d) => same(d.account, account) && same(d.name, name));
  }

  resourceGroup(subscriptionId: string, name: string): ResourceGroupRecord | undefined {
    return this.#records.groups.find((g) => same(g.subscriptionId, subscriptionId) && same(g.name, name));
  }

  /**
   * Runs `work` after every change of this process before it, in a store transaction: the records it reads are the
   * store's as of the lock, so its checks see every replica's writes. The snapshot is rebuilt before the promise settles.
   */
  change<T>(work: (writer: ControlWriter) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      try {
        return await this.#store.transaction(async (tx) => {
          this.#records = await ControlPlane.#load(tx);
          const writer: ControlWriter = {
            putResourceGroup: (r) => tx.resourceGroups.put(r),
            putAccount: (r) => tx.accounts.put(r),
            deleteAccount: (name) => tx.accounts.delete(name),
            putDeployment: (r) => tx.deployments.put(r),
            deleteDeployment: (account, name) => tx.deployments.delete(account, name),
          };
          return work(writer);
        });
      } finally {
        // Committed or rolled back, the records are re-read: a failed store (503) leaves the last good ones.
        await this.#reload().catch(() => undefined);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the store and swaps in a new snapshot (another replica's change); queued behind this process's changes. */
  reload(): Promise<void> {
    const run = this.#queue.then(() => this.#reload());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reload(): Promise<void> {
    this.#records = await ControlPlane.#load(this.#store);
    this.state.replace(buildSnapshot(this.#records, this.#config));
  }
}
