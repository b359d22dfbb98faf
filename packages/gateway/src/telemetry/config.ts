// The `monitoring` section of the config (metrics endpoint, request-log writer) and the monitoring fields
// of each resource (log retention, content logging, zero data retention). docs/configuration.md documents them.
import { ConfigError, isObject, optionalBoolean, optionalInteger, optionalString } from '../config/index.ts';
import { Secret } from '../config/secret.ts';

export const DEFAULT_LOG_RETENTION_DAYS = 30;

export interface MonitoringConfig {
  /** `Authorization: Bearer <token>` opens /metrics on the main listener (and on the metrics listener). */
  metricsToken: Secret | undefined;
  /** A separate listener that serves only /metrics, e.g. on an internal interface for Prometheus. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** The writer flushes the request-log queue this often, or as soon as `flushRecords` wait. */
  flushIntervalMs: number;
  flushRecords: number;
  /** Records waiting or being written; past it a record is dropped and counted, never queued. */
  queueCapacity: number;
  /** The largest request or response body kept per record when a resource logs content. */
  contentMaxBytes: number;
  /** How often the retention job runs. */
  retentionIntervalMs: number;
  /** Label sets per metric before new ones are counted under `other`. */
  maxSeries: number;
}

/** A resource's monitoring settings. */
export interface ResourceMonitoring {
  logRetentionDays: number;
  /** Keep request and response bodies in the request log (bounded by `contentMaxBytes`). */
  contentLogging: boolean;
  /** Zero data retention: content is never stored, and `contentLogging` cannot be turned on. */
  zeroDataRetention: boolean;
}

export function parseMonitoringConfig(value: unknown, where: string, env: NodeJS.ProcessEnv): MonitoringConfig {
  if (value !== undefined && !isObject(value)) throw new ConfigError(`${where} must be an object such as {"metricsToken": "..."}.`);
  const raw = value ?? {};
  const tokenText = optionalString(raw['metricsToken'], `${where}.metricsToken`) ?? env['CLAUDE_FOUNDRY_METRICS_TOKEN'];
  if (tokenText !== undefined && tokenText.length < 16) throw new ConfigError(`${where}.metricsToken is too short: use at least 16 characters.`);
  const flushRecords = optionalInteger(raw['flushRecords'], `${where}.flushRecords`, 1, 100_000) ?? 500;
  const queueCapacity = optionalInteger(raw['queueCapacity'], `${where}.queueCapacity`, 1, 10_000_000) ?? 20_000;
  return {
    metricsToken: tokenText === undefined ? undefined : new Secret(tokenText),
    metricsPort: optionalInteger(raw['metricsPort'], `${where}.metricsPort`, 0, 65535),
    metricsHost: optionalString(raw['metricsHost'], `${where}.metricsHost`) ?? '127.0.0.1',
    flushIntervalMs: optionalInteger(raw['flushIntervalMs'], `${where}.flushIntervalMs`, 1, 60_000) ?? 200,
    flushRecords,
    queueCapacity,
    contentMaxBytes: optionalInteger(raw['contentMaxBytes'], `${where}.contentMaxBytes`, 0, 16 * 1024 * 1024) ?? 64 * 1024,
    retentionIntervalMs: optionalInteger(raw['retentionIntervalMs'], `${where}.retentionIntervalMs`, 1000, 86_400_000) ?? 3_600_000,
    maxSeries: optionalInteger(raw['maxSeries'], `${where}.maxSeries`, 10, 1_000_000) ?? 2000,
  };
}

export function parseResourceMonitoring(item: Record<string, unknown>, at: string): ResourceMonitoring {
  const zeroDataRetention = optionalBoolean(item['zeroDataRetention'], `${at}.zeroDataRetention`) ?? false;
  const contentLogging = optionalBoolean(item['contentLogging'], `${at}.contentLogging`) ?? false;
  if (zeroDataRetention && contentLogging) {
    throw new ConfigError(`${at}: contentLogging cannot be turned on for a resource with zeroDataRetention; remove one of the two.`);
  }
  return {
    logRetentionDays: optionalInteger(item['logRetentionDays'], `${at}.logRetentionDays`, 1, 3650) ?? DEFAULT_LOG_RETENTION_DAYS,
    contentLogging,
    zeroDataRetention,
  };
}

export function defaultResourceMonitoring(): ResourceMonitoring {
  return { logRetentionDays: DEFAULT_LOG_RETENTION_DAYS, contentLogging: false, zeroDataRetention: false };
}
