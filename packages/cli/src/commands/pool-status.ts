// How `deployment show` prints a pool: a line for the pool (attempts, affinity, failovers) and a row per member with
// what the gateway knows of it now (GET /monitoring/pools/{resource}/{deployment}).
import { table } from '../table.ts';

export interface PoolMemberStatus {
  name: string;
  kind: string;
  endpoint: string;
  model: string;
  weight: number;
  priority: number;
  rateLimits: { rpm?: number; itpm?: number; otpm?: number } | null;
  state: 'healthy' | 'resting' | 'open' | 'half-open';
  until: string | null;
  inFlight: number;
  served: number;
  failures: number;
  throttled: number;
  budgetSkips: number;
  budgetUntil: string | null;
}

export interface PoolStatus {
  maxAttempts: number;
  deadlineMs: number;
  affinity: boolean;
  failovers: number;
  affinityRequests: number;
  affinityKept: number;
  members: PoolMemberStatus[];
}

/** `12:03:04Z` for a time today, the full ISO time otherwise. */
function when(iso: string): string {
  return iso.slice(0, 10) === new Date().toISOString().slice(0, 10) ? `${iso.slice(11, 19)}Z` : iso;
}

function stateOf(m: PoolMemberStatus): string {
  const state = {
    healthy: 'healthy',
    resting: `resting until ${m.until ? when(m.until) : '?'}`,
    open: `breaker open until ${m.until ? when(m.until) : '?'}`,
    'half-open': 'half-open (next request probes)',
  }[m.state];
  return m.budgetUntil ? `${state}; budget spent until ${when(m.budgetUntil)}` : state;
}

function budgetOf(limits: PoolMemberStatus['rateLimits']): string {
  if (!limits) return '-';
  return [limits.rpm && `${limits.rpm} RPM`, limits.itpm && `${limits.itpm} ITPM`, limits.otpm && `${limits.otpm} OTPM`].filter(Boolean).join(', ');
}

export function describePool(pool: PoolStatus): string {
  const affinity = pool.affinity
    ? `cache affinity on (${pool.affinityKept} of ${pool.affinityRequests} keyed requests went to their home member)`
    : 'cache affinity off (weighted random)';
  const head = `Pool: ${pool.members.length} upstream${pool.members.length === 1 ? '' : 's'}, up to ${pool.maxAttempts} attempt${pool.maxAttempts === 1 ? '' : 's'} within ${pool.deadlineMs / 1000} s; ${affinity}; ${pool.failovers} failover${pool.failovers === 1 ? '' : 's'}.\n`;
  const rows = pool.members.map((m) => [
    m.name, m.kind, m.endpoint, m.model, String(m.weight), String(m.priority), budgetOf(m.rateLimits), stateOf(m),
    String(m.inFlight), String(m.served), String(m.failures), String(m.throttled), String(m.budgetSkips),
  ]);
  return head + table(['MEMBER', 'KIND', 'ENDPOINT', 'MODEL', 'WEIGHT', 'PRIORITY', 'BUDGET', 'STATE', 'IN-FLIGHT', 'SERVED', 'FAILURES', '429S', 'SKIPPED'], rows);
}
