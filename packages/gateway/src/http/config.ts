// The `connections` section of the config: how long a client may take to send a request, how many
// connections one address may hold, how long an idle keep-alive connection stays open, and how much
// of a refused body is read and thrown away. docs/configuration.md documents each.
import { ConfigError, isObject, optionalInteger } from '../config/index.ts';

export interface ConnectionSettings {
  /** From a connection's first byte (or the end of the previous request) to the end of the request's headers. */
  headersTimeoutMs: number;
  /** A body must bring at least `bodyMinBytes` in every window of this length, or the request gets 408. */
  bodyTimeoutMs: number;
  bodyMinBytes: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address (0: no cap); the listed trusted proxies are not capped. */
  maxPerAddress: number;
  /**
   * After an answer sent before its request's body was read (413, 401...), the rest of the body is
   * read and discarded for at most this long, so the client is not reset while it still writes and
   * sees the answer; past it the connection is closed.
   */
  discardMs: number;
}

export const DEFAULT_CONNECTION_SETTINGS: Readonly<ConnectionSettings> = {
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  bodyMinBytes: 1024,
  // Longer than the 60 s idle timeout of Azure's and AWS's load balancers, so they close first.
  keepAliveTimeoutMs: 65_000,
  maxPerAddress: 1024,
  discardMs: 5_000,
};

export function parseConnectionSettings(value: unknown, where: string): ConnectionSettings {
  if (value === undefined) return { ...DEFAULT_CONNECTION_SETTINGS };
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as {"maxPerAddress": 256, "bodyTimeoutMs": 30000}.`);
  const known = new Set(Object.keys(DEFAULT_CONNECTION_SETTINGS));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ConfigError(`${where}.${key} is not a setting; use one of ${[...known].join(', ')}.`);
  }
  const d = DEFAULT_CONNECTION_SETTINGS;
  const ms = (key: keyof ConnectionSettings, fallback: number) => optionalInteger(value[key], `${where}.${key}`, 10, 3_600_000) ?? fallback;
  return {
    headersTimeoutMs: ms('headersTimeoutMs', d.headersTimeoutMs),
    bodyTimeoutMs: ms('bodyTimeoutMs', d.bodyTimeoutMs),
    bodyMinBytes: optionalInteger(value['bodyMinBytes'], `${where}.bodyMinBytes`, 0, 1024 * 1024 * 1024) ?? d.bodyMinBytes,
    keepAliveTimeoutMs: ms('keepAliveTimeoutMs', d.keepAliveTimeoutMs),
    maxPerAddress: optionalInteger(value['maxPerAddress'], `${where}.maxPerAddress`, 0, 1_000_000) ?? d.maxPerAddress,
    discardMs: ms('discardMs', d.discardMs),
  };
}
