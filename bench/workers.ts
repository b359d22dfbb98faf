// Every core of one machine: claude-foundry with `serve --workers 2` next to the single-process bare node:http
// proxy, nginx (two worker processes) and `claude-foundry serve` in one process, all in front of the same mock
// upstream, at c=32 with 20 ms and 0 ms of upstream latency. Nothing is pinned: the point is two cores, which the
// load generator and the mock share with the target, so both are chosen to take little of them and their CPU is
// reported next to the target's (docs/benchmarks.md says what that means for the figures).
//
//   npm run bench -- --workers       (about 3.5 minutes; results in bench/results/workers-latest.{json,md})
//
// The targets take turns, round after round (BENCH_WORKERS_ROUNDS, default 3): on this machine the same target
// measured twice a minute apart can differ by half (docs/benchmarks.md), so one run of each says little. The verdict
// compares the bare proxy and --workers 2 round by round (they ran within a minute of each other) and by median.
//
// Load generator: wrk (one thread, a Lua script for the POST) when /usr/bin/wrk exists, else the Node driver
// (bench/lib/driver.ts); BENCH_WORKERS_LOAD=node forces the Node driver. Mock: nginx answering from memory when
// nginx and its echo module are installed, else the Node mock (bench/mock-upstream.ts); BENCH_WORKERS_MOCK=node
// forces the Node mock. CPU per request is each process tree's (primary and workers; nginx's master and workers),
// from /proc; the load generator's is wrk's own (or this process's, for the Node driver). A second table splits the
// tree's CPU and context switches by kind of thread and gives how the connections were spread (bench/lib/threads.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedLoop, type RequestSpec } from './lib/driver.ts';
import { nginxMockAvailable, nginxVersion, startNginxMock, startNginxProxy } from './lib/nginx.ts';
import { cpuMicros, rssMB, spawnPinned, waitForReady, type Spawned } from './lib/proc.ts';
import { percentile } from './lib/stats.ts';
import { connectionsByProcess, perRequest, processTree, sampleThreads, type ThreadSample } from './lib/threads.ts';
import { BENCH_DIR, CLAUDE_FOUNDRY_REQUEST, COMMAND_FLAGS, REPO_DIR, startTarget, targetConfig, type StartContext } from './lib/targets.ts';
import { WRK, wrkClosedLoop, wrkInstalled } from './lib/wrk.ts';

const ROUNDS = Math.max(1, Number(process.env['BENCH_WORKERS_ROUNDS'] ?? 3));
const BUDGET_MS = 80_000 * ROUNDS + 60_000;
const WARMUP_S = 2;
const RUN_S = 5;
const CONCURRENCY = 32;
const SCENARIOS = [
  { id: 'c32-20ms', latencyMs: 20, title: 'c=32, small JSON, 20 ms upstream' },
  { id: 'c32-0ms', latencyMs: 0, title: 'c=32, small JSON, 0 ms upstream' },
] as const;
type Scenario = (typeof SCENARIOS)[number];
const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';
const useWrk = wrkInstalled() && process.env['BENCH_WORKERS_LOAD'] !== 'node';
const useNginxMock = nginxMockAvailable() && process.env['BENCH_WORKERS_MOCK'] !== 'node';

