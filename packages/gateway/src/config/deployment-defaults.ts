// `deploymentDefaults`: how a deployment created through the ARM API is served when the config file does not declare
// it — a backend with its settings, as a config deployment has them, applied to each deployment with its own model.
import type { Deployment } from '../control/types.ts';
import { type CassetteDefaults, parseBackendFields } from './backends.ts';
import { ConfigError, isObject, parseSimulator } from './index.ts';

export type BackendSettings = Pick<Deployment, 'backend' | 'upstream' | 'record' | 'replay' | 'rateLimits' | 'simulator'>;

/** The settings for one deployment; throws ConfigError when they cannot serve it (a retired model upstream). */
export type DeploymentDefaults = (target: { resource: string; deployment: string; model: string; capacity: number }) => BackendSettings;

const KEYS = ['backend', 'upstream', 'record', 'replay', 'rateLimits', 'simulator'];

export function parseDeploymentDefaults(
  value: unknown,
  where: string,
  context: { env: NodeJS.ProcessEnv; cwd: string; cassettes: CassetteDefaults },
): DeploymentDefaults | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"backend": "anthropic", "upstream": {"apiKeyEnv": "ANTHROPIC_API_KEY"}}.`);
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key)) throw new ConfigError(`${where}.${key} is not a setting here; use ${KEYS.map((k) => `"${k}"`).join(', ')}.`);
  }
  if (value['backend'] === 'pool') {
    throw new ConfigError(`${where}.backend "pool" is not available for deployments created through ARM yet; declare the pool's deployment in resources[].deployments[] with its "upstreams".`);
  }
  if (isObject(value['upstream']) && value['upstream']['model'] !== undefined) {
    throw new ConfigError(`${where}.upstream.model is taken from each deployment's model; leave it out.`);
  }
  const settings: DeploymentDefaults = (t) => {
    const fields = parseBackendFields(value, where, { ...context, resource: t.resource, deployment: t.deployment, model: t.model, capacity: t.capacity });
    return { ...fields, simulator: parseSimulator(value['simulator'], `${where}.simulator`) };
  };
  settings({ resource: 'example', deployment: 'example', model: 'claude-haiku-4-5', capacity: 80 }); // validated now, at start
  return settings;
}
