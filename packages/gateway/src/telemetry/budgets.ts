// Budgets per resource instance (a name deleted and created again starts with none, and spends from 0): an amount per calendar month (UTC), thresholds that record an alert once each, and
// optional enforcement. Decisions come from an in-memory month-to-date figure (loaded from the hour rollups
// at start, then added to as each request is priced), never from a query per request. Replicas on one Redis
// share that figure and the budgets themselves (budgets-redis.ts keeps the book in step through `BudgetSharing`).
import { GatewayError } from '../errors/index.ts';
import { logger } from '../log/index.ts';
import type { Budget, RequestLogStore } from './log-store.ts';
import { formatUsd } from './money.ts';

export const DEFAULT_THRESHOLDS = [50, 80, 100];

export interface Month {
  /** `YYYY-MM` */
  key: string;
  start: number;
  end: number;
}

export function monthOf(ms: number): Month {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { key: new Date(start).toISOString().slice(0, 7), start, end };
}

/** APIM's quota wording: `d.hh:mm:ss` until the quota renews. */
function renewsIn(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}.${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

type BudgetStore = Pick<RequestLogStore, 'budgets' | 'costSince' | 'alerts' | 'recordAlert'>;

/** What the book tells the other replicas (budgets-redis.ts); it learns theirs through `sharedSpent` and `replaceBudgets`. */
export interface BudgetSharing {
  /** A priced request of this replica, for a resource instance (every `resource` here is one). */
  added(resource: string, month: Month, pico: bigint): void;
  /** A budget set (or, with only `resource`, deleted) on this replica. */
  changed(resource: string, budget: Budget | undefined): void;
  /** True for the one replica that records this alert. */
  claimAlert(resource: string, month: Month, threshold: number): Promise<boolean>;
}

export class BudgetBook {
  readonly #store: BudgetStore;
  readonly #now: () => number;
  readonly #budgets = new Map<string, Budget>();
  readonly #spent = new Map<string, bigint>();
  readonly #alerted = new Map<string, Set<number>>();
  /** Alert writes not yet answered: the alerts route waits for them, so a reader sees what this replica recorded. */
  readonly #recording = new Set<Promise<unknown>>();
  #month: Month;
  #sharing: BudgetSharing | undefined;

  constructor(store: BudgetStore, now: () => number) {
    this.#store = store;
    this.#now = now;
    this.#month = monthOf(now());
  }

  /** Budgets, this month's cost so far and this month's alerts (of these instances), from the store. */
  async load(instances: string[]): Promise<void> {
    this.#month = monthOf(this.#now());
    const [budgets, spent, alerts] = await Promise.all([
      this.#store.budgets(),
      this.#store.costSince(this.#month.start),
      this.#store.alerts(instances, this.#month.start),
    ]);
    for (const b of budgets) this.#budgets.set(b.instance, b);
    // Requests priced while loading were already added: add the stored figure to them.
    for (const [instance, pico] of Object.entries(spent)) this.#spent.set(instance, (this.#spent.get(instance) ?? 0n) + pico);
    for (const a of alerts) if (a.month === this.#month.key) this.#alertedFor(a.instance).add(a.threshold);
  }

  /** From now on, spend and budget changes are shared with other replicas. */
  share(sharing: BudgetSharing): void {
    this.#sharing = sharing;
  }

  /** The month-to-date figure all replicas together reached (from the shared counter). */
  sharedSpent(instance: string, monthKey: string, pico: bigint): void {
    this.#roll();
    if (monthKey !== this.#month.key) return;
    this.#spent.set(instance, pico);
    if (this.#budgets.has(instance)) this.#check(instance);
  }

  /** Every budget, as another replica last left them. */
  replaceBudgets(budgets: readonly Budget[]): void {
    this.#budgets.clear();
    for (const b of budgets) this.#budgets.set(b.instance, b);
    for (const b of budgets) this.#check(b.instance);
  }

  /** This month's spend per instance as this replica knows it (what seeds a shared counter that is missing). */
  spentByResource(): Map<string, bigint> {
    this.#roll();
    return new Map(this.#spent);
  }

  get month(): Month {
    return this.#month;
  }

  budget(instance: string): Budget | undefined {
    return this.#budgets.get(instance);
  }

  list(): Budget[] {
    return [...this.#budgets.values()];
  }

  set(budget: Budget): void {
    this.#budgets.set(budget.instance, budget);
    this.#sharing?.changed(budget.instance, budget);
    this.#check(budget.instance);
  }

  delete(instance: string): void {
    this.#budgets.delete(instance);
    this.#sharing?.changed(instance, undefined);
  }

  /** This month's cost so far, picodollars. */
  spent(instance: string): bigint {
    this.#roll();
    return this.#spent.get(instance) ?? 0n;
  }

  /** A priced request: adds to the month and records any threshold it crosses. */
  add(instance: string, costPico: number): void {
    if (costPico === 0) return;
    this.#roll();
    this.#spent.set(instance, (this.#spent.get(instance) ?? 0n) + BigInt(costPico));
    this.#sharing?.added(instance, this.#month, BigInt(costPico));
    if (this.#budgets.has(instance)) this.#check(instance);
  }

  /** Throws the 403 an enforced budget answers once the month's cost reached it. */
  admit(instance: string): void {
    const budget = this.#budgets.get(instance);
    if (!budget?.enforce) return;
    const spent = this.spent(instance);
    if (spent < budget.amountPico) return;
    const wait = this.#month.end - this.#now();
    throw new GatewayError(
      'budget_exceeded',
      `Out of budget: resource '${budget.resource}' has used $${formatUsd(spent)} of its monthly budget of $${formatUsd(budget.amountPico)}. ` +
        `Quota will be replenished in ${renewsIn(wait)}.`,
      { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) },
    );
  }

  #roll(): void {
    if (this.#now() < this.#month.end) return;
    this.#month = monthOf(this.#now());
    this.#spent.clear();
    this.#alerted.clear();
  }

  #alertedFor(instance: string): Set<number> {
    let set = this.#alerted.get(instance);
    if (!set) this.#alerted.set(instance, (set = new Set()));
    return set;
  }

  /** Resolves once every alert this replica has decided so far is written (or failed and logged). */
  async alertsRecorded(): Promise<void> {
    await Promise.all(this.#recording);
  }

  #check(instance: string): void {
    const budget = this.#budgets.get(instance);
    if (!budget || budget.amountPico === 0n) return;
    const spent = this.#spent.get(instance) ?? 0n;
    const alerted = this.#alertedFor(instance);
    for (const threshold of budget.thresholds) {
      if (alerted.has(threshold) || spent * 100n < budget.amountPico * BigInt(threshold)) continue;
      alerted.add(threshold);
      const alert = { instance, resource: budget.resource, month: this.#month.key, threshold, spentPico: spent, amountPico: budget.amountPico, time: this.#now() };
      const record = async () => {
        logger().warn({ resource: budget.resource, threshold, spentUsd: formatUsd(spent), budgetUsd: formatUsd(budget.amountPico) }, 'budget threshold reached');
        await this.#store.recordAlert(alert).catch((err: unknown) => {
          logger().error({ err }, 'budget alert not recorded');
        });
      };
      // With replicas, the one that claims the alert records it: one alert per threshold, not one per replica.
      const write = !this.#sharing
        ? record()
        : this.#sharing.claimAlert(instance, this.#month, threshold).then(
            (claimed) => (claimed ? record() : undefined),
            (err: unknown) => logger().error({ err }, 'budget alert not claimed'),
          );
      this.#recording.add(write);
      void write.finally(() => this.#recording.delete(write));
    }
  }
}
