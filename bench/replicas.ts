// Three replicas on PostgreSQL + Redis against one process on the embedded store (SQLite): three real `serve`
// processes, each on its own ports and data folder, sharing one PostgreSQL (store and request log) and one Redis
// (rate limits, budgets), which this harness starts in temporary folders; a closed-loop client sends each request to
// the next replica in turn. Against the same mock upstream, in gateway mode (key auth, limits set high), c=32 at
// 20 ms and 0 ms of upstream latency, and c=1 at 0 ms for latency alone. To say what the Redis admission itself
// adds, the same three replicas run once more on PostgreSQL with in-process limits (no Redis): the difference
// between the two is the admission's round trip, end to end, and as the gateways' own timing (the mean of request
// duration minus upstream duration, from each replica's /metrics). A fourth setup runs the same Redis replicas with
// `limits.leaseMs: 0` (no leases: every admission one round trip to Redis), so both ways are compared in one run.
// Nothing is pinned; the machine has 2 cores.
//
//   npm run bench -- --replicas       (about 3 minutes; results in bench/results/replicas-latest.{json,md})
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgres } from '../packages/gateway/test/services/postgres.ts';
import { startRedis } from '../packages/gateway/test/services/redis.ts';
import { closedLoop, type RequestSpec } from './lib/driver.ts';
import { cpuMicros, spawnPinned, waitForReady, type Spawned } from './lib/proc.ts';
import { median, percentile } from './lib/stats.ts';
import { BENCH_DIR, CLAUDE_FOUNDRY_REQUEST, COMMAND_FLAGS, REPO_DIR, targetConfig, type StartContext } from './lib/targets.ts';

const BUDGET_MS = 240_000;
const REPEATS = 2;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const SCENARIOS = [
  { id: 'c32-20ms', model: 'mock-20', concurrency: 32, warmupMs: 1_500, runMs: 5_000 },
  { id: 'c32-0ms', model: 'mock-0', concurrency: 32, warmupMs: 1_500, runMs: 5_000 },
  { id: 'c1-0ms', model: 'mock-0', concurrency: 1, warmupMs: 1_000, runMs: 4_000 },
] as const;
type Scenario = (typeof SCENARIOS)[number];

function log(message: string): void {
  process.stderr.write(`[bench replicas ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${loadavg().map((n) => n.toFixed(2)).join(', ')}`;
  }
};

interface Setup {
  id: string;
  label: string;
  replicas: number;
  /** Extra config on top of the cf-key target's; the environment the replicas get. */
  config: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
}

interface Running {
  procs: Spawned[];
  ports: number[];
  stop(): Promise<void>;
}

/** `claude-foundry serve` as a user starts it (the installed command's flags), on its own ports and data folder. */
async function startReplicas(setup: Setup, ctx: StartContext, dir: string): Promise<Running> {
  const file = join(dir, `${setup.id}.json`);
  writeFileSync(file, JSON.stringify({ ...targetConfig('cf-key', ctx, dir), monitoring: { metricsToken: METRICS_TOKEN }, ...setup.config }));
  const procs = Array.from({ length: setup.replicas }, (_, i) =>
    spawnPinned({
      name: `${setup.id} replica ${i + 1}`, command: ctx.node,
      args: [...COMMAND_FLAGS, join(REPO_DIR, 'packages/cli/bin/claude-foundry.js'), 'serve', '--config', file, '--port', '0', '--data-dir', join(dir, `${setup.id}-${i + 1}`)],
      env: { ...process.env, NODE_ENV: 'production', ...setup.env }, cwd: dir,
    }),
  );
  const stop = async () => void (await Promise.all(procs.map((p) => p.stop())));
  const ports: number[] = [];
  try {
    for (const proc of procs) {
      const deadline = Date.now() + 60_000;
      let port = 0;
      while (!port) {
        const line = proc.output.find((l) => /Ports {8}HTTP \d+/.test(l));
        if (line) port = Number(/HTTP (\d+)/.exec(line)![1]);
        else if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`${proc.name} did not start:\n${proc.output.slice(-20).join('\n')}`);
        else await sleep(50);
      }
      ports.push(port);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { procs, ports, stop };
}

const spec = (port: number, model: string): RequestSpec => ({
  port, ...CLAUDE_FOUNDRY_REQUEST, body: Buffer.from(JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] })),
});

/** The gateways' own timing: the sums and counts of request duration and upstream (client) duration, over every replica. */
async function gatewayTiming(ports: number[]): Promise<{ server: number; client: number; count: number }> {
  const total = { server: 0, client: 0, count: 0 };
  for (const port of ports) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (!res.ok) throw new Error(`/metrics on ${port} answered ${res.status}`);
    const text = await res.text();
    const sum = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    total.server += sum('gen_ai_server_request_duration_seconds_sum');
    total.client += sum('gen_ai_client_operation_duration_seconds_sum');
    total.count += sum('gen_ai_server_request_duration_seconds_count');
  }
  return total;
}

