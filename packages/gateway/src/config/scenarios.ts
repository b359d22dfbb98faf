// Where the fixtures files are: `scenarios` at the top of the config (every simulator deployment),
// `scenarios` on a simulator deployment (that one only), and `{dataDir}/scenarios.json`, read when it
// exists. Paths are relative to the working directory, as the config's other paths.
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './index.ts';

export interface ScenarioConfig {
  /** Files whose rules apply to every simulator deployment. */
  files: string[];
  /** Files of one deployment each, whose rules come before the others. */
  deployments: Array<{ resource: string; deployment: string; files: string[] }>;
  /** `{dataDir}/scenarios.json`: optional, watched for its creation; its rules come last. */
  defaultFile: string;
}

const DEFAULT_SCENARIOS_FILE = 'scenarios.json';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function paths(value: unknown, where: string, cwd: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new ConfigError(`${where} must be a fixtures file's path or an array of paths, such as "test/scenarios.json".`);
  }
  return list.map((p: string) => (isAbsolute(p) ? p : resolve(cwd, p)));
}

/** Reads `scenarios` from the raw config and from each raw deployment; the rest of the config is checked elsewhere. */
export function parseScenarioConfig(raw: { scenarios?: unknown; resources?: unknown }, where: (field: string) => string, cwd: string, dataDir: string): ScenarioConfig {
  const config: ScenarioConfig = { files: [], deployments: [], defaultFile: join(dataDir, DEFAULT_SCENARIOS_FILE) };
  if (raw.scenarios !== undefined) config.files = paths(raw.scenarios, where('scenarios'), cwd);
  if (!Array.isArray(raw.resources)) return config;
  raw.resources.forEach((resource: unknown, i) => {
    if (!isObject(resource) || !Array.isArray(resource['deployments'])) return;
    resource['deployments'].forEach((deployment: unknown, j) => {
      if (!isObject(deployment) || deployment['scenarios'] === undefined) return;
      const at = where(`resources[${i}].deployments[${j}].scenarios`);
      const backend = deployment['backend'] ?? 'simulator';
      if (backend !== 'simulator') throw new ConfigError(`${at}: scenarios are played by simulator deployments; this one's backend is "${String(backend)}".`);
      if (typeof resource['name'] !== 'string' || typeof deployment['name'] !== 'string') return; // the config's own checks name these
      config.deployments.push({ resource: resource['name'], deployment: deployment['name'], files: paths(deployment['scenarios'], at, cwd) });
    });
  });
  return config;
}
