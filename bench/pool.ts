// The pool benchmark: what a pool of three upstreams costs the gateway next to a single upstream, and what a failover
// adds to a request's latency (issue 18: added CPU per request ≤ 10 %; a failover adds no more than one upstream round
// trip).
//
//   npm run bench:pool [-- --quick] [--out DIR] [--no-pin]
//
// Starts four bench mock upstreams (bench/mock-upstream.ts; three that answer, one that answers every request 529 after
// the same latency) and one claude-foundry (bench/claude-foundry.ts) with three resources: `single` (an anthropic
// deployment on mock 1), `pool` (a pool of mocks 1, 2 and 3, equal weights) and `failover` (a pool whose first member
// is the 529 mock, the second mock 1; its breaker never opens, so every request fails over once). Then, at
// concurrency 1, repeat by repeat with the arms taking turns (drift on a shared machine hits them alike):
//   cpu      model mock-0 (no upstream latency): the gateway process's CPU time per request, single vs pool vs failover;
//   latency  model mock-20 (20 ms upstream latency): p50 direct to the mock (one upstream round trip), through
//            `single`, and through `failover`; the failover's added latency is failover − single.
// Figures are medians over repeats. Bounded: about 1.5 minutes (quick: under 1), never more than 3; every process
// it started is ended however it ends. Writes bench/results/pool-<stamp>.json, pool-latest.json and pool-latest.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { closedLoop, type RequestSpec } from './lib/driver.ts';
import { cpuMicros, pinSelf, planPinning, spawnPinned, waitForReady, type Spawned } from './lib/proc.ts';
import { requestBody } from './lib/scenarios.ts';
import { median, percentile, round } from './lib/stats.ts';
import { BENCH_DIR, COMMAND_FLAGS } from './lib/targets.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench:pool -- [--quick] [--out DIR] [--no-pin]\n');
  process.exit(0);
}

const quick = values.quick;
const REPEATS = quick ? 3 : 5;
const CPU_REQUESTS = quick ? 800 : 1500;
const LATENCY_REQUESTS = quick ? 80 : 150;
const UPSTREAM_MS = 20;
const HARD_LIMIT_MS = 180_000;
const deadline = Date.now() + HARD_LIMIT_MS;
const outDir = resolve(values.out ?? join(BENCH_DIR, 'results'));
const LAUNCH = join(BENCH_DIR, 'launch.js');
const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';
const HIGH = { rpm: 1_000_000_000, itpm: 1_000_000_000_000, otpm: 1_000_000_000_000 };
const ARMS = ['single', 'pool', 'failover'] as const;
type Arm = (typeof ARMS)[number];

const log = (message: string) => process.stderr.write(`[bench:pool ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const keyOf = (arm: Arm) => `bench-${arm}-key1-0123456789abcdef`.slice(0, 32);
const left = () => deadline - Date.now();

async function start(name: string, args: string[], core: number | undefined, cwd?: string): Promise<{ proc: Spawned; port: number }> {
  const proc = spawnPinned({ name, command: process.execPath, args, core, env: { ...process.env, NODE_ENV: 'production' }, ...(cwd ? { cwd } : {}) });
  const ready = await waitForReady(proc, 20_000);
  return { proc, port: Number(ready['port']) };
}

function config(dir: string, mocks: number[], failing: number): Record<string, unknown> {
  const member = (name: string, port: number, model: string, extra: object = {}) => ({ name, backend: 'anthropic', baseUrl: `http://127.0.0.1:${port}`, apiKey: UPSTREAM_KEY, model, maxConnections: 64, ...extra });
  const models = ['mock-0', `mock-${UPSTREAM_MS}`];
  const deployments: Record<Arm, (model: string) => Record<string, unknown>> = {
    single: (m) => ({ name: m, model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: `http://127.0.0.1:${mocks[0]}`, apiKey: UPSTREAM_KEY, model: m, maxConnections: 64 }, rateLimits: HIGH }),
    pool: (m) => ({ name: m, model: 'claude-sonnet-4-6', upstreams: ['east', 'west', 'north'].map((n, i) => member(n, mocks[i]!, m)), rateLimits: HIGH }),
    failover: (m) => ({
      name: m, model: 'claude-sonnet-4-6', rateLimits: HIGH,
      upstreams: [member('overloaded', failing, m), member('east', mocks[0]!, m, { priority: 1 })],
      // The breaker would take the failing member out after a few requests; here every request must fail over once.
      pool: { breaker: { minRequests: 1_000_000 } },
    }),
  };
  return {
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    resources: ARMS.map((arm) => ({ name: arm, keys: { key1: keyOf(arm), key2: `${keyOf(arm)}-2` }, deployments: models.map(deployments[arm]) })),
    quotas: { 'claude-sonnet-4-6': HIGH },
    connections: { maxPerAddress: 4096 },
  };
}

