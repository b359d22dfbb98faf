// A pool member's own budget (requests, uncached input and output tokens per minute), drawn through the gateway's
// Limiter like a deployment's: a member whose budget is spent is passed by for the next, not counted as failing.
import type { PoolMemberSettings } from '../../control/types.ts';
import { settleWith } from '../../limits/admission.ts';
import type { Reservation, Scope } from '../../limits/index.ts';
import type { TokenUsage } from '../types.ts';

/**
 * A limit the member's budget leaves out: finite (a shared limiter stores and compares numbers, where Infinity would not
 * survive JSON) and larger than any demand, so it never refuses.
 */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** The member's scope: keyed by its pool's deployment instance and its name, so a re-created deployment starts afresh. */
export function budgetScope(poolKey: string, member: PoolMemberSettings): Scope | undefined {
  const limits = member.rateLimits;
  if (!limits) return undefined;
  return { key: `pool:${poolKey}/${member.name}`, limits: { rpm: limits.rpm ?? NO_LIMIT, itpm: limits.itpm ?? NO_LIMIT, otpm: limits.otpm ?? NO_LIMIT } };
}

/** Settles a served request's reservation with what it used (as admission does); a client gone with no usage seen keeps the estimate. */
export function settleBudget(reservation: Reservation, usage: Promise<TokenUsage | undefined>, aborted: () => boolean): void {
  usage.then((used) => settleWith(reservation, used, aborted()), () => settleWith(reservation, undefined, aborted()));
}
