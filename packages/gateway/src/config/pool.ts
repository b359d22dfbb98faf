// A pool deployment's config: `upstreams` (each an anthropic or foundry target with its own credentials,
// model, weight and priority group) and the optional `pool` object (attempts, deadline, breaker).
// docs/upstreams.md#pools documents every field.
import type { UpstreamPolicy } from '../backends/upstream/policy.ts';
import type { BreakerSettings, PoolMemberSettings, PoolSettings, RateLimits, UpstreamAuth } from '../control/types.ts';
import type { PoolRecord } from '../store/types.ts';
import type { BackendContext } from './backends.ts';
import { checkKeys, DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUTS, defaultUpstreamModel, ENTRA_SCOPE, parseUpstream } from './backends.ts';
import { Secret } from './secret.ts';
import { ConfigError, isObject, optionalBoolean, optionalInteger, optionalNumber, optionalString } from './index.ts';

export const DEFAULT_BREAKER: BreakerSettings = { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, openMs: 30_000 };
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_DEADLINE_MS = 120_000;
const EXAMPLE = '[{"backend": "foundry", "resource": "claude-east", "apiKeyEnv": "EAST_KEY"}, {"backend": "anthropic", "apiKeyEnv": "ANTHROPIC_API_KEY", "priority": 1}]';

export function parsePool(item: Record<string, unknown>, at: string, context: BackendContext): PoolSettings {
  const list = item['upstreams'];
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${at}.upstreams must be a non-empty array of upstreams such as ${EXAMPLE}.`);
  const members = list.map((value: unknown, i) => parseMember(value, `${at}.upstreams[${i}]`, context));
  const seen = new Set<string>();
  for (const [i, member] of members.entries()) {
    if (seen.has(member.name)) throw new ConfigError(`${at}.upstreams[${i}].name "${member.name}" is taken by another upstream of the pool; give each a distinct "name".`);
    seen.add(member.name);
  }
  const options = item['pool'];
  if (options !== undefined && !isObject(options)) throw new ConfigError(`${at}.pool must be an object such as {"maxAttempts": 3, "deadlineMs": 120000}.`);
  const pool = options ?? {};
  checkKeys(pool, `${at}.pool`, ['maxAttempts', 'deadlineMs', 'breaker', 'affinity']);
  return {
    members,
    maxAttempts: optionalInteger(pool['maxAttempts'], `${at}.pool.maxAttempts`, 1, 16) ?? Math.min(DEFAULT_MAX_ATTEMPTS, Math.max(members.length, 1)),
    deadlineMs: optionalInteger(pool['deadlineMs'], `${at}.pool.deadlineMs`, 1, 3_600_000) ?? DEFAULT_DEADLINE_MS,
    breaker: parseBreaker(pool['breaker'], `${at}.pool.breaker`),
    affinity: optionalBoolean(pool['affinity'], `${at}.pool.affinity`) ?? true,
  };
}

function parseMember(value: unknown, where: string, context: BackendContext): PoolMemberSettings {
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"backend": "anthropic", "apiKeyEnv": "ANTHROPIC_API_KEY"}.`);
  const backend = optionalString(value['backend'], `${where}.backend`);
  if (backend !== 'anthropic' && backend !== 'foundry') {
    throw new ConfigError(`${where}.backend must be "anthropic" or "foundry"${backend === undefined ? '' : `, not "${backend}"`}: a pool forwards to real upstreams.`);
  }
  const { name, weight, priority, rateLimits, backend: _, ...settings } = value;
  const upstream = parseUpstream(settings, where, backend, context);
  const fallbackName = backend === 'anthropic' ? `anthropic-${new URL(upstream.baseUrl).host}` : new URL(upstream.baseUrl).host.split('.')[0]!;
  const memberName = optionalString(name, `${where}.name`) ?? fallbackName;
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(memberName)) {
    throw new ConfigError(`${where}.name "${memberName.slice(0, 80)}" must be 1-64 letters, digits, dots, colons, underscores and hyphens.`);
  }
  const member: PoolMemberSettings = {
    name: memberName,
    backend,
    upstream,
    weight: optionalNumber(weight, `${where}.weight`, 0.001, 1_000_000) ?? 1,
    priority: optionalInteger(priority, `${where}.priority`, 0, 1000) ?? 0,
  };
  const budget = parseMemberLimits(rateLimits, `${where}.rateLimits`);
  if (budget) member.rateLimits = budget;
  return member;
}

