// The backend half of a deployment's config: which backend serves it, the upstream it forwards to
// (anthropic, foundry), its cassettes (record, replay) and its rate limits; validated once, with
// messages that say what to write instead. docs/upstreams.md documents every field.
import { isAbsolute, join, resolve } from 'node:path';
import type {
  DeploymentBackend,
  PoolSettings,
  RateLimits,
  RecordSettings,
  ReplaySettings,
  ReplayTiming,
  UpstreamAuth,
  UpstreamSettings,
  UpstreamTimeouts,
} from '../control/types.ts';
import { limitsFromCapacity } from '../limits/quota.ts';
import { getModel } from '../models/catalog.ts';
import { lifecycleOf } from '../models/lifecycle.ts';
import { ConfigError, isObject, optionalBoolean, optionalInteger, optionalNumber, optionalString, requiredString } from './index.ts';
import { Secret } from './secret.ts';

export const BACKENDS: readonly DeploymentBackend[] = ['simulator', 'anthropic', 'foundry', 'replay', 'pool'];
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, firstByteMs: 600_000, betweenChunksMs: 300_000 };
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Key shapes redacted from every cassette, whatever the config says. */
const ALWAYS_REDACTED = [/sk-ant-[A-Za-z0-9_-]{8,}/g, /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g];

/** Gateway-wide cassette settings: the top-level `cassettes` object. */
export interface CassetteDefaults {
  dir: string;
  /** Record every upstream deployment that does not say `"record": false`. */
  record: boolean;
  redact: RegExp[];
}

export function parseCassettes(value: unknown, where: string, cwd: string, dataDir: string): CassetteDefaults {
  const defaults: CassetteDefaults = { dir: join(dataDir, 'cassettes'), record: false, redact: [...ALWAYS_REDACTED] };
  if (value === undefined) return defaults;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"dir": "cassettes", "record": true}.`);
  checkKeys(value, where, ['dir', 'record', 'redact']);
  const dir = optionalString(value['dir'], `${where}.dir`);
  return {
    dir: dir === undefined ? defaults.dir : resolve(cwd, dir),
    record: optionalBoolean(value['record'], `${where}.record`) ?? false,
    redact: [...ALWAYS_REDACTED, ...parseRedact(value['redact'], `${where}.redact`)],
  };
}

export interface BackendContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  cassettes: CassetteDefaults;
  resource: string;
  deployment: string;
  model: string;
  capacity: number;
}

export interface BackendFields {
  backend: DeploymentBackend;
  rateLimits?: RateLimits;
  upstream?: UpstreamSettings;
  pool?: PoolSettings;
  record?: RecordSettings;
  replay?: ReplaySettings;
}

export function parseBackendFields(item: Record<string, unknown>, at: string, context: BackendContext): BackendFields {
  const name = optionalString(item['backend'], `${at}.backend`) ?? (item['upstreams'] === undefined ? 'simulator' : 'pool');
  const backend = BACKENDS.find((b) => b === name);
  if (!backend) throw new ConfigError(`${at}.backend "${name}" is not a backend; use one of ${BACKENDS.map((b) => `"${b}"`).join(', ')}.`);
  const fields: BackendFields = { backend };
  if (item['rateLimits'] !== undefined) fields.rateLimits = parseRateLimits(item['rateLimits'], `${at}.rateLimits`, context.capacity);
  const upstreamBackend = backend === 'anthropic' || backend === 'foundry';
  if (upstreamBackend || backend === 'pool') {
    const model = getModel(context.model);
    if (model && lifecycleOf(model) === 'retired') {
      throw new ConfigError(
        `${at}.model "${context.model}" was retired on ${model.retiredAt ?? model.retiresAt}: the ${backend} upstream no longer serves it. ` +
          'Deploy an active model, or serve this one with "backend": "simulator".',
      );
    }
  }
  if (upstreamBackend) {
    fields.upstream = parseUpstream(item['upstream'], `${at}.upstream`, backend, context);
  } else if (item['upstream'] !== undefined) {
    throw new ConfigError(`${at}.upstream is only read for "backend": "anthropic" or "foundry", not "${backend}".`);
  }
  // A pool's members are read by config/pool.ts, called beside this from the deployment's parser.
  if (backend !== 'pool' && (item['upstreams'] !== undefined || item['pool'] !== undefined)) {
    throw new ConfigError(`${at}.upstreams and ${at}.pool make a pool: leave "backend" out (or write "pool"), not "${backend}".`);
  }
  const record = parseRecord(item['record'], `${at}.record`, upstreamBackend, context);
  if (record) fields.record = record;
  if (backend === 'replay') fields.replay = parseReplay(item['replay'], `${at}.replay`, context);
  else if (item['replay'] !== undefined) throw new ConfigError(`${at}.replay is only read for "backend": "replay".`);
  return fields;
}

/** An override of the capacity-derived limits; a field left out keeps its derived value. */
function parseRateLimits(value: unknown, where: string, capacity: number): RateLimits {
  const derived = limitsFromCapacity(capacity);
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"rpm": 100, "itpm": 100000, "otpm": 20000}.`);
  if (value['tpm'] !== undefined) {
    throw new ConfigError(`${where}.tpm: Foundry limits Claude by input and output tokens separately; set "itpm" (uncached input tokens per minute) and "otpm" (output tokens per minute) instead.`);
  }
  checkKeys(value, where, ['rpm', 'itpm', 'otpm']);
  return {
    rpm: optionalInteger(value['rpm'], `${where}.rpm`, 1, 1_000_000_000) ?? derived.rpm,
    itpm: optionalInteger(value['itpm'], `${where}.itpm`, 1, 1_000_000_000_000) ?? derived.itpm,
    otpm: optionalInteger(value['otpm'], `${where}.otpm`, 1, 1_000_000_000_000) ?? derived.otpm,
  };
}

