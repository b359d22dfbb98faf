// `limits`: where the rate-limit buckets live when several processes share them (Redis), and what each deployment
// does while Redis is unreachable (docs/scale-out.md "Rate limits and budgets on Redis").
import { DEFAULT_LEASE_MS, REDIS_DOWN_MODES, type RedisDownMode } from '../limits/redis.ts';
import { ConfigError, isObject, optionalInteger, optionalString } from './index.ts';

export interface LimitsConfig {
  /** `redis://…` (or `rediss://`): buckets and budgets' spend shared by replicas; absent: in-process. */
  redis: string | undefined;
  /** What a deployment does while Redis is unreachable, unless it says otherwise. */
  redisDown: RedisDownMode;
  /** `{resource}/{deployment}` (resource lower-case) → its own `redisDown`. */
  redisDownOf: ReadonlyMap<string, RedisDownMode>;
  /** How many replicas share the limits: with `local`, each admits limit/replicas while Redis is away. */
  replicas: number;
  commandTimeoutMs: number;
  keyPrefix: string;
  /** How long a lease from Redis is spent before it is repaid; 0: no leases. */
  leaseMs: number;
}

export const DEFAULT_REDIS_DOWN: RedisDownMode = 'local';
export const DEFAULT_COMMAND_TIMEOUT_MS = 200;
export const DEFAULT_KEY_PREFIX = 'claude-foundry:';

function redisDownOf(value: unknown, where: string): RedisDownMode | undefined {
  if (value === undefined) return undefined;
  const found = REDIS_DOWN_MODES.find((m) => m === value);
  if (!found) throw new ConfigError(`${where} must be "fail-closed" (503 while Redis is unreachable) or "local" (per-replica buckets of limit/replicas), not ${JSON.stringify(value)?.slice(0, 40)}.`);
  return found;
}

export function parseLimitsConfig(raw: Record<string, unknown>, source: string, env: NodeJS.ProcessEnv): LimitsConfig {
  const where = `${source}: limits`;
  const value = raw['limits'] ?? {};
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"redis": "redis://127.0.0.1:6379", "replicas": 3}.`);
  const url = optionalString(value['redis'], `${where}.redis`) ?? (env['REDIS_URL'] || undefined);
  if (url !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    const from = value['redis'] === undefined ? 'REDIS_URL' : `${where}.redis`;
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new ConfigError(`${from} must be a URL such as "redis://127.0.0.1:6379" (or rediss:// for TLS).`);
  }
  const modes = new Map<string, RedisDownMode>();
  const resources = Array.isArray(raw['resources']) ? raw['resources'] : [];
  resources.forEach((resource: unknown, i) => {
    if (!isObject(resource) || typeof resource['name'] !== 'string' || !Array.isArray(resource['deployments'])) return; // the resources' parser says what is wrong
    resource['deployments'].forEach((d: unknown, j) => {
      if (!isObject(d) || typeof d['name'] !== 'string') return;
      const mode = redisDownOf(d['redisDown'], `${source}: resources[${i}].deployments[${j}].redisDown`);
      if (mode) modes.set(`${(resource['name'] as string).toLowerCase()}/${d['name']}`, mode);
    });
  });
  return {
    redis: url,
    redisDown: redisDownOf(value['redisDown'], `${where}.redisDown`) ?? DEFAULT_REDIS_DOWN,
    redisDownOf: modes,
    replicas: optionalInteger(value['replicas'], `${where}.replicas`, 1, 1000) ?? 1,
    commandTimeoutMs: optionalInteger(value['commandTimeoutMs'], `${where}.commandTimeoutMs`, 10, 10_000) ?? DEFAULT_COMMAND_TIMEOUT_MS,
    keyPrefix: optionalString(value['keyPrefix'], `${where}.keyPrefix`) ?? DEFAULT_KEY_PREFIX,
    leaseMs: optionalInteger(value['leaseMs'], `${where}.leaseMs`, 0, 10_000) ?? DEFAULT_LEASE_MS,
  };
}
