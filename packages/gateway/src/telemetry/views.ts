// The monitoring API's JSON: ISO times, money as exact decimal strings (USD and Foundry's CCU), tokens as numbers.
import type { Budget, BudgetAlert, StoredRecord, UsageRow } from './log-store.ts';
import { formatCcu, formatUsd } from './money.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function usageView(r: UsageRow) {
  return {
    time: iso(r.time),
    resource: r.resource,
    ...(r.deployment !== undefined ? { deployment: r.deployment } : {}),
    ...(r.model !== undefined ? { model: r.model } : {}),
    ...(r.principal !== undefined ? { principal: r.principal } : {}),
    requests: r.requests,
    errors: r.errors,
    throttled: r.throttled,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheWrite5mTokens: r.cacheWrite5mTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    cacheReadTokens: r.cacheReadTokens,
    costUsd: formatUsd(r.costPico),
    costCcu: formatCcu(r.costPico),
    averageDurationMs: r.requests ? Math.round((r.durationMsSum / r.requests) * 1000) / 1000 : 0,
  };
}

export function recordView(r: StoredRecord) {
  const { costPico, time, content, instance: _instance, ...rest } = r;
  return { ...rest, time: iso(time), costUsd: formatUsd(BigInt(costPico)), ...(content ? { content } : {}) };
}

/** A usage bucket as the monitoring API answers it (`GET …/usage`). */
export type UsageView = ReturnType<typeof usageView>;
/** A request-log record as the monitoring API answers it (`GET …/logs`). */
export type RecordView = ReturnType<typeof recordView>;

export function budgetView(b: Budget, spentPico: bigint, month: string) {
  return {
    resource: b.resource,
    amountUsd: formatUsd(b.amountPico),
    thresholds: b.thresholds,
    enforce: b.enforce,
    month,
    spentUsd: formatUsd(spentPico),
    percentUsed: b.amountPico === 0n ? null : Number((spentPico * 10000n) / b.amountPico) / 100,
    updatedAt: iso(b.updatedAt),
  };
}

export function alertView(a: BudgetAlert) {
  return { resource: a.resource, month: a.month, threshold: a.threshold, spentUsd: formatUsd(a.spentPico), amountUsd: formatUsd(a.amountPico), time: iso(a.time) };
}
