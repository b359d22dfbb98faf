// A resource's monthly budget and its threshold alerts, over the gateway's monitoring API (docs/monitoring.md), with
// the same ARM token: Reader reads, Owner and Contributor write.
import { ApiError, call } from './api.ts';

export interface Budget {
  resource: string;
  amountUsd: string;
  thresholds: number[];
  enforce: boolean;
  month: string;
  spentUsd: string;
  percentUsed: number | null;
  updatedAt: string;
}

export interface BudgetAlert {
  resource: string;
  month: string;
  threshold: number;
  spentUsd: string;
  amountUsd: string;
  time: string;
}

const path = (resource: string) => `/monitoring/budgets/${encodeURIComponent(resource)}`;

/** The resource's budget, or null when it has none (404). */
export const getBudget = (resource: string) =>
  call<Budget>('GET', path(resource)).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  });
export const putBudget = (resource: string, body: { amountUsd: string; thresholds: unknown[]; enforce: boolean }) => call<Budget>('PUT', path(resource), body);
export const deleteBudget = (resource: string) => call<unknown>('DELETE', path(resource));
export const listAlerts = (resource: string, from: string) =>
  call<{ value: BudgetAlert[] }>('GET', `/monitoring/alerts?resource=${encodeURIComponent(resource)}&from=${encodeURIComponent(from)}`).then((r) => r.value);