const specOf = (port: number, arm: Arm | 'direct', model: string): RequestSpec => ({
  port,
  path: arm === 'direct' ? '/v1/messages' : `/${arm}/anthropic/v1/messages`,
  headers: { 'anthropic-version': '2023-06-01', 'x-api-key': arm === 'direct' ? UPSTREAM_KEY : keyOf(arm) },
  body: requestBody({ model, stream: false, bodyBytes: 0 }),
});

async function main(): Promise<number> {
  const startedAt = new Date();
  const pinning = planPinning(!values['no-pin']);
  if (pinning.enabled) pinSelf(pinning.driverCore);
  const driverCore = pinning.enabled ? pinning.driverCore : undefined;
  const targetCore = pinning.enabled ? pinning.targetCore : undefined;
  const loadAtStart = loadavg().map((l) => round(l, 2));
  log(`load average ${loadAtStart.join(' ')} on ${cpus().length} cores; pinning: ${pinning.why}`);
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-pool-'));
  const started: Spawned[] = [];
  try {
    const mockArgs = (extra: string[] = []) => [LAUNCH, join(BENCH_DIR, 'mock-upstream.ts'), '--port', '0', ...extra];
    const mocks = await Promise.all([0, 1, 2].map((i) => start(`mock ${i + 1}`, mockArgs(), driverCore)));
    const failing = await start('mock 529', mockArgs(['--status', '529']), driverCore);
    started.push(...mocks.map((m) => m.proc), failing.proc);
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config(dir, mocks.map((m) => m.port), failing.port), null, 2));
    const gateway = await start('claude-foundry', [...COMMAND_FLAGS, LAUNCH, join(BENCH_DIR, 'claude-foundry.ts'), '--config', file], targetCore, dir);
    started.push(gateway.proc);
    const pid = gateway.proc.pid;

    // Every arm answers, and the failover arm really fails over (the 529 mock counts its requests).
    for (const arm of ARMS) {
      const r = await closedLoop(specOf(gateway.port, arm, 'mock-0'), { concurrency: 1, maxRequests: 300, durationMs: 15_000 });
      if (r.ok !== r.requests || r.ok === 0) throw new Error(`${arm}: ${r.errors} of ${r.requests} failed: ${r.firstFailure ?? ''}`);
    }
    const failed = (await (await fetch(`http://127.0.0.1:${failing.port}/stats`)).json()) as { requests: number };
    if (failed.requests < 300) throw new Error(`the failover arm sent only ${failed.requests} requests to the 529 member`);

    const cpu: Record<Arm, number[]> = { single: [], pool: [], failover: [] };
    const latency: Record<Arm | 'direct', number[]> = { direct: [], single: [], pool: [], failover: [] };
    const loads: number[] = [];
    for (let repeat = 0; repeat < REPEATS && left() > 40_000; repeat++) {
      loads.push(round(loadavg()[0]!, 2));
      for (const arm of ARMS) {
        const before = cpuMicros(pid);
        const r = await closedLoop(specOf(gateway.port, arm, 'mock-0'), { concurrency: 1, maxRequests: CPU_REQUESTS, durationMs: 20_000 });
        if (r.errors > 0) throw new Error(`${arm}: ${r.errors} errors: ${r.firstFailure ?? ''}`);
        cpu[arm].push((cpuMicros(pid) - before) / r.requests);
      }
      for (const arm of ['direct', 'single', 'failover'] as const) {
        const r = await closedLoop(specOf(arm === 'direct' ? mocks[0]!.port : gateway.port, arm, `mock-${UPSTREAM_MS}`), { concurrency: 1, maxRequests: LATENCY_REQUESTS, durationMs: 20_000 });
        if (r.errors > 0) throw new Error(`${arm} (latency): ${r.errors} errors: ${r.firstFailure ?? ''}`);
        latency[arm].push(percentile(r.latencies, 50));
      }
      log(`repeat ${repeat + 1}/${REPEATS}: CPU µs/request ${ARMS.map((a) => `${a} ${round(cpu[a].at(-1)!, 0)}`).join(', ')}; p50 ms direct ${round(latency.direct.at(-1)!, 2)}, single ${round(latency.single.at(-1)!, 2)}, failover ${round(latency.failover.at(-1)!, 2)}`);
    }
    const figure = (xs: number[]) => round(median(xs), 1);
    const cpuMedian = { single: figure(cpu.single), pool: figure(cpu.pool), failover: figure(cpu.failover) };
    const p50 = { direct: round(median(latency.direct), 2), single: round(median(latency.single), 2), failover: round(median(latency.failover), 2) };
    const poolOverhead = round((cpuMedian.pool - cpuMedian.single) / cpuMedian.single, 3);
    const failoverAdded = round(p50.failover - p50.single, 2);
    const result = {
      startedAt: startedAt.toISOString(),
      quick,
      machine: { cores: cpus().length, loadAtStart, loadPerRepeat: loads, loadAtEnd: loadavg().map((l) => round(l, 2)), pinning: pinning.why },
      method: { repeats: cpu.single.length, cpuRequests: CPU_REQUESTS, latencyRequests: LATENCY_REQUESTS, upstreamLatencyMs: UPSTREAM_MS, concurrency: 1 },
      cpuUsPerRequest: { ...cpuMedian, perRepeat: cpu },
      latencyP50Ms: { ...p50, perRepeat: latency },
      verdicts: {
        poolAddedCpu: { value: poolOverhead, target: 0.1, met: poolOverhead <= 0.1 },
        failoverAddedMs: { value: failoverAdded, oneRoundTripMs: p50.direct, met: failoverAdded <= p50.direct },
      },
    };
    mkdirSync(outDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/:/g, '-').slice(0, 19);
    writeFileSync(join(outDir, `pool-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(outDir, 'pool-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    const md = [
      `# Pool benchmark, ${startedAt.toISOString()}${quick ? ' (quick)' : ''}`,
      '',
      `${cpus().length} cores, load average ${loadAtStart.join(' ')} at the start (${loads.join(', ')} per repeat); ${pinning.why}. Concurrency 1, medians of ${cpu.single.length} repeats.`,
      '',
      '| arm | CPU µs per request (mock-0) | p50 ms (mock-20) |',
      '|---|---|---|',
      `| direct to the mock (one upstream round trip) | — | ${p50.direct} |`,
      `| single upstream | ${cpuMedian.single} | ${p50.single} |`,
      `| pool of three | ${cpuMedian.pool} | — |`,
      `| pool, first member answers 529 (every request fails over once) | ${cpuMedian.failover} | ${p50.failover} |`,
      '',
      `- Pool vs single upstream: ${poolOverhead >= 0 ? '+' : ''}${round(poolOverhead * 100, 1)} % CPU per request (target ≤ 10 %): ${result.verdicts.poolAddedCpu.met ? 'met' : 'NOT met'}.`,
      `- Failover adds ${failoverAdded} ms at p50; one upstream round trip is ${p50.direct} ms: ${result.verdicts.failoverAddedMs.met ? 'met' : 'NOT met'} (no more than one round trip).`,
      '',
    ].join('\n');
    writeFileSync(join(outDir, 'pool-latest.md'), md);
    process.stdout.write(md);
    return result.verdicts.poolAddedCpu.met && result.verdicts.failoverAddedMs.met ? 0 : 1;
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  log('over the 3-minute bound: stopping');
  process.exit(2);
}, HARD_LIMIT_MS + 20_000);
timer.unref();
process.exitCode = await main();