export function parseUpstream(value: unknown, where: string, backend: 'anthropic' | 'foundry', context: BackendContext): UpstreamSettings {
  const example = backend === 'anthropic' ? '{"apiKeyEnv": "ANTHROPIC_API_KEY"}' : '{"resource": "my-foundry", "apiKeyEnv": "FOUNDRY_API_KEY"}';
  if (value === undefined) throw new ConfigError(`${where} is required for "backend": "${backend}", e.g. ${example}.`);
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as ${example}.`);
  const keys = ['baseUrl', 'apiKey', 'apiKeyEnv', 'model', 'timeouts', 'maxConnections'];
  checkKeys(value, where, backend === 'foundry' ? [...keys, 'resource', 'entra'] : keys);
  return {
    baseUrl: backend === 'anthropic' ? baseUrl(value['baseUrl'], `${where}.baseUrl`) ?? DEFAULT_ANTHROPIC_BASE_URL : foundryBaseUrl(value, where),
    model: optionalString(value['model'], `${where}.model`) ?? defaultUpstreamModel(backend, context.model),
    auth: parseAuth(value, where, backend, context.env),
    timeouts: parseTimeouts(value['timeouts'], `${where}.timeouts`),
    maxConnections: optionalInteger(value['maxConnections'], `${where}.maxConnections`, 1, 65_536) ?? DEFAULT_MAX_CONNECTIONS,
  };
}

/** Anthropic pins the catalog's dated snapshot when there is one; on Foundry the default deployment name is the model id. */
export function defaultUpstreamModel(backend: 'anthropic' | 'foundry', model: string): string {
  const found = getModel(model);
  if (!found) return model;
  return backend === 'anthropic' ? (found.snapshot ?? found.id) : found.id;
}

function baseUrl(value: unknown, where: string): string | undefined {
  const text = optionalString(value, where);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${where} "${text}" is not a URL; write it as https://host[:port][/path].`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`${where} must be an http or https URL, not ${url.protocol}.`);
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${where} must not carry a query, fragment or credentials; put keys in apiKey or apiKeyEnv.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function foundryBaseUrl(value: Record<string, unknown>, where: string): string {
  const url = baseUrl(value['baseUrl'], `${where}.baseUrl`);
  const resource = optionalString(value['resource'], `${where}.resource`);
  if ((url === undefined) === (resource === undefined)) {
    throw new ConfigError(`${where} needs exactly one of "resource" (the Foundry resource name) or "baseUrl" (https://{resource}.services.ai.azure.com/anthropic).`);
  }
  if (resource === undefined) return url!;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$/.test(resource)) {
    throw new ConfigError(`${where}.resource "${resource}" is not a Foundry resource name: 2-64 letters, digits and hyphens.`);
  }
  return `https://${resource.toLowerCase()}.services.ai.azure.com/anthropic`;
}

function parseAuth(value: Record<string, unknown>, where: string, backend: 'anthropic' | 'foundry', env: NodeJS.ProcessEnv): UpstreamAuth {
  const given = ['apiKey', 'apiKeyEnv', ...(backend === 'foundry' ? ['entra'] : [])].filter((k) => value[k] !== undefined);
  if (given.length !== 1) {
    const choices = backend === 'foundry' ? '"apiKey", "apiKeyEnv" or "entra"' : '"apiKey" or "apiKeyEnv"';
    throw new ConfigError(`${where} needs exactly one of ${choices}${given.length ? `, not ${given.join(' and ')}` : ''}.`);
  }
  if (value['entra'] !== undefined) return parseEntra(value['entra'], `${where}.entra`, env);
  return { kind: 'key', key: secret(value, where, 'apiKey', env) };
}

