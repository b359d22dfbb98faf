// The one config loader: a JSON file (optional), environment variables and call-site overrides,
// validated once into a typed GatewayConfig. Its resources and deployments seed the store at start
// (control/seed.ts); the data plane only ever sees the snapshot built from the store.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Deployment, RateLimits, SimulatorProfile, SubscriptionType } from '../control/types.ts';
import { type CassetteDefaults, parseBackendFields, parseCassettes } from './backends.ts';
import { parsePool } from './pool.ts';
import { type DeploymentDefaults, parseDeploymentDefaults } from './deployment-defaults.ts';
import type { RawConfig } from './schema.ts';
import { schemaProblems } from './strict.ts';
import { parseScenarioConfig, type ScenarioConfig } from './scenarios.ts';
import { type LimitsConfig, parseLimitsConfig } from './limits.ts';
import { GUID, RESOURCE_GROUP } from '../auth/scopes.ts';
import { parseIpRange } from '../control/network.ts';
import type { UpstreamPolicy } from '../backends/upstream/policy.ts';
import { parseUpstreamPolicy } from './upstream-policy.ts';
import { type ConnectionSettings, parseConnectionSettings } from '../http/config.ts';
import { type IdentityConfig, parseIdentityConfig } from '../identity/config.ts';
import { MAX_CAPACITY } from '../limits/capacity.ts';
import { defaultCapacity } from '../limits/quota.ts';
import { getModel, listModels } from '../models/catalog.ts';
import { currentGeneration } from '../models/lifecycle.ts';
import { checkOneTypePerSubscription, parseQuotas, subscriptionTypeOf } from './quotas.ts';
import { parseDeclaredModels } from './models.ts';
import type { CatalogModel } from '../models/types.ts';
import { nearest } from './strict.ts';
import { defaultResourceMonitoring, type MonitoringConfig, parseMonitoringConfig, parseResourceMonitoring, type ResourceMonitoring } from '../telemetry/config.ts';

export const DEFAULT_PORT = 4480;
/** The HTTPS listener (the development identity provider needs it); 0 when `port` is 0. */
export const DEFAULT_HTTPS_PORT = 4443;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_RESOURCE = 'claude-local';
/** The subscription and resource group a resource belongs to unless configured (docs/identity.md). */
export const DEFAULT_SUBSCRIPTION_ID = 'c1a0de00-5ab5-4000-8000-000000000001';
export const DEFAULT_RESOURCE_GROUP = 'claude-foundry';
/**
 * The default resource's deployments: the current Sonnet, Opus and Haiku of the catalog on the day of the start
 * (newest active by release date), under their default deployment names. Foundry launched Claude with
 * claude-sonnet-4-5, claude-opus-4-1 and claude-haiku-4-5; those names still work for deployments users create.
 */
export function defaultDeployments(now: number = Date.now()): string[] {
  return currentGeneration(listModels(), ['sonnet', 'opus', 'haiku'], now).map((m) => m.id);
}
/** 32 MB, the Messages API's documented request limit. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A deployment in the config is exactly what the data plane serves. */
export type DeploymentConfig = Deployment;

export interface ResourceConfig {
  name: string;
  /** With the resource group, places the resource in ARM scopes for role assignments. */
  subscriptionId: string;
  resourceGroup: string;
  /** Fixed keys; when absent, keys are generated once and kept in the data folder. */
  keys?: { key1: string; key2: string };
  disableLocalAuth: boolean;
  /** Sets the subscription's default Claude quotas (limits/quota.ts); resources of one subscription agree. */
  subscriptionType: SubscriptionType;
  deployments: DeploymentConfig[];
  /** Log retention, content logging, zero data retention (telemetry/config.ts). */
  monitoring: ResourceMonitoring;
}

