// Which limiter a gateway process admits through, from the config: Redis when `limits.redis` is set (replicas
// share it), else the cluster primary's when this process is a `--workers` worker, else its own buckets.
import type { LimitsConfig } from '../config/limits.ts';
import { createMemoryLimiter } from './bucket.ts';
import { createClusterLimiter } from './cluster.ts';
import type { Limiter } from './index.ts';
import { connectRedis, type SharedRedis } from './redis-client.ts';
import { createRedisLimiter } from './redis.ts';

export interface SelectedLimiter {
  limiter: Limiter;
  /** The gateway's Redis connection when configured: budgets share it; the gateway closes it last. */
  redis: SharedRedis | undefined;
}

/** How long a start waits for Redis before serving anyway (then `redisDown` applies until it connects). */
const CONNECT_WAIT_MS = 2000;

/**
 * `worker`: this process is a worker of `serve --workers N` whose primary called `serveClusterLimiter(cluster)`
 * (limits/primary.ts). With Redis configured, workers use Redis like any replica.
 */
export async function selectLimiter(limits: LimitsConfig, options: { worker?: boolean | undefined } = {}): Promise<SelectedLimiter> {
  if (!limits.redis) return { limiter: options.worker ? createClusterLimiter() : createMemoryLimiter(), redis: undefined };
  const redis = connectRedis({ url: limits.redis, commandTimeoutMs: limits.commandTimeoutMs, keyPrefix: limits.keyPrefix });
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, CONNECT_WAIT_MS);
    redis.client.once('ready', done);
  });
  const limiter = createRedisLimiter({
    redis,
    replicas: limits.replicas,
    leaseMs: limits.leaseMs,
    whenDown: (deployment) => limits.redisDownOf.get(deployment) ?? limits.redisDown,
  });
  return { limiter, redis };
}