function parseEntra(value: unknown, where: string, env: NodeJS.ProcessEnv): UpstreamAuth {
  if (value === true) return { kind: 'entra', credential: 'default', scope: ENTRA_SCOPE };
  if (!isObject(value)) throw new ConfigError(`${where} must be true (DefaultAzureCredential) or an object such as {"tenantId": "...", "clientId": "...", "clientSecretEnv": "AZURE_CLIENT_SECRET"}.`);
  checkKeys(value, where, ['credential', 'scope', 'authorityHost', 'tenantId', 'clientId', 'clientSecret', 'clientSecretEnv']);
  const scope = optionalString(value['scope'], `${where}.scope`) ?? ENTRA_SCOPE;
  const authorityHost = baseUrl(value['authorityHost'], `${where}.authorityHost`);
  const common = { kind: 'entra' as const, scope, ...(authorityHost === undefined ? {} : { authorityHost }) };
  const tenantId = optionalString(value['tenantId'], `${where}.tenantId`);
  const credential = optionalString(value['credential'], `${where}.credential`) ?? (tenantId === undefined ? 'default' : 'clientSecret');
  if (credential === 'default') return { ...common, credential };
  if (credential !== 'clientSecret') throw new ConfigError(`${where}.credential must be "default" or "clientSecret", not "${credential}".`);
  return {
    ...common,
    credential,
    tenantId: requiredString(tenantId, `${where}.tenantId`),
    clientId: requiredString(value['clientId'], `${where}.clientId`),
    clientSecret: secret(value, where, 'clientSecret', env),
  };
}

/** `{name}` inline or `{name}Env`, the variable holding it; exactly one. */
function secret(value: Record<string, unknown>, where: string, name: string, env: NodeJS.ProcessEnv): Secret {
  const inline = optionalString(value[name], `${where}.${name}`);
  const variable = optionalString(value[`${name}Env`], `${where}.${name}Env`);
  if ((inline === undefined) === (variable === undefined)) throw new ConfigError(`${where} needs exactly one of "${name}" or "${name}Env".`);
  if (inline !== undefined) return new Secret(inline);
  const fromEnv = env[variable!];
  if (!fromEnv) throw new ConfigError(`${where}.${name}Env names ${variable}, which is not set in the environment.`);
  return new Secret(fromEnv);
}

function parseTimeouts(value: unknown, where: string): UpstreamTimeouts {
  if (value === undefined) return { ...DEFAULT_TIMEOUTS };
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"connectMs": 5000, "firstByteMs": 600000, "betweenChunksMs": 300000}.`);
  checkKeys(value, where, ['connectMs', 'firstByteMs', 'betweenChunksMs']);
  const ms = (key: keyof UpstreamTimeouts) => optionalInteger(value[key], `${where}.${key}`, 1, 3_600_000) ?? DEFAULT_TIMEOUTS[key];
  return { connectMs: ms('connectMs'), firstByteMs: ms('firstByteMs'), betweenChunksMs: ms('betweenChunksMs') };
}

function defaultCassette(context: BackendContext): string {
  return join(context.cassettes.dir, context.resource, `${context.deployment}.jsonl`);
}

function parseRecord(value: unknown, where: string, upstreamBackend: boolean, context: BackendContext): RecordSettings | undefined {
  if (value === undefined || value === false) {
    return value === undefined && upstreamBackend && context.cassettes.record
      ? { cassette: defaultCassette(context), redact: context.cassettes.redact }
      : undefined;
  }
  if (!upstreamBackend) throw new ConfigError(`${where}: only "anthropic" and "foundry" deployments record; this one is not served by an upstream.`);
  if (value === true) return { cassette: defaultCassette(context), redact: context.cassettes.redact };
  if (!isObject(value)) throw new ConfigError(`${where} must be true, false or an object such as {"cassette": "cassettes/sonnet.jsonl"}.`);
  checkKeys(value, where, ['cassette', 'redact']);
  const cassette = optionalString(value['cassette'], `${where}.cassette`);
  return {
    cassette: cassette === undefined ? defaultCassette(context) : resolvePath(context.cwd, cassette),
    redact: [...context.cassettes.redact, ...parseRedact(value['redact'], `${where}.redact`)],
  };
}

function parseReplay(value: unknown, where: string, context: BackendContext): ReplaySettings {
  if (value === undefined) return { cassette: defaultCassette(context), timing: 'original' };
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"cassette": "cassettes/sonnet.jsonl", "timing": "fast"}.`);
  checkKeys(value, where, ['cassette', 'timing']);
  const cassette = optionalString(value['cassette'], `${where}.cassette`);
  return { cassette: cassette === undefined ? defaultCassette(context) : resolvePath(context.cwd, cassette), timing: parseTiming(value['timing'], `${where}.timing`) };
}

function parseTiming(value: unknown, where: string): ReplayTiming {
  if (value === undefined || value === 'original' || value === 'fast') return value ?? 'original';
  if (typeof value === 'number') return optionalNumber(value, where, 0.001, 1_000_000)!;
  throw new ConfigError(`${where} must be "original", "fast" or a speed factor such as 10 (ten times faster).`);
}

function parseRedact(value: unknown, where: string): RegExp[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be an array of regular expressions such as ["acct-[0-9]{8}"].`);
  return value.map((source: unknown, i) => {
    const text = requiredString(source, `${where}[${i}]`);
    try {
      return new RegExp(text, 'g');
    } catch (err) {
      throw new ConfigError(`${where}[${i}] is not a regular expression: ${(err as Error).message}`);
    }
  });
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** Unknown keys are refused by name, so a typo (`apikeyEnv`) is not silently ignored. */
export function checkKeys(value: Record<string, unknown>, where: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ConfigError(`${where}.${key} is not a setting here; use ${allowed.map((k) => `"${k}"`).join(', ')}.`);
  }
}