export interface GatewayConfig {
  host: string;
  port: number;
  httpsPort: number;
  dataDir: string;
  /** Extra host suffixes: `{resource}.{domain}` addresses a resource, besides Azure's own. */
  domains: string[];
  maxBodyBytes: number;
  /**
   * Addresses and CIDR ranges of reverse proxies whose X-Forwarded-For is believed when a resource's network
   * rules judge the caller's address; empty: the socket's peer address is the caller's.
   */
  trustedProxies: string[];
  /** The seed: resources and deployments created at start when the store lacks them (control/seed.ts). */
  resources: ResourceConfig[];
  /** The subscription type of resources that do not set one, including those created over ARM. */
  subscriptionType: SubscriptionType;
  /** Pool limits by catalog model id, instead of the subscription type's defaults (every subscription). */
  quotas: ReadonlyMap<string, RateLimits>;
  /** Models outside the catalog the config declares (`models`), by id, with their limits, prices and dates. */
  models: ReadonlyMap<string, CatalogModel>;
  /** How ARM-created deployments the config does not declare are served; absent: the simulator. */
  deploymentDefaults: DeploymentDefaults | undefined;
  identity: IdentityConfig;
  /** Metrics endpoint and request-log writer (telemetry/config.ts). */
  monitoring: MonitoringConfig;
  /** Fixtures files of scripted replies for simulator deployments (docs/scenarios.md). */
  scenarios: ScenarioConfig;
  /** Timeouts, the per-address connection cap, discarding refused bodies (http/config.ts). */
  connections: ConnectionSettings;
  /** Worker processes sharing the listeners (`serve` forks them when more than 1; `"auto"` resolved to the cores). */
  workers: number;
  /** On SIGTERM, how long in-flight requests and streams may run before their connections are cut. */
  drainMs: number;
  /** Shared rate limits and budgets on Redis, and what a deployment does while it is away (config/limits.ts). */
  limits: LimitsConfig;
  /** `postgres`: the shared PostgreSQL store's URL; absent, the store is SQLite in `dataDir`. */
  store: { postgres: string | undefined };
  /** Where endpoints set over ARM may connect (`upstreams`); the config file's own upstreams are not checked. */
  upstreamPolicy: UpstreamPolicy;
}

export const DEFAULT_DRAIN_MS = 30_000;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const RESOURCE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$|^[a-zA-Z0-9]$/;
const DEPLOYMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

export function defaultSimulatorProfile(): SimulatorProfile {
  return { ttftMs: 0, tokensPerSecond: 0, faults: { rate429: 0, rate500: 0, rate529: 0, rateMidstream: 0 } };
}

export interface LoadConfigOptions {
  /** A config file path; defaults to $CLAUDE_FOUNDRY_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values that win over file and environment (used by tests and the CLI's flags). */
  overrides?: Partial<RawConfig> | undefined;
  cwd?: string;
}

export type { RawConfig } from './schema.ts';

export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env['CLAUDE_FOUNDRY_CONFIG'];
  let raw: Record<string, unknown> = {};
  if (file) raw = readConfigFile(resolve(cwd, file));
  const fromEnv: Record<string, unknown> = {};
  if (env['CLAUDE_FOUNDRY_HOST']) fromEnv.host = env['CLAUDE_FOUNDRY_HOST'];
  if (env['CLAUDE_FOUNDRY_PORT']) fromEnv.port = Number(env['CLAUDE_FOUNDRY_PORT']);
  if (env['CLAUDE_FOUNDRY_HTTPS_PORT']) fromEnv.httpsPort = Number(env['CLAUDE_FOUNDRY_HTTPS_PORT']);
  if (env['CLAUDE_FOUNDRY_DATA_DIR']) fromEnv.dataDir = env['CLAUDE_FOUNDRY_DATA_DIR'];
  if (env['CLAUDE_FOUNDRY_WORKERS']) fromEnv.workers = /^\d+$/.test(env['CLAUDE_FOUNDRY_WORKERS']) ? Number(env['CLAUDE_FOUNDRY_WORKERS']) : env['CLAUDE_FOUNDRY_WORKERS'];
  if (env['CLAUDE_FOUNDRY_DRAIN_MS']) fromEnv.drainMs = Number(env['CLAUDE_FOUNDRY_DRAIN_MS']);
  // DATABASE_URL, the name PaaS platforms set, stands for store.postgres when the file does not say.
  if (env['DATABASE_URL'] && !isObject(raw['store'])) fromEnv.store = { postgres: env['DATABASE_URL'] };
  const merged: Record<string, unknown> = { ...raw, ...fromEnv, ...options.overrides };
  const source = file ?? 'config';
  const problems = schemaProblems(merged);
  if (problems.unknownKey) throw new ConfigError(`${source}: ${problems.unknownKey}`);
  const config = parseConfig(merged, cwd, source, env);
  if (problems.other) throw new ConfigError(`${source}: ${problems.other}`);
  return config;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw new ConfigError(`Config file ${path} must hold a JSON object.`);
  return parsed;
}

