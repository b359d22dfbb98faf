// Budgets per resource: an amount per calendar month (UTC), thresholds that record an alert once each, and
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
  /** A priced request of this replica. */
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
  #month: Month;
  #sharing: BudgetSharing | undefined;

  constructor(store: BudgetStore, now: () => number) {
    this.#store = store;
    this.#now = now;
    this.#month = monthOf(now());
  }

  /** Budgets, this month's cost so far and this month's alerts, from the store. */
  async load(resources: string[]): Promise<void> {
    this.#month = monthOf(this.#now());
    const [budgets, spent, alerts] = await Promise.all([
      this.#store.budgets(),
      this.#store.costSince(this.#month.start),
      this.#store.alerts(resources, this.#month.start),
    ]);
    for (const b of budgets) this.#budgets.set(b.resource.toLowerCase(), b);
    // Requests priced while loading were already added: add the stored figure to them.
    for (const [resource, pico] of Object.entries(spent)) this.#spent.set(resource.toLowerCase(), (this.#spent.get(resource.toLowerCase()) ?? 0n) + pico);
    for (const a of alerts) if (a.month === this.#month.key) this.#alertedFor(a.resource).add(a.threshold);
  }

  /** From now on, spend and budget changes are shared with other replicas. */
  share(sharing: BudgetSharing): void {
    this.#sharing = sharing;
  }

  /** The month-to-date figure all replicas together reached (from the shared counter). */
  sharedSpent(resource: string, monthKey: string, pico: bigint): void {
    this.#roll();
    if (monthKey !== this.#month.key) return;
    const key = resource.toLowerCase();
    this.#spent.set(key, pico);
    if (this.#budgets.has(key)) this.#check(resource);
  }

  /** Every budget, as another replica last left them. */
  replaceBudgets(budgets: readonly Budget[]): void {
    this.#budgets.clear();
    for (const b of budgets) this.#budgets.set(b.resource.toLowerCase(), b);
    for (const b of budgets) this.#check(b.resource);
  }

  /** This month's spend per resource as this replica knows it (what seeds a shared counter that is missing). */
  spentByResource(): Map<string, bigint> {
    this.#roll();
    return new Map(this.#spent);
  }

  get month(): Month {
    return this.#month;
  }

  budget(resource: string): Budget | undefined {
    return this.#budgets.get(resource.toLowerCase());
  }

  list(): Budget[] {
    return [...this.#budgets.values()];
  }

  set(budget: Budget): void {
    this.#budgets.set(budget.resource.toLowerCase(), budget);
    this.#sharing?.changed(budget.resource, budget);
    this.#check(budget.resource);
  }

  delete(resource: string): void {
    this.#budgets.delete(resource.toLowerCase());
    this.#sharing?.changed(resource, undefined);
  }

  /** This month's cost so far, picodollars. */
  spent(resource: string): bigint {
    this.#roll();
    return this.#spent.get(resource.toLowerCase()) ?? 0n;
  }

  /** A priced request: adds to the month and records any threshold it crosses. */
  add(resource: string, costPico: number): void {
    if (costPico === 0) return;
    this.#roll();
    const key = resource.toLowerCase();
    this.#spent.set(key, (this.#spent.get(key) ?? 0n) + BigInt(costPico));
    this.#sharing?.added(resource, this.#month, BigInt(costPico));
    if (this.#budgets.has(key)) this.#check(resource);
  }

  /** Throws the 403 an enforced budget answers once the month's cost reached it. */
  admit(resource: string): void {
    const budget = this.#budgets.get(resource.toLowerCase());
    if (!budget?.enforce) return;
    const spent = this.spent(resource);
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

  #alertedFor(resource: string): Set<number> {
    const key = resource.toLowerCase();
    let set = this.#alerted.get(key);
    if (!set) this.#alerted.set(key, (set = new Set()));
    return set;
  }

  #check(resource: string): void {
    const budget = this.#budgets.get(resource.toLowerCase());
    if (!budget || budget.amountPico === 0n) return;
    const spent = this.#spent.get(resource.toLowerCase()) ?? 0n;
    const alerted = this.#alertedFor(resource);
    for (const threshold of budget.thresholds) {
      if (alerted.has(threshold) || spent * 100n < budget.amountPico * BigInt(threshold)) continue;
      alerted.add(threshold);
      const alert = { resource: budget.resource, month: this.#month.key, threshold, spentPico: spent, amountPico: budget.amountPico, time: this.#now() };
      const record = () => {
        logger().warn({ resource: budget.resource, threshold, spentUsd: formatUsd(spent), budgetUsd: formatUsd(budget.amountPico) }, 'budget threshold reached');
        this.#store.recordAlert(alert).catch((err: unknown) => {
          logger().error({ err }, 'budget alert not recorded');
        });
      };
      // With replicas, the one that claims the alert records it: one alert per threshold, not one per replica.
      if (!this.#sharing) record();
      else this.#sharing.claimAlert(budget.resource, this.#month, threshold).then((claimed) => claimed && record(), (err: unknown) => logger().error({ err }, 'budget alert not claimed'));
    }
  }
}
