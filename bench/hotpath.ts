// The hot path at concurrency: one claude-foundry process (cf-key) and the bare proxy under a closed loop at
// c=32 against the mock, 0 ms and 20 ms upstream, CPU per request and RSS, repeated with the targets taking
// turns. Quicker than the full benchmark, for the work on the request path (docs/benchmarks.md, "The hot path").
//
//   npx node bench/hotpath.ts [--targets bare,cf-key] [--latency 0,20] [--concurrency 32] [--requests 20000]
//                             [--repeats 3] [--prof DIR] [--no-pin]
//
// --prof starts the targets under --cpu-prof (written to DIR when they stop). Every run is bounded by its
// request count and 60 s; every process it starts is stopped when it ends.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { closedLoop } from './lib/driver.ts';
import { specFor } from './lib/measure.ts';
import { cpuMicros, pinSelf, planPinning, rssMB, sampleRss, spawnPinned, waitForReady } from './lib/proc.ts';
import { round } from './lib/stats.ts';
import { BENCH_DIR, startTarget, type Target, type TargetId } from './lib/targets.ts';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: 'bare,cf-key' },
    latency: { type: 'string', default: '0,20' },
    concurrency: { type: 'string', default: '32' },
    requests: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '3' },
    prof: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    'no-pin': { type: 'boolean', default: false },
  },
});

const ids = values.targets.split(',') as TargetId[];
const latencies = values.latency.split(',').map(Number);
const concurrency = Number(values.concurrency);
const requests = Number(values.requests);
const repeats = Number(values.repeats);
const pinning = planPinning(!values['no-pin']);
if (pinning.enabled) pinSelf(pinning.driverCore);

const mock = spawnPinned({
  name: 'mock upstream', command: process.execPath, core: pinning.enabled ? pinning.driverCore : undefined,
  args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' },
});
const targets: Target[] = [];
const figures = new Map<string, { cpu: number[]; rps: number[]; rss: number[] }>();
try {
  const mockPort = Number((await waitForReady(mock, 15_000))['port']);
  const nodeFlags = values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`, '--cpu-prof-interval=100'] : [];
  nodeFlags.push(...values['node-flags'].split(' ').filter(Boolean));
  for (const id of ids) {
    targets.push(await startTarget(id, {
      node: process.execPath, mockPort, mockPid: mock.pid, core: pinning.enabled ? pinning.targetCore : undefined,
      models: latencies.map((ms) => `mock-${ms}`), nodeFlags,
    }));
  }
  for (let r = 0; r < repeats; r++) {
    for (const ms of latencies) {
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(i + r) % targets.length]!;
        const spec = specFor(target, { model: `mock-${ms}`, stream: false, bodyBytes: 0 });
        await closedLoop(spec, { concurrency, maxRequests: Math.min(4_000, requests), durationMs: 10_000 });
        const rss = sampleRss(target.pid, 100);
        const c0 = cpuMicros(target.pid);
        const res = await closedLoop(spec, { concurrency, maxRequests: requests, durationMs: 60_000 });
        const cpu = (cpuMicros(target.pid) - c0) / Math.max(1, res.requests);
        const peak = rss.stop().peakMB;
        const key = `${target.id} c${concurrency}-${ms}ms`;
        const f = figures.get(key) ?? { cpu: [], rps: [], rss: [] };
        f.cpu.push(round(cpu, 1));
        f.rps.push(round(res.rps, 0));
        f.rss.push(round(peak, 1));
        figures.set(key, f);
        process.stderr.write(`${key} repeat ${r + 1}: ${round(cpu, 1)} µs/req, ${round(res.rps, 0)} req/s, ${res.errors} errors${res.firstFailure ? ` (${res.firstFailure})` : ''}, RSS peak ${round(peak, 1)} MB, load ${loadavg()[0]!.toFixed(2)}\n`);
      }
    }
  }
  for (const target of targets) {
    process.stderr.write(`${target.id} RSS at the end ${round(rssMB(target.pid), 1)} MB\n`);
    if (!target.process || target.id === 'bare') continue;
    // claude-foundry.ts answers SIGUSR2 with one MEM line: the V8 heap by space, external memory.
    target.process.child.kill('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mem = target.process.output.findLast((line) => line.startsWith('MEM '));
    const smaps = readFileSync(`/proc/${target.pid}/smaps_rollup`, 'utf8').split('\n').filter((l) => /^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):/.test(l)).map((l) => l.replace(/\s+/g, ' ')).join('; ');
    process.stderr.write(`${target.id} ${mem ?? 'no MEM line'}\n${target.id} smaps_rollup: ${smaps}\n`);
    if (process.env['HOTPATH_HEAPSNAPSHOT']) {
      // With --node-flags "--heapsnapshot-signal=SIGUSR1 --diagnostic-dir=DIR": the heap as it is after the load.
      target.process.child.kill('SIGUSR1');
      await new Promise((resolve) => setTimeout(resolve, Number(process.env['HOTPATH_HEAPSNAPSHOT'])));
    }
    if (process.env['HOTPATH_SMAPS']) {
      // The largest resident mappings: V8's heap reservations, malloc arenas (64 MB reservations), thread stacks.
      const maps: Array<{ range: string; size: number; rss: number; name: string }> = [];
      let cur: { range: string; size: number; rss: number; name: string } | undefined;
      for (const line of readFileSync(`/proc/${target.pid}/smaps`, 'utf8').split('\n')) {
        const head = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
        if (head) maps.push((cur = { range: head[1]!, size: 0, rss: 0, name: head[2] ?? '' }));
        else if (cur && line.startsWith('Size:')) cur.size = Number(line.split(/\s+/)[1]);
        else if (cur && line.startsWith('Rss:')) cur.rss = Number(line.split(/\s+/)[1]);
      }
      maps.sort((a, b) => b.rss - a.rss);
      for (const m of maps.slice(0, 25)) process.stderr.write(`  ${m.range} size ${Math.round(m.size / 1024)} MB rss ${Math.round(m.rss / 102.4) / 10} MB ${m.name}\n`);
      process.stderr.write(`  threads: ${readFileSync(`/proc/${target.pid}/status`, 'utf8').match(/Threads:\s+(\d+)/)?.[1]}\n`);
    }
  }
} finally {
  for (const target of targets) await target.stop();
  await mock.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write('| target, scenario | CPU µs/req | req/s | RSS peak MB | repeats (CPU) |\n|---|--:|--:|--:|---|\n');
for (const [key, f] of figures) process.stdout.write(`| ${key} | ${median(f.cpu)} | ${median(f.rps)} | ${median(f.rss)} | ${f.cpu.join(', ')} |\n`);