function parseConfig(raw: Record<string, unknown>, cwd: string, source: string, env: NodeJS.ProcessEnv): GatewayConfig {
  const where = (field: string) => `${source}: ${field}`;
  const host = optionalString(raw['host'], where('host')) ?? DEFAULT_HOST;
  const port = optionalInteger(raw['port'], where('port'), 0, 65535) ?? DEFAULT_PORT;
  // A gateway on a free port (tests, embedding) takes a free HTTPS port too, rather than colliding on 4443.
  const httpsPort = optionalInteger(raw['httpsPort'], where('httpsPort'), 0, 65535) ?? (port === 0 ? 0 : DEFAULT_HTTPS_PORT);
  const dataDirRaw = optionalString(raw['dataDir'], where('dataDir')) ?? '.data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);
  const maxBodyBytes = optionalInteger(raw['maxBodyBytes'], where('maxBodyBytes'), 1024, 1024 ** 3) ?? DEFAULT_MAX_BODY_BYTES;
  let domains = ['localhost'];
  if (raw['domains'] !== undefined) {
    if (!Array.isArray(raw['domains']) || !raw['domains'].every((d) => typeof d === 'string' && d.length > 0)) {
      throw new ConfigError(`${where('domains')} must be an array of host suffixes such as ["claude.example.com"].`);
    }
    domains = (raw['domains'] as string[]).map((d) => d.toLowerCase().replace(/^\./, ''));
  }
  const trustedProxies = parseTrustedProxies(raw['trustedProxies'], where('trustedProxies'));
  const models = parseDeclaredModels(raw['models'], where('models'));
  const context = { env, cwd, cassettes: parseCassettes(raw['cassettes'], where('cassettes'), cwd, dataDir), models };
  // The embedded claude-local is for local work: an Enterprise quota, so it is not throttled at 40–80 requests a minute.
  const subscriptionType = subscriptionTypeOf(raw['subscriptionType'], where('subscriptionType')) ?? (raw['resources'] === undefined ? 'enterprise' : 'payg');
  const resources = raw['resources'] === undefined ? [defaultResource(subscriptionType)] : parseResources(raw['resources'], where('resources'), { ...context, subscriptionType });
  checkOneTypePerSubscription(resources, where('resources'));
  const deploymentDefaults = parseDeploymentDefaults(raw['deploymentDefaults'], where('deploymentDefaults'), context);
  const first = resources[0]!;
  const identity = parseIdentityConfig(raw['identity'], where('identity'), { env, defaultScope: `/subscriptions/${first.subscriptionId}` });
  const monitoring = parseMonitoringConfig(raw['monitoring'], where('monitoring'), env);
  const scenarios = parseScenarioConfig(raw, where, cwd, dataDir);
  const quotas = parseQuotas(raw['quotas'], where('quotas'), models);
  const connections = parseConnectionSettings(raw.connections, where('connections'));
  const workers = parseWorkers(raw['workers'], where('workers'));
  const drainMs = optionalInteger(raw['drainMs'], where('drainMs'), 0, 3_600_000) ?? DEFAULT_DRAIN_MS;
  const limits = parseLimitsConfig(raw, source, env);
  const store = parseStore(raw['store'], where('store'));
  const upstreamPolicy = parseUpstreamPolicy(raw['upstreams'], where('upstreams'));
  return { host, port, httpsPort, dataDir, domains, maxBodyBytes, trustedProxies, resources, subscriptionType, quotas, models, deploymentDefaults, identity, monitoring, scenarios, connections, workers, drainMs, limits, store, upstreamPolicy };
}

function parseWorkers(value: unknown, where: string): number {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw new ConfigError(`${where} must be a whole number from 1 to 1024, or "auto" for one per core; got ${JSON.stringify(value)?.slice(0, 40)}.`);
  }
  return value;
}