/** A member's own budget: any of rpm, itpm, otpm (a missing one is no limit). */
function parseMemberLimits(value: unknown, where: string): Partial<RateLimits> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.keys(value).length === 0) throw new ConfigError(`${where} must be an object with any of "rpm", "itpm", "otpm", such as {"rpm": 40, "itpm": 40000}.`);
  checkKeys(value, where, ['rpm', 'itpm', 'otpm']);
  const limits: Partial<RateLimits> = {};
  for (const key of ['rpm', 'itpm', 'otpm'] as const) {
    const n = optionalInteger(value[key], `${where}.${key}`, 1, 1_000_000_000_000);
    if (n !== undefined) limits[key] = n;
  }
  return limits;
}

function parseBreaker(value: unknown, where: string): BreakerSettings {
  if (value === undefined) return { ...DEFAULT_BREAKER };
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"windowMs": 60000, "minRequests": 5, "failureRatio": 0.5, "openMs": 30000}.`);
  checkKeys(value, where, ['windowMs', 'minRequests', 'failureRatio', 'openMs']);
  return {
    windowMs: optionalInteger(value['windowMs'], `${where}.windowMs`, 100, 3_600_000) ?? DEFAULT_BREAKER.windowMs,
    minRequests: optionalInteger(value['minRequests'], `${where}.minRequests`, 1, 1_000_000) ?? DEFAULT_BREAKER.minRequests,
    failureRatio: optionalNumber(value['failureRatio'], `${where}.failureRatio`, 0.01, 1) ?? DEFAULT_BREAKER.failureRatio,
    openMs: optionalInteger(value['openMs'], `${where}.openMs`, 100, 3_600_000) ?? DEFAULT_BREAKER.openMs,
  };
}

/**
 * A pool set over ARM (already validated by control/arm/pool-body.ts), as the pool backend reads it; `model` is the
 * deployment's. Its endpoints came over ARM, so each connection to them is checked against `policy`.
 */
export function poolFromRecord(record: PoolRecord, model: string, policy: UpstreamPolicy): PoolSettings {
  const members = record.members.map((m): PoolMemberSettings => {
    const c = m.credentials;
    const auth: UpstreamAuth =
      c.type === 'key'
        ? { kind: 'key', key: new Secret(c.key) }
        : { kind: 'entra', scope: ENTRA_SCOPE, credential: 'clientSecret', tenantId: c.tenantId, clientId: c.clientId, clientSecret: new Secret(c.clientSecret), ...(c.authorityHost ? { authorityHost: c.authorityHost } : {}) };
    const member: PoolMemberSettings = {
      name: m.name,
      backend: m.kind,
      upstream: { baseUrl: m.endpoint, model: m.model ?? defaultUpstreamModel(m.kind, model), auth, timeouts: { ...DEFAULT_TIMEOUTS, ...m.timeouts }, maxConnections: DEFAULT_MAX_CONNECTIONS, policy },
      weight: m.weight,
      priority: m.priority,
    };
    if (m.rateLimits) member.rateLimits = { ...m.rateLimits };
    return member;
  });
  return {
    members,
    maxAttempts: record.maxAttempts ?? Math.min(DEFAULT_MAX_ATTEMPTS, members.length),
    deadlineMs: record.deadlineMs ?? DEFAULT_DEADLINE_MS,
    breaker: { ...DEFAULT_BREAKER, ...record.breaker },
    affinity: record.affinity,
  };
}
