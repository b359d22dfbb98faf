// Every core of one machine: claude-foundry with `serve --workers 2` next to the single-process bare node:http
// proxy, nginx (two worker processes) and claude-foundry in one process, all in front of the same mock upstream,
// at c=32 with 20 ms and 0 ms of upstream latency. Nothing is pinned: the point is two cores, which the load
// generator and the mock share with the target (docs/benchmarks.md says what that means for the figures).
//
//   npm run bench -- --workers       (about 2 minutes; results in bench/results/workers-latest.{json,md})
//
// CPU per request is the whole process tree's (primary and workers; nginx's master and workers), from /proc.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedLoop, type RequestSpec } from './lib/driver.ts';
import { cpuMicros, freePort, rssMB, spawnPinned, waitForPort, waitForReady, type Spawned } from './lib/proc.ts';
import { percentile } from './lib/stats.ts';
import { BENCH_DIR, CLAUDE_FOUNDRY_REQUEST, COMMAND_FLAGS, REPO_DIR, startTarget, targetConfig, type StartContext } from './lib/targets.ts';

const BUDGET_MS = 180_000;
const WARMUP_MS = 1_500;
const RUN_MS = 5_000;
const CONCURRENCY = 32;
const SCENARIOS = [
  { id: 'c32-20ms', model: 'mock-20', title: 'c=32, small JSON, 20 ms upstream' },
  { id: 'c32-0ms', model: 'mock-0', title: 'c=32, small JSON, 0 ms upstream' },
] as const;
const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';

function log(message: string): void {
  process.stderr.write(`[bench workers ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Every process below `root` (from /proc), with it. */
function tree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(parents.get(out[i]!) ?? []));
  return out;
}

const treeCpu = (root: number) => tree(root).reduce((sum, pid) => sum + (() => { try { return cpuMicros(pid); } catch { return 0; } })(), 0);
const treeRss = (root: number) => tree(root).reduce((sum, pid) => sum + (() => { try { return rssMB(pid); } catch { return 0; } })(), 0);

interface Runner {
  id: string;
  label: string;
  /** The process whose tree is measured. */
  pid: number;
  port: number;
  path: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

function nginxConf(dir: string, port: number, mockPort: number): string {
  return `worker_processes 2;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/tmp-${t};`).join(' ')}
  upstream mock { server 127.0.0.1:${mockPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
`;
}

async function startNginx(mockPort: number): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, mockPort));
  const proc = spawnPinned({ name: 'nginx', command: '/usr/sbin/nginx', args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'] });
  await waitForPort(proc, port, 10_000);
  return {
    id: 'nginx', label: `nginx ${nginxVersion()}, 2 worker processes`, pid: proc.pid, port, path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01', 'x-api-key': UPSTREAM_KEY },
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function nginxVersion(): string {
  return /nginx\/(\S+)/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr)?.[1] ?? 'unknown';
}

/** `claude-foundry serve --workers N` as a user starts it (the installed command's flags), on the cf-key config. */
async function startWorkers(ctx: StartContext, workers: number): Promise<Runner> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-workers-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(targetConfig('cf-key', ctx, dir)));
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
    id: `cf-workers${workers}`, label: `claude-foundry serve --workers ${workers} (key auth, governance as cf-key)`, pid: proc.pid, port,
    ...CLAUDE_FOUNDRY_REQUEST,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spec(runner: Runner, model: string): RequestSpec {
  const body = Buffer.from(JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }));
  return { port: runner.port, path: runner.path, headers: runner.headers, body };
}

interface Row {
  target: string;
  label: string;
  scenario: string;
  requests: number;
  ok: number;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  /** CPU seconds per wall second over the run: how many cores the target's processes used. */
  cores: number;
  rssMB: number;
  load1: number;
}

