// The config's `upstreams`: where endpoints set over ARM may connect (backends/upstream/policy.ts enforces it).
import { DEFAULT_UPSTREAM_ALLOW, UpstreamPolicy } from '../backends/upstream/policy.ts';
import { ConfigError, isObject, optionalBoolean } from './index.ts';

export function parseUpstreamPolicy(value: unknown, where: string): UpstreamPolicy {
  if (value === undefined) return new UpstreamPolicy();
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"allow": ["api.anthropic.com", "*.services.ai.azure.com", "127.0.0.1"], "allowHttp": true}.`);
  const allow = value['allow'];
  if (allow !== undefined && (!Array.isArray(allow) || !allow.every((v) => typeof v === 'string'))) {
    throw new ConfigError(`${where}.allow must be an array of host names, IP addresses or CIDR ranges, such as ["api.anthropic.com", "*.services.ai.azure.com", "10.0.0.0/8"].`);
  }
  try {
    return new UpstreamPolicy((allow as string[] | undefined) ?? DEFAULT_UPSTREAM_ALLOW, optionalBoolean(value['allowHttp'], `${where}.allowHttp`) ?? false);
  } catch (err) {
    throw new ConfigError(`${where}.allow: ${(err as Error).message}`);
  }
}
