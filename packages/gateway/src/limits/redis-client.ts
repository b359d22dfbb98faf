// The one Redis connection a gateway opens (ioredis), shared by the limiter and the budgets' spend counter, set up
// so that Redis being away never makes a request wait: commands time out, nothing queues while disconnected, and
// the client reconnects with a capped backoff. Whether it is up is logged once per change, never per request; the
// URL (which may carry a password) is never logged, only its host and port.
import { Redis } from 'ioredis';
import { logger } from '../log/index.ts';

export interface RedisSettings {
  url: string;
  /** A command not answered within this fails (the limiter then treats Redis as down for that request). */
  commandTimeoutMs: number;
  /** Prepended to every key, so several gateways (or tests) can share one Redis. */
  keyPrefix: string;
}

/** Reconnect after 50, 100, 200… ms, at most 1 s apart: back within a second of Redis coming back. */
const RECONNECT_MAX_MS = 1000;

export interface SharedRedis {
  readonly client: Redis;
  readonly keyPrefix: string;
  /** True while connected and ready; commands are not even sent otherwise. */
  ready(): boolean;
  /** Notes a failed command: the first failure after being up is logged. */
  failed(err: unknown): void;
  /** Resolves when Redis answers PING in time; rejects saying it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'Redis';
  }
}

export function connectRedis(settings: RedisSettings): SharedRedis {
  const at = where(settings.url);
  const client = new Redis(settings.url, {
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: Math.max(settings.commandTimeoutMs, 1000),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), RECONNECT_MAX_MS),
    lazyConnect: false,
  });
  let up = false;
  let closed = false;
  const down = (err: unknown) => {
    if (!up || closed) return;
    up = false;
    logger().warn({ redis: at, err: err instanceof Error ? err.message : String(err) }, 'Redis unreachable: limits and budgets follow limits.redisDown until it is back');
  };
  client.on('ready', () => {
    if (!up) logger().info({ redis: at }, 'Redis connected: shared limits and budgets are exact');
    up = true;
  });
  // Without a listener an error event would throw; the state change is what matters, logged once.
  client.on('error', down);
  client.on('close', () => down(new Error('connection closed')));
  return {
    client,
    keyPrefix: settings.keyPrefix,
    ready: () => client.status === 'ready',
    failed: down,
    async ping() {
      if (client.status !== 'ready') throw new Error(`Redis at ${at} is unreachable (${client.status})`);
      await client.ping().catch((err: unknown) => {
        throw new Error(`Redis at ${at} did not answer PING: ${(err as Error).message}`);
      });
    },
    async close() {
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