async function measure(runner: Runner, scenario: (typeof SCENARIOS)[number]): Promise<Row> {
  await closedLoop(spec(runner, scenario.model), { concurrency: CONCURRENCY, durationMs: WARMUP_MS });
  const cpu0 = treeCpu(runner.pid);
  const result = await closedLoop(spec(runner, scenario.model), { concurrency: CONCURRENCY, durationMs: RUN_MS });
  const cpuUs = treeCpu(runner.pid) - cpu0;
  const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    target: runner.id, label: runner.label, scenario: scenario.id, requests: result.requests, ok: result.ok, rps: round(result.rps),
    p50: round(percentile(result.latencies, 50), 2), p99: round(percentile(result.latencies, 99), 2),
    cpuUsPerRequest: round(cpuUs / Math.max(1, result.ok)), cores: round(cpuUs / 1000 / result.elapsedMs, 2),
    rssMB: round(treeRss(runner.pid)), load1: round(loadavg()[0]!, 2),
  };
}

const started = Date.now();
const rows: Row[] = [];
const mock = spawnPinned({ name: 'mock upstream', command: process.execPath, args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' } });
try {
  const mockPort = Number((await waitForReady(mock, 15_000))['port']);
  const ctx: StartContext = { node: process.execPath, mockPort, mockPid: mock.pid, core: undefined, models: SCENARIOS.map((s) => s.model), nodeFlags: [] };
  const starts: Array<() => Promise<Runner>> = [
    async () => {
      const t = await startTarget('bare', ctx);
      return { id: 'bare', label: 'bare node:http proxy, one process', pid: t.pid, port: t.port, path: t.path, headers: t.headers, stop: t.stop };
    },
    () => startNginx(mockPort),
    async () => {
      const t = await startTarget('cf-key', ctx);
      return { id: 'cf-key', label: 'claude-foundry, one process (cf-key)', pid: t.pid, port: t.port, path: t.path, headers: t.headers, stop: t.stop };
    },
    () => startWorkers(ctx, 2),
  ];
  for (const start of starts) {
    if (Date.now() - started > BUDGET_MS - 30_000) {
      log('time budget reached: the remaining targets are not measured');
      break;
    }
    const runner = await start();
    try {
      log(`${runner.label}: ready on ${runner.port}`);
      for (const scenario of SCENARIOS) {
        const row = await measure(runner, scenario);
        rows.push(row);
        log(`${runner.id} ${scenario.id}: ${row.ok}/${row.requests} ok, ${row.rps} req/s, p50 ${row.p50} p99 ${row.p99} ms, ${row.cpuUsPerRequest} µs CPU/req (${row.cores} cores), RSS ${row.rssMB} MB`);
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
  method: `closed loop, c=${CONCURRENCY}, keep-alive, ${WARMUP_MS} ms warm-up then ${RUN_MS} ms measured per target and scenario; nothing pinned; CPU is the target's whole process tree (utime + stime from /proc) per successful request`,
  loadAtEnd: loadavg()[0]!,
};
const outDir = join(BENCH_DIR, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'workers-latest.json'), `${JSON.stringify({ meta, rows }, null, 2)}\n`);
const table = [
  '| target | scenario | req/s | p50 ms | p99 ms | CPU µs/req | cores used | RSS MB (tree) |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.label} | ${r.scenario} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.cpuUsPerRequest} | ${r.cores} | ${r.rssMB} |`),
];
const verdict = SCENARIOS.map((s) => {
  const bare = rows.find((r) => r.target === 'bare' && r.scenario === s.id);
  const workers = rows.find((r) => r.target === 'cf-workers2' && r.scenario === s.id);
  if (!bare || !workers) return `- ${s.id}: not measured`;
  return `- ${s.id}: claude-foundry --workers 2 ${workers.rps} req/s vs the bare proxy's ${bare.rps}: ${workers.rps > bare.rps ? 'more' : 'not more'} (${Math.round((workers.rps / bare.rps) * 100)} %)`;
});
writeFileSync(
  join(outDir, 'workers-latest.md'),
  `# --workers 2 against one process — ${meta.date}\n\n${meta.machine}, Node ${meta.node}. ${meta.method}. Load average at the end: ${meta.loadAtEnd.toFixed(2)}.\n\n${table.join('\n')}\n\n${verdict.join('\n')}\n`,
);
log(`done in ${Math.round((Date.now() - started) / 1000)} s: bench/results/workers-latest.md`);
