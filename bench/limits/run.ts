// Rate-limit admission microbenchmark: what one admission (reserve on a deployment and its pool, then reconcile)
// costs with the in-process limiter and with the Redis limiter, and so what Redis adds per request. Wall-clock µs
// per reserve at concurrency 1 (one admission at a time, the latency a request sees) and the throughput at 32
// admissions in flight. Starts its own Redis (Debian's redis-server) on a free port unless REDIS_URL is set.
// Not a test: `npm run bench:limits`; writes bench/results/limits.json and limits.md. Method: docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryLimiter, type Limiter, type Scope } from '../../packages/gateway/src/limits/index.ts';
import { connectRedis } from '../../packages/gateway/src/limits/redis-client.ts';
import { createRedisLimiter } from '../../packages/gateway/src/limits/redis.ts';
import { startRedis } from '../../packages/gateway/test/services/redis.ts';
import { percentile, round } from '../lib/stats.ts';

const SEQUENTIAL = 5_000;
const CONCURRENT = 20_000;
const IN_FLIGHT = 32;
const WARMUP = 500;
// Limits too high to refuse: every admission runs the whole script (check and take), the common case.
const scopes: Scope[] = [
  { key: 'bench-res/claude-sonnet', limits: { rpm: 1e9, itpm: 1e12, otpm: 1e12 } },
  { key: 'pool:bench-sub/claude-sonnet-4-6', limits: { rpm: 1e9, itpm: 1e12, otpm: 1e12 } },
];
const demand = { requests: 1, input: 1_200, output: 1_024 };

async function admit(limiter: Limiter): Promise<void> {
  const outcome = await limiter.reserve(scopes, demand);
  if (!outcome.ok) throw new Error('refused: the benchmark limits are meant never to refuse');
  outcome.reconcile({ input: 1_150, output: 300 });
}

/** µs per call of `one`, one at a time. */
async function sequential(one: () => Promise<unknown>): Promise<Float64Array> {
  for (let i = 0; i < WARMUP; i++) await one();
  const samples = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = process.hrtime.bigint();
    await one();
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return samples;
}

/** Admissions per second with IN_FLIGHT at once, and the CPU µs per admission in this process. */
async function concurrent(limiter: Limiter): Promise<{ perSecond: number; cpuUs: number }> {
  let left = CONCURRENT;
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) await admit(limiter);
    }),
  );
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { perSecond: (CONCURRENT / ms) * 1000, cpuUs: (used.user + used.system) / CONCURRENT };
}

function summary(samples: Float64Array) {
  return { p50: round(percentile(samples, 50), 1), p90: round(percentile(samples, 90), 1), p99: round(percentile(samples, 99), 1), max: round(percentile(samples, 100), 1) };
}

const own = process.env['REDIS_URL'] ? undefined : await startRedis();
const url = process.env['REDIS_URL'] || own!.url;
const redis = connectRedis({ url, commandTimeoutMs: 1000, keyPrefix: 'bench:' });
await new Promise<void>((resolve) => redis.client.once('ready', () => resolve()));
try {
  const memory = createMemoryLimiter();
  // fail-closed takes no leases: every admission is a round trip, what this benchmark is about.
  const shared = createRedisLimiter({ redis, whenDown: () => 'fail-closed', replicas: 1 });
  // `local` (the default) leases slices of the bucket: most admissions then need no command at all.
  const leasing = createRedisLimiter({ redis, whenDown: () => 'local', replicas: 1 });
  const memorySeq = summary(await sequential(() => admit(memory)));
  const redisSeq = summary(await sequential(() => admit(shared)));
  const leasedSeq = summary(await sequential(() => admit(leasing)));
  // The floor any Redis command has here: a PING's round trip over loopback, through ioredis and the event loop.
  const pingSeq = summary(await sequential(() => redis.client.ping()));
  const memoryConc = await concurrent(memory);
  const redisConc = await concurrent(shared);
  const leasedConc = await concurrent(leasing);
  await leasing.close();
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: loadavg().map((l) => round(l, 1)),
    redis: own ? 'redis-server on loopback, started by the benchmark' : 'REDIS_URL',
    sequential: { count: SEQUENTIAL, memoryUs: memorySeq, redisUs: redisSeq, leasedUs: leasedSeq, pingUs: pingSeq, addedP50Us: round(redisSeq.p50 - memorySeq.p50, 1), addedP99Us: round(redisSeq.p99 - memorySeq.p99, 1) },
    concurrent: { count: CONCURRENT, inFlight: IN_FLIGHT, memory: { perSecond: Math.round(memoryConc.perSecond), cpuUs: round(memoryConc.cpuUs, 1) }, redis: { perSecond: Math.round(redisConc.perSecond), cpuUs: round(redisConc.cpuUs, 1) }, leased: { perSecond: Math.round(leasedConc.perSecond), cpuUs: round(leasedConc.cpuUs, 1) } },
    goalAddedP50Us: 150,
  };
  const out = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'limits.json'), `${JSON.stringify(report, null, 2)}\n`);
  const s = report.sequential;
  const md = [
    `# Rate-limit admission: in-process vs Redis (${report.date.slice(0, 10)})`,
    '',
    `Node ${report.node}, ${report.cpus} CPUs, load average ${report.loadAverage.join(' / ')}, ${report.redis}. Reserve on two scopes (deployment + pool) then reconcile; method in docs/benchmarks.md.`,
    '',
    '| one at a time (µs per reserve) | p50 | p90 | p99 | max |',
    '|---|--:|--:|--:|--:|',
    `| in-process | ${s.memoryUs.p50} | ${s.memoryUs.p90} | ${s.memoryUs.p99} | ${s.memoryUs.max} |`,
    `| Redis | ${s.redisUs.p50} | ${s.redisUs.p90} | ${s.redisUs.p99} | ${s.redisUs.max} |`,
    `| **added by Redis** | **${s.addedP50Us}** | | **${s.addedP99Us}** | |`,
    `| Redis with leases (limits.leaseMs 500) | ${s.leasedUs.p50} | ${s.leasedUs.p90} | ${s.leasedUs.p99} | ${s.leasedUs.max} |`,
    `| (a Redis PING, the round trip alone) | ${s.pingUs.p50} | ${s.pingUs.p90} | ${s.pingUs.p99} | ${s.pingUs.max} |`,
    '',
    `${IN_FLIGHT} in flight: in-process ${report.concurrent.memory.perSecond}/s (${report.concurrent.memory.cpuUs} µs CPU each), Redis ${report.concurrent.redis.perSecond}/s (${report.concurrent.redis.cpuUs} µs CPU each in the gateway's process), Redis with leases ${report.concurrent.leased.perSecond}/s (${report.concurrent.leased.cpuUs} µs CPU each).`,
    '',
    `Goal: Redis adds ≤ ${report.goalAddedP50Us} µs at p50 — ${s.addedP50Us <= report.goalAddedP50Us ? 'met' : 'not met'}.`,
    '',
  ].join('\n');
  writeFileSync(join(out, 'limits.md'), md);
  process.stdout.write(md);
} finally {
  await redis.close();
  await own?.stop();
}