function parseStore(value: unknown, where: string): GatewayConfig['store'] {
  if (value === undefined) return { postgres: undefined };
  const postgres = isObject(value) ? value['postgres'] : undefined;
  if (postgres === undefined) return { postgres: undefined };
  if (typeof postgres !== 'string' || !/^postgres(ql)?:\/\/[^/]/.test(postgres)) {
    throw new ConfigError(`${where}.postgres must be a PostgreSQL URL such as "postgres://user:password@db.internal:5432/claude_foundry" (or set DATABASE_URL).`);
  }
  try {
    new URL(postgres);
  } catch {
    throw new ConfigError(`${where}.postgres is not a valid URL: percent-encode special characters of the password (e.g. @ as %40).`);
  }
  return { postgres };
}

function parseTrustedProxies(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && parseIpRange(v) !== undefined)) {
    throw new ConfigError(`${where} must be an array of IP addresses or CIDR ranges, such as ["10.0.0.0/8", "::1"].`);
  }
  return value as string[];
}

function defaultResource(subscriptionType: SubscriptionType): ResourceConfig {
  return {
    name: DEFAULT_RESOURCE,
    subscriptionId: DEFAULT_SUBSCRIPTION_ID,
    resourceGroup: DEFAULT_RESOURCE_GROUP,
    disableLocalAuth: false,
    subscriptionType,
    monitoring: defaultResourceMonitoring(),
    deployments: defaultDeployments().map((name) => ({
      name,
      model: name,
      backend: 'simulator' as const,
      sku: 'GlobalStandard' as const,
      capacity: defaultCapacity(name, subscriptionType),
      simulator: defaultSimulatorProfile(),
    })),
  };
}

/** What parsing a deployment's backend needs from around it. */
interface ParseContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  cassettes: CassetteDefaults;
  /** The config's models outside the catalog. */
  models: ReadonlyMap<string, CatalogModel>;
}

function parseResources(value: unknown, where: string, context: ParseContext & { subscriptionType: SubscriptionType }): ResourceConfig[] {
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(`${where} must be a non-empty array of resources.`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(item)) throw new ConfigError(`${at} must be an object with a name and deployments.`);
    const name = requiredString(item['name'], `${at}.name`);
    if (!RESOURCE_NAME.test(name)) {
      throw new ConfigError(`${at}.name "${name}" is not a valid resource name: use 2-64 letters, digits and hyphens, starting and ending with a letter or digit.`);
    }
    if (seen.has(name.toLowerCase())) throw new ConfigError(`${at}.name "${name}" is used twice; resource names are unique.`);
    seen.add(name.toLowerCase());
    const subscriptionType = subscriptionTypeOf(item['subscriptionType'], `${at}.subscriptionType`) ?? context.subscriptionType;
    const resource: ResourceConfig = {
      name,
      subscriptionId: (optionalString(item['subscriptionId'], `${at}.subscriptionId`) ?? DEFAULT_SUBSCRIPTION_ID).toLowerCase(),
      resourceGroup: optionalString(item['resourceGroup'], `${at}.resourceGroup`) ?? DEFAULT_RESOURCE_GROUP,
      disableLocalAuth: optionalBoolean(item['disableLocalAuth'], `${at}.disableLocalAuth`) ?? false,
      subscriptionType,
      deployments: parseDeployments(item['deployments'], `${at}.deployments`, { ...context, resource: name, subscriptionType }),
      monitoring: parseResourceMonitoring(item, at),
    };
    if (!GUID.test(resource.subscriptionId)) throw new ConfigError(`${at}.subscriptionId must be a GUID such as "${DEFAULT_SUBSCRIPTION_ID}".`);
    if (!RESOURCE_GROUP.test(resource.resourceGroup)) throw new ConfigError(`${at}.resourceGroup "${resource.resourceGroup}" is not a valid resource group name: use 1-90 letters, digits, '-', '_', '.', '(' and ')', not ending with '.'.`);
    if (item['keys'] !== undefined) resource.keys = parseKeys(item['keys'], `${at}.keys`);
    return resource;
  });
}

function parseKeys(value: unknown, where: string): { key1: string; key2: string } {
  if (!isObject(value)) throw new ConfigError(`${where} must be {"key1": "...", "key2": "..."}.`);
  const key1 = requiredString(value['key1'], `${where}.key1`);
  const key2 = requiredString(value['key2'], `${where}.key2`);
  for (const [k, v] of [['key1', key1], ['key2', key2]] as const) {
    if (v.length < 16) throw new ConfigError(`${where}.${k} is too short: keys need at least 16 characters.`);
  }
  if (key1 === key2) throw new ConfigError(`${where}: key1 and key2 must differ.`);
  return { key1, key2 };
}