interface Row {
  setup: string;
  label: string;
  scenario: string;
  repeat: number;
  requests: number;
  ok: number;
  failures: Record<string, number>;
  rps: number;
  p50: number;
  p99: number;
  /** The gateways' mean of (request duration − upstream duration) over the run, µs: what the gateway itself added. */
  gatewayOverheadUs: number;
  /** CPU of the gateway processes per successful request (PostgreSQL and Redis not counted). */
  cpuUsPerRequest: number;
  load1: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function measure(setup: Setup, running: Running, scenario: Scenario, repeat: number): Promise<Row> {
  const specs = running.ports.map((port) => spec(port, scenario.model));
  await closedLoop(specs, { concurrency: scenario.concurrency, durationMs: scenario.warmupMs });
  const before = await gatewayTiming(running.ports);
  const cpu0 = running.procs.reduce((s, p) => s + cpuMicros(p.pid), 0);
  const result = await closedLoop(specs, { concurrency: scenario.concurrency, durationMs: scenario.runMs });
  const cpuUs = running.procs.reduce((s, p) => s + cpuMicros(p.pid), 0) - cpu0;
  const after = await gatewayTiming(running.ports);
  const count = Math.max(1, after.count - before.count);
  return {
    setup: setup.id, label: setup.label, scenario: scenario.id, repeat, requests: result.requests, ok: result.ok, failures: result.failures,
    rps: round(result.rps), p50: round(percentile(result.latencies, 50), 3), p99: round(percentile(result.latencies, 99), 3),
    gatewayOverheadUs: round((((after.server - before.server) - (after.client - before.client)) / count) * 1e6),
    cpuUsPerRequest: round(cpuUs / Math.max(1, result.ok)), load1: round(loadavg()[0]!, 2),
  };
}

const started = Date.now();
const loadAtStart = uptime();
const rows: Row[] = [];
const runningSetups: Array<{ setup: Setup; running: Running }> = [];
const dir = mkdtempSync(join(tmpdir(), 'cf-bench-replicas-'));
const mock = spawnPinned({ name: 'mock upstream', command: process.execPath, args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' } });
const pg = await startPostgres();
const redis = await startRedis();
try {
  const mockPort = Number((await waitForReady(mock, 15_000))['port']);
  const ctx: StartContext = { node: process.execPath, mockPort, mockPid: mock.pid, core: undefined, models: [...new Set(SCENARIOS.map((s) => s.model))], nodeFlags: [] };
  const secretKey = { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') };
  const setups: Setup[] = [
    { id: 'sqlite-1', label: 'one process, embedded store (SQLite)', replicas: 1, config: {}, env: {} },
    {
      id: 'pg-redis-3', label: 'three replicas, PostgreSQL + Redis', replicas: 3,
      config: { store: { postgres: pg.createDatabase('bench_redis') }, limits: { redis: redis.url, replicas: 3 } }, env: secretKey,
    },
    {
      id: 'pg-redis-3-nolease', label: 'three replicas, PostgreSQL + Redis, no leases (limits.leaseMs 0)', replicas: 3,
      config: { store: { postgres: pg.createDatabase('bench_redis_nolease') }, limits: { redis: redis.url, replicas: 3, leaseMs: 0, keyPrefix: 'nolease:' } }, env: secretKey,
    },
    {
      id: 'pg-local-3', label: 'three replicas, PostgreSQL, limits in process (no Redis)', replicas: 3,
      config: { store: { postgres: pg.createDatabase('bench_local') } }, env: secretKey,
    },
  ];
  // All the setups run at once, idle but for the one measured: the scenarios take turns between them within a
  // repeat, so drift on a shared machine hits them alike.
  for (const setup of setups) {
    const running = await startReplicas(setup, ctx, dir);
    runningSetups.push({ setup, running });
    log(`${setup.label}: ready on ${running.ports.join(', ')}`);
  }
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const scenario of SCENARIOS) {
      for (const { setup, running } of runningSetups) {
        if (Date.now() - started > BUDGET_MS - 10_000) {
          log(`time budget reached: ${setup.id} ${scenario.id} repeat ${repeat} is not measured`);
          continue;
        }
        const row = await measure(setup, running, scenario, repeat);
        rows.push(row);
        const failed = Object.entries(row.failures).map(([k, v]) => `${k} ×${v}`).join(', ');
        log(`${setup.id} ${scenario.id} #${repeat}: ${row.ok}/${row.requests} ok${failed ? ` (${failed})` : ''}, ${row.rps} req/s, p50 ${row.p50} p99 ${row.p99} ms, gateway overhead ${row.gatewayOverheadUs} µs, ${row.cpuUsPerRequest} µs CPU/req`);
      }
    }
  }
} finally {
  await Promise.all(runningSetups.map(({ running }) => running.stop()));
  await mock.stop();
  await redis.stop();
  pg.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** The median over the repeats of one figure of a setup and scenario (undefined when not measured). */
const med = (setup: string, scenario: string, pick: (r: Row) => number) => {
  const values = rows.filter((r) => r.setup === setup && r.scenario === scenario).map(pick);
  return values.length ? round(median(values), 3) : undefined;
};
const summary = setupsMeasured().flatMap(({ id, label }) =>
  SCENARIOS.filter((s) => med(id, s.id, (r) => r.rps) !== undefined).map((s) => ({
    setup: id, label, scenario: s.id,
    rps: med(id, s.id, (r) => r.rps)!, p50: med(id, s.id, (r) => r.p50)!, p99: med(id, s.id, (r) => r.p99)!,
    gatewayOverheadUs: med(id, s.id, (r) => r.gatewayOverheadUs)!, cpuUsPerRequest: med(id, s.id, (r) => r.cpuUsPerRequest)!,
  })),
);
function setupsMeasured(): Array<{ id: string; label: string }> {
  return [...new Map(rows.map((r) => [r.setup, { id: r.setup, label: r.label }])).values()];
}
const REDIS_SETUPS = [
  { id: 'pg-redis-3', label: 'with leases' },
  { id: 'pg-redis-3-nolease', label: 'no leases (leaseMs 0)' },
] as const;
const added = REDIS_SETUPS.flatMap(({ id, label }) =>
  SCENARIOS.map((s) => {
    const withRedis = summary.find((r) => r.setup === id && r.scenario === s.id);
    const local = summary.find((r) => r.setup === 'pg-local-3' && r.scenario === s.id);
    if (!withRedis || !local) return { setup: id, label, scenario: s.id, measured: false as const };
    return {
      setup: id, label, scenario: s.id, measured: true as const,
      p50Us: round((withRedis.p50 - local.p50) * 1000), p99Us: round((withRedis.p99 - local.p99) * 1000),
      gatewayMeanUs: round(withRedis.gatewayOverheadUs - local.gatewayOverheadUs),
      cpuUs: round(withRedis.cpuUsPerRequest - local.cpuUsPerRequest),
    };
  }),
);
const meta = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Linux ${release()}`,
  node: process.version,
  method:
    'closed loop, keep-alive, each request to the next replica in turn; the four setups run side by side and take turns per scenario; warm-up then a measured run per setup and scenario (c=32: 1.5 s + 5 s; c=1: 1 s + 4 s); ' +
    'nothing pinned: the load generator, the mock, PostgreSQL, Redis and the gateways share the cores; CPU is the gateway processes\' only',
  uptimeAtStart: loadAtStart,
  uptimeAtEnd: uptime(),
  seconds: Math.round((Date.now() - started) / 1000),
};
const outDir = join(BENCH_DIR, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'replicas-latest.json'), `${JSON.stringify({ meta, summary, redisAdmissionAdded: added, rows }, null, 2)}\n`);
const table = [
  '| setup | scenario | req/s | p50 ms | p99 ms | gateway overhead µs (mean, /metrics) | CPU µs/req (gateways) |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...summary.map((r) => `| ${r.label} | ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.gatewayOverheadUs} | ${r.cpuUsPerRequest} |`),
];
const addedLines = added.map((a) =>
  a.measured ? `| ${a.label} | ${a.scenario} | ${a.p50Us} | ${a.p99Us} | ${a.gatewayMeanUs} | ${a.cpuUs} |` : `| ${a.label} | ${a.scenario} | not measured | | | |`,
);
writeFileSync(
  join(outDir, 'replicas-latest.md'),
  `# Three replicas on PostgreSQL + Redis against one on SQLite — ${meta.date}\n\n${meta.machine}, Node ${meta.node}. ${meta.method}. Medians of ${REPEATS} repeats; every run is in replicas-latest.json (failed requests: ${rows.reduce((n, r) => n + r.requests - r.ok, 0)}).\n\n` +
    `Machine load: at the start \`${meta.uptimeAtStart}\`; at the end \`${meta.uptimeAtEnd}\`.\n\n${table.join('\n')}\n\n` +
    `What the Redis admission adds (three replicas with Redis minus the same three with in-process limits):\n\n` +
    `| Redis limiter | scenario | p50 µs (end to end) | p99 µs (end to end) | gateway's own mean µs | CPU µs/req |\n|---|---|---:|---:|---:|---:|\n${addedLines.join('\n')}\n`,
);
log(`done in ${meta.seconds} s: bench/results/replicas-latest.md`);