function log(message: string): void {
  process.stderr.write(`[bench workers ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const safe = (read: (pid: number) => number) => (pid: number) => {
  try {
    return read(pid);
  } catch {
    return 0;
  }
};
/** CPU µs of each process of the tree, by pid. */
const treeCpu = (root: number) => new Map(processTree(root).map((pid) => [pid, safe(cpuMicros)(pid)]));
const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const treeRss = (root: number) => processTree(root).reduce((total, pid) => total + safe(rssMB)(pid), 0);

interface Runner {
  id: string;
  label: string;
  /** The process whose tree is measured. */
  pid: number;
  port: number;
  /** The request path for a scenario (the mock's latency is chosen by path prefix). */
  path(scenario: Scenario): string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

const mockPath = (s: Scenario) => `/m${s.latencyMs}/v1/messages`;

/** `claude-foundry serve [--workers N]` as a user starts it (the installed command's flags), on the cf-key config. */
async function startServe(ctx: StartContext, workers: number): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-workers-'));
  const file = join(dir, 'config.json');
  const config = targetConfig('cf-key', ctx, dir) as { resources: [{ deployments: Array<{ name: string; upstream: { baseUrl: string } }> }] };
  // Each deployment (mock-20, mock-0) reaches its own latency on the mock by path.
  for (const d of config.resources[0].deployments) d.upstream.baseUrl += `/m${/^mock-(\d+)$/.exec(d.name)![1]}`;
  writeFileSync(file, JSON.stringify(config));
  const proc: Spawned = spawnPinned({
    name: `claude-foundry --workers ${workers}`, command: ctx.node,
    args: [...COMMAND_FLAGS, join(REPO_DIR, 'packages/cli/bin/claude-foundry.js'), 'serve', '--config', file, '--workers', String(workers), '--port', '0'],
    env: { ...process.env, NODE_ENV: 'production' }, cwd: dir,
  });
  const deadline = Date.now() + 60_000;
  let port = 0;
  while (!port && Date.now() < deadline) {
    const line = proc.output.find((l) => /Ports {8}HTTP \d+/.test(l));
    if (line) port = Number(/HTTP (\d+)/.exec(line)![1]);
    else if (proc.child.exitCode !== null) break;
    else await sleep(50);
  }
  if (!port) {
    await proc.stop();
    throw new Error(`claude-foundry --workers ${workers} did not start:\n${proc.output.slice(-20).join('\n')}`);
  }
  return {
    id: workers === 1 ? 'cf-serve' : `cf-workers${workers}`,
    label: workers === 1 ? 'claude-foundry serve, one process (cf-key)' : `claude-foundry serve --workers ${workers} (cf-key)`,
    pid: proc.pid, port, path: () => CLAUDE_FOUNDRY_REQUEST.path, headers: CLAUDE_FOUNDRY_REQUEST.headers,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spec(runner: Runner, scenario: Scenario): RequestSpec {
  const body = Buffer.from(JSON.stringify({ model: `mock-${scenario.latencyMs}`, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }));
  return { port: runner.port, path: runner.path(scenario), headers: runner.headers, body };
}

interface Load {
  requests: number;
  ok: number;
  failures: Record<string, number>;
  rps: number;
  p50: number;
  p99: number;
  elapsedMs: number;
  cpuUs: number;
}

async function drive(s: RequestSpec, seconds: number): Promise<Load> {
  if (useWrk) {
    const r = await wrkClosedLoop(s, { concurrency: CONCURRENCY, seconds });
    return { requests: r.requests, ok: r.ok, failures: r.failures, rps: r.rps, p50: r.p50Ms, p99: r.p99Ms, elapsedMs: r.elapsedMs, cpuUs: r.cpuUs };
  }
  const cpu0 = process.cpuUsage();
  const r = await closedLoop(s, { concurrency: CONCURRENCY, durationMs: seconds * 1000 });
  const cpu = process.cpuUsage(cpu0);
  return { requests: r.requests, ok: r.ok, failures: r.failures, rps: r.rps, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), elapsedMs: r.elapsedMs, cpuUs: cpu.user + cpu.system };
}

interface Row {
  /** Which round of turns (1-based). */
  round: number;
  target: string;
  label: string;
  scenario: string;
  requests: number;
  ok: number;
  failures: Record<string, number>;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  /** The target tree's CPU per request, process by process (the root first: a primary, nginx's master). */
  cpuUsPerRequestByProcess: number[];
  /** CPU seconds per wall second over the run: how many cores the target's processes used. */
  cores: number;
  loadCores: number;
  mockCores: number;
  rssMB: number;
  load1: number;
  /** CPU µs and context switches per request by kind of thread (main, V8's helpers, worker threads), the tree's. */
  threads: ThreadSample;
  /** Client connections held by each process of the tree 2 s into the run (ss), the processes that hold any. */
  connections: number[] | undefined;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function measure(runner: Runner, scenario: Scenario, mockPid: number, turn: number): Promise<Row> {
  await drive(spec(runner, scenario), WARMUP_S);
  const [target0, mock0, threads0] = [treeCpu(runner.pid), sum(treeCpu(mockPid)), sampleThreads(runner.pid)];
  // Which process holds each client connection, once the load generator has connected.
  const spread = sleep(2000).then(() => {
    const byPid = connectionsByProcess(runner.port);
    return byPid && processTree(runner.pid).map((pid) => byPid[pid] ?? 0).filter((n) => n > 0);
  });
  const load = await drive(spec(runner, scenario), RUN_S);
  const [target1, mock1, threads1] = [treeCpu(runner.pid), sum(treeCpu(mockPid)), sampleThreads(runner.pid)];
  const byProcess = [...target1].map(([pid, us]) => us - (target0.get(pid) ?? 0));
  const targetUs = byProcess.reduce((a, b) => a + b, 0);
  const ok = Math.max(1, load.ok);
  const perWall = (us: number) => round(us / 1000 / load.elapsedMs, 2);
  return {
    round: turn, target: runner.id, label: runner.label, scenario: scenario.id, requests: load.requests, ok: load.ok, failures: load.failures,
    rps: round(load.rps), p50: round(load.p50, 2), p99: round(load.p99, 2),
    cpuUsPerRequest: round(targetUs / ok), cpuUsPerRequestByProcess: byProcess.map((us) => round(us / ok)),
    cores: perWall(targetUs), loadCores: perWall(load.cpuUs), mockCores: perWall(mock1 - mock0),
    rssMB: round(treeRss(runner.pid)), load1: round(loadavg()[0]!, 2),
    threads: perRequest(threads0, threads1, ok), connections: await spread,
  };
}

/** The thread table's cells for a row: CPU by kind, then context switches by kind, then the connections' spread. */
function threadCells(r: Row): string[] {
  const t = r.threads;
  const switches = (k: keyof ThreadSample) => `${round(t[k].voluntary, 2)} + ${round(t[k].involuntary, 2)}`;
  return [round(t.main.cpuUs), round(t.v8.cpuUs), round(t.worker.cpuUs), switches('main'), switches('v8'), switches('worker'), r.connections ? r.connections.join(' + ') : 'ss not installed'].map(String);
}

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const started = Date.now();
const uptimeBefore = uptime();
log(`load generator: ${useWrk ? 'wrk' : 'the Node driver'}; mock: ${useNginxMock ? 'nginx' : 'Node'}; ${uptimeBefore}`);
const rows: Row[] = [];
const mock = useNginxMock
  ? await startNginxMock(SCENARIOS.map((s) => s.latencyMs))
  : await (async () => {
      const proc = spawnPinned({ name: 'mock upstream', command: process.execPath, args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' } });
      return { proc, port: Number((await waitForReady(proc, 15_000))['port']), stop: () => proc.stop() };
    })();
try {
  const ctx: StartContext = { node: process.execPath, mockPort: mock.port, mockPid: mock.proc.pid, core: undefined, models: SCENARIOS.map((s) => `mock-${s.latencyMs}`), nodeFlags: [] };
  const direct = { path: mockPath, headers: { 'anthropic-version': '2023-06-01', 'x-api-key': UPSTREAM_KEY } };
  const starts: Array<() => Promise<Runner>> = [
    async () => {
      const t = await startTarget('bare', ctx);
      return { id: 'bare', label: 'bare node:http proxy, one process', pid: t.pid, port: t.port, ...direct, stop: t.stop };
    },
    async () => {
      const n = await startNginxProxy(mock.port);
      return { id: 'nginx', label: `nginx ${nginxVersion()}, 2 worker processes`, pid: n.proc.pid, port: n.port, ...direct, stop: n.stop };
    },
    () => startServe(ctx, 1),
    () => startServe(ctx, 2),
  ];
  turns: for (let turn = 1; turn <= ROUNDS; turn++) for (const start of starts) {
    if (Date.now() - started > BUDGET_MS - 40_000) {
      log('time budget reached: the remaining targets are not measured');
      break turns;
    }
    const runner = await start();
    try {
      log(`round ${turn}: ${runner.label}: ready on ${runner.port}`);
      for (const scenario of SCENARIOS) {
        const row = await measure(runner, scenario, mock.proc.pid, turn);
        rows.push(row);
        log(`${runner.id} ${scenario.id}: ${row.ok}/${row.requests} ok, ${row.rps} req/s, p50 ${row.p50} p99 ${row.p99} ms, ${row.cpuUsPerRequest} µs CPU/req [${row.cpuUsPerRequestByProcess.join(' + ')}] (${row.cores} cores; load ${row.loadCores}, mock ${row.mockCores}), RSS ${row.rssMB} MB`);
        if (row.ok < row.requests) log(`  failures: ${JSON.stringify(row.failures)}`);
        log(`  ${threadCells(row).join(' | ')}`);
      }
    } finally {
      await runner.stop();
    }
  }
} finally {
  await mock.stop();
}

const meta = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Linux ${release()}`,
  node: process.version,
  loadGenerator: useWrk ? `wrk (${WRK}, one thread, Lua POST script)` : 'the Node driver (bench/lib/driver.ts, in the harness process)',
  mock: useNginxMock ? `nginx ${nginxVersion()}, one worker process, replies from memory with a Content-Length (return 200; for 20 ms echo_sleep, then the same return 200)` : 'the Node mock (bench/mock-upstream.ts)',
  method: `closed loop, c=${CONCURRENCY}, keep-alive, ${WARMUP_S} s warm-up then ${RUN_S} s measured per target and scenario, the targets taking turns for ${ROUNDS} rounds; nothing pinned; CPU is each process tree's (utime + stime from /proc) per successful request`,
  uptimeBefore,
  uptimeAfter: uptime(),
};
const outDir = join(BENCH_DIR, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'workers-latest.json'), `${JSON.stringify({ meta, rows }, null, 2)}\n`);
const table = [
  '| round | target | scenario | req/s | p50 ms | p99 ms | target CPU µs/req (by process) | cores: target | load generator | mock | all three |',
  '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const split = r.cpuUsPerRequestByProcess.length > 1 ? ` (${r.cpuUsPerRequestByProcess.join(' + ')})` : '';
    return `| ${r.round} | ${r.label} | ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuUsPerRequest}${split} | ${r.cores} | ${r.loadCores} | ${r.mockCores} | ${round(r.cores + r.loadCores + r.mockCores, 2)} |`;
  }),
];
const threadTable = [
  '| round | target | scenario | CPU µs/req: main threads | V8 helpers | worker threads | context switches/req: main (vol + invol) | V8 helpers | worker threads | connections per process |',
  '|---:|---|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map((r) => `| ${r.round} | ${r.label} | ${r.scenario} | ${threadCells(r).join(' | ')} |`),
];
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const targets = [...new Map(rows.map((r) => [r.target, r.label])).entries()];
const summary = [
  '| target | scenario | req/s: median (min–max) | CPU µs/req: median (min–max) | rounds |',
  '|---|---|---:|---:|---:|',
  ...targets.flatMap(([id, label]) =>
    SCENARIOS.map((s) => {
      const of = rows.filter((r) => r.target === id && r.scenario === s.id);
      const spread = (xs: number[]) => `${round(median(xs))} (${round(Math.min(...xs))}–${round(Math.max(...xs))})`;
      return of.length ? `| ${label} | ${s.id} | ${spread(of.map((r) => r.rps))} | ${spread(of.map((r) => r.cpuUsPerRequest))} | ${of.length} |` : `| ${label} | ${s.id} | not measured | | 0 |`;
    }),
  ),
];
const verdict = SCENARIOS.map((s) => {
  const pairs = rows
    .filter((r) => r.target === 'cf-workers2' && r.scenario === s.id)
    .flatMap((w) => rows.filter((b) => b.target === 'bare' && b.scenario === s.id && b.round === w.round).map((b) => ({ bare: b.rps, workers: w.rps })));
  if (pairs.length === 0) return `- ${s.id}: not measured`;
  const wins = pairs.filter((p) => p.workers > p.bare).length;
  const [bare, workers] = [median(pairs.map((p) => p.bare)), median(pairs.map((p) => p.workers))];
  return (
    `- ${s.id}: claude-foundry --workers 2 had more req/s than the bare proxy in ${wins} of ${pairs.length} rounds ` +
    `(${pairs.map((p) => `${p.workers} vs ${p.bare}`).join('; ')}); medians ${round(workers)} vs ${round(bare)}: ` +
    `${workers > bare ? 'more' : 'not more'} (${Math.round((workers / bare) * 100)} %)`
  );
});
const memory = rows.map((r) => `${r.target} ${r.scenario} (round ${r.round}) ${r.rssMB} MB`).join(', ');
writeFileSync(
  join(outDir, 'workers-latest.md'),
  `# --workers 2 against one process — ${meta.date}\n\n${meta.machine}, Node ${meta.node}. ${meta.method}.\n\n` +
    `Load generator: ${meta.loadGenerator}. Mock upstream: ${meta.mock}.\n\n` +
    `\`uptime\` at the start: \`${meta.uptimeBefore}\`; at the end: \`${meta.uptimeAfter}\`.\n\n` +
    `${verdict.join('\n')}\n\n${summary.join('\n')}\n\nEach run:\n\n${table.join('\n')}\n\nWhere each tree's time went, per request, by kind of thread (Node's event loops; V8's helper threads: garbage collection, ` +
    `compilers; worker threads: claude-foundry's request-log writer), and how the load generator's connections were spread over the processes:\n\n` +
    `${threadTable.join('\n')}\n\nRSS of each target's tree: ${memory}.\n`,
);
log(`done in ${Math.round((Date.now() - started) / 1000)} s: bench/results/workers-latest.md`);