function parseDeployments(value: unknown, where: string, context: ParseContext & { resource: string; subscriptionType: SubscriptionType }): DeploymentConfig[] {
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be an array of deployments.`);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(item)) throw new ConfigError(`${at} must be an object such as {"name": "claude-sonnet-4-6", "model": "claude-sonnet-4-6"}.`);
    const name = requiredString(item['name'], `${at}.name`);
    if (!DEPLOYMENT_NAME.test(name)) {
      throw new ConfigError(`${at}.name "${name}" is not a valid deployment name: use up to 64 letters, digits, '.', '_' and '-'.`);
    }
    if (seen.has(name)) throw new ConfigError(`${at}.name "${name}" is used twice in this resource.`);
    seen.add(name);
    const sku = optionalString(item['sku'], `${at}.sku`) ?? 'GlobalStandard';
    if (sku !== 'GlobalStandard' && sku !== 'DataZoneStandard') {
      throw new ConfigError(`${at}.sku must be "GlobalStandard" or "DataZoneStandard", not "${sku}".`);
    }
    const model = optionalString(item['model'], `${at}.model`) ?? name;
    const declaredModel = context.models.get(model);
    if (!getModel(model) && !declaredModel) throw new ConfigError(unknownModel(model, `${at}.model` + (item['model'] === undefined ? ' (the deployment name, as no model is given)' : '')));
    const capacity = optionalInteger(item['capacity'], `${at}.capacity`, 1, MAX_CAPACITY) ?? defaultCapacity(model, context.subscriptionType);
    const backendContext = { ...context, deployment: name, model, capacity };
    const fields = parseBackendFields(item, at, backendContext);
    if (fields.backend === 'pool') fields.pool = parsePool(item, at, backendContext);
    return { name, model, ...(declaredModel ? { declaredModel } : {}), sku, capacity, simulator: parseSimulator(item['simulator'], `${at}.simulator`), ...fields };
  });
}

/** A model the catalog lacks: the nearest one it has, and where the list is. */
function unknownModel(model: string, where: string): string {
  const names = listModels().flatMap((m) => [m.id, ...m.aliases]);
  const guess = nearest(model, names);
  return `${where} "${model.slice(0, 80)}" is not a model of the catalog${guess ? `; did you mean "${guess}"?` : '.'} ` +
    'Name a catalog model in "model" (`npx claude-foundry models` lists them), or declare a model outside the catalog with its limits and prices under "models" (docs/models.md); the deployment\'s own name may be anything.';
}

export function parseSimulator(value: unknown, where: string): SimulatorProfile {
  const profile = defaultSimulatorProfile();
  if (value === undefined) return profile;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"ttftMs": 200, "tokensPerSecond": 80}.`);
  profile.ttftMs = optionalInteger(value['ttftMs'], `${where}.ttftMs`, 0, 600_000) ?? 0;
  profile.tokensPerSecond = optionalNumber(value['tokensPerSecond'], `${where}.tokensPerSecond`, 0, 1_000_000) ?? 0;
  const faults = value['faults'];
  if (faults !== undefined) {
    if (!isObject(faults)) throw new ConfigError(`${where}.faults must be an object of probabilities such as {"rate429": 0.1}.`);
    for (const key of ['rate429', 'rate500', 'rate529', 'rateMidstream'] as const) {
      profile.faults[key] = optionalNumber(faults[key], `${where}.faults.${key}`, 0, 1) ?? 0;
    }
  }
  return profile;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requiredString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${where} is required and must be a non-empty string.`);
  return value;
}

export function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  return requiredString(value, where);
}

export function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false.`);
  return value;
}

export function optionalNumber(value: unknown, where: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${where} must be a number from ${min} to ${max}.`);
  }
  return value;
}

export function optionalInteger(value: unknown, where: string, min: number, max: number): number | undefined {
  const n = optionalNumber(value, where, min, max);
  if (n !== undefined && !Number.isInteger(n)) throw new ConfigError(`${where} must be a whole number from ${min} to ${max}.`);
  return n;
}
