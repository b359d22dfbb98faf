// `npm run bench -- --profile`: claude-foundry under the c=1 scenario with --cpu-prof, and the functions
// that take the most self time, in the gateway's own code and overall.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closedLoop } from './driver.ts';
import { runStreams, specFor } from './measure.ts';
import { cpuMicros, pinSelf, planPinning, spawnPinned, waitForReady } from './proc.ts';
import { STREAM_CHUNKS, STREAM_INTERVAL_MS, type Size } from './scenarios.ts';
import { round } from './stats.ts';
import { REPO_DIR, BENCH_DIR, startTarget, type Target, type TargetId } from './targets.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

const GATEWAY_SRC = `${REPO_DIR}/packages/gateway/src/`;

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return '(native)';
  const short = url.startsWith(GATEWAY_SRC) ? url.slice(GATEWAY_SRC.length) : url.replace(`${REPO_DIR}/`, '');
  return `${short}:${frame.lineNumber + 1}`;
}

/** Self and total (inclusive) time per function, all nodes of a function merged. */
export function analyze(profile: CpuProfile): { totalMs: number; busyMs: number; functions: FunctionTime[]; categories: Record<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}|${where(n.callFrame)}`;
  const selfBy = new Map<string, number>();
  const totalBy = new Map<string, number>();
  let total = 0;
  const categories: Record<string, number> = {};
  for (const [id, us] of self) {
    total += us;
    const node = byId.get(id)!;
    const k = key(node);
    selfBy.set(k, (selfBy.get(k) ?? 0) + us);
    // Inclusive time: each ancestor function once per sample (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key(byId.get(cur)!);
      if (seen.has(ck)) continue;
      seen.add(ck);
      totalBy.set(ck, (totalBy.get(ck) ?? 0) + us);
    }
    const url = node.callFrame.url;
    const cat = url.includes('/packages/gateway/src/')
      ? 'gateway code'
      : url.startsWith('node:')
        ? 'Node.js (lib)'
        : url.includes('/bench/')
          ? 'bench launcher'
          : node.callFrame.functionName.startsWith('(')
            ? node.callFrame.functionName
            : url
              ? 'other JS'
              : 'native / V8 builtins';
    categories[cat] = (categories[cat] ?? 0) + us;
  }
  // Percentages are of busy time: idle samples (waiting in epoll) are left out.
  const busy = total - (categories['(idle)'] ?? 0);
  const functions = [...selfBy.entries()].map(([k, us]) => {
    const [name, at] = k.split('|') as [string, string];
    const t = totalBy.get(k) ?? us;
    return { name, where: at, selfMs: round(us / 1000, 1), selfPct: round((100 * us) / busy, 2), totalMs: round(t / 1000, 1), totalPct: round((100 * t) / busy, 2) };
  });
  functions.sort((a, b) => b.selfMs - a.selfMs);
  delete categories['(idle)'];
  for (const c of Object.keys(categories)) categories[c] = round((100 * categories[c]!) / busy, 2);
  return { totalMs: round(total / 1000, 1), busyMs: round(busy / 1000, 1), functions, categories };
}

export interface ProfileOptions {
  size: Size;
  outDir: string;
  noPin: boolean;
}

export async function profile(options: ProfileOptions): Promise<number> {
  const pinning = planPinning(!options.noPin);
  if (pinning.enabled) pinSelf(pinning.driverCore);
  const dir = join(options.outDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  const requests = { full: 20_000, quick: 5_000, smoke: 200 }[options.size];
  const mock = spawnPinned({
    name: 'mock upstream', command: process.execPath, core: pinning.enabled ? pinning.driverCore : undefined,
    args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' },
  });
  const report: string[] = [];
  try {
    const mockPort = Number((await waitForReady(mock, 15_000))['port']);
    let cfProfiled = false;
    const streamModel = `mock-stream-${STREAM_CHUNKS}-${STREAM_INTERVAL_MS}`;
    const jobs: Array<{ id: TargetId; workload: 'c1' | 'c1-100kb' | 'streams' }> = [
      { id: 'cf-gov', workload: 'c1' }, { id: 'cf-sim', workload: 'c1' }, { id: 'bare', workload: 'c1' },
      { id: 'cf-gov', workload: 'c1-100kb' }, { id: 'cf-gov', workload: 'streams' }, { id: 'bare', workload: 'streams' },
    ];
    const streamsAt = { full: 500, quick: 500, smoke: 4 }[options.size];
    for (const { id, workload } of jobs) {
      // The simulator is only the fallback for a build whose anthropic backend cannot serve the mock.
      if (id === 'cf-sim' && cfProfiled) continue;
      if (id === 'cf-gov' && workload !== 'c1' && !cfProfiled) continue;
      const name = `${id}-${workload}`;
      const profDir = join(dir, `${name}-tmp`);
      rmSync(profDir, { recursive: true, force: true });
      mkdirSync(profDir, { recursive: true });
      let target: Target;
      try {
        target = await startTarget(id, {
          node: process.execPath, mockPort, mockPid: mock.pid, core: pinning.enabled ? pinning.targetCore : undefined,
          models: ['mock-0', streamModel], nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=100'],
        });
        const probe = await closedLoop(specFor(target, { model: 'mock-0', stream: false, bodyBytes: 0 }), { concurrency: 1, maxRequests: 1, durationMs: 5_000 });
        if (probe.ok !== 1) {
          await target.stop();
          throw new Error(probe.firstFailure ?? 'no answer');
        }
      } catch (err) {
        process.stderr.write(`profile: ${id} not profiled: ${(err as Error).message.split('\n')[0]}\n`);
        continue;
      }
      if (id !== 'bare') cfProfiled = true;
      let what: string;
      const cpu0 = cpuMicros(target.pid);
      if (workload !== 'streams') {
        const big = workload === 'c1-100kb';
        const spec = specFor(target, { model: 'mock-0', stream: false, bodyBytes: big ? 100_000 : 0 });
        const n = big ? Math.max(1, Math.round(requests / 5)) : requests;
        await closedLoop(spec, { concurrency: 1, maxRequests: Math.min(2_000, n), durationMs: 20_000 });
        const c0 = cpuMicros(target.pid);
        const r = await closedLoop(spec, { concurrency: 1, maxRequests: n, durationMs: 120_000 });
        what = `${r.ok} requests${big ? ' of 100 KB' : ''} at c=1 (after ${Math.min(2_000, n)} to warm up); CPU per request with the profiler on (which inflates it): ${round((cpuMicros(target.pid) - c0) / Math.max(1, r.requests), 1)} µs`;
      } else {
        const durationMs = options.size === 'smoke' ? 300 : 8_000;
        const r = await runStreams(target, { model: streamModel, stream: true, bodyBytes: 0, durationMs, rampMs: 1_000, stallMs: 1_000, expectedDeltas: STREAM_CHUNKS }, streamsAt, true);
        what = `${streamsAt} concurrent streams of ${STREAM_CHUNKS} × ${STREAM_INTERVAL_MS} ms for ${durationMs / 1000} s: ${r.ok}/${r.streams} whole, ${r.stalled} stalled, TTFT p50 ${r.ttftP50} ms, CPU ${round((cpuMicros(target.pid) - cpu0) / Math.max(1, r.streams ?? 0), 0)} µs per stream`;
      }
      await target.stop();
      // One profile per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile): thread 0 is the main one;
      // others (the request-log worker) are summarised.
      const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort();
      const mainFile = files.find((f) => f.split('.')[3] === String(target.pid) && f.split('.')[4] === '0');
      if (!mainFile) {
        process.stderr.write(`profile: ${name} wrote no profile\n`);
        continue;
      }
      const raw = JSON.parse(readFileSync(join(profDir, mainFile), 'utf8')) as CpuProfile;
      const kept = join(dir, `${name}.cpuprofile`);
      writeFileSync(kept, JSON.stringify(raw));
      const others: string[] = [];
      for (const f of files.filter((x) => x !== mainFile)) {
        const other = analyze(JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile);
        const busyMs = other.busyMs;
        const top = other.functions.filter((fn) => fn.name !== '(idle)' && fn.name !== '(program)').slice(0, 5).map((fn) => `${fn.name} (${fn.where}) ${fn.selfMs} ms`);
        others.push(`- ${f.split('.')[3] === String(target.pid) ? `worker thread ${f.split('.')[4]}` : `child process ${f.split('.')[3]}`}: busy ${busyMs} ms of ${other.totalMs} ms; top: ${top.join(', ')}`);
      }
      rmSync(profDir, { recursive: true, force: true });
      const a = analyze(raw);
      const own = a.functions.filter((f) => !f.where.startsWith('/') && !f.where.startsWith('node:') && !f.where.startsWith('(') && !f.where.startsWith('bench/'));
      const busy = a.functions.filter((f) => f.name !== '(idle)');
      const lines = [
        `## ${target.label}: ${what}`,
        '',
        `Main thread: profile span ${a.totalMs} ms (100 µs sampling), busy ${a.busyMs} ms; percentages below are of busy time:`,
        '',
        ...Object.entries(a.categories).sort((x, y) => y[1] - x[1]).map(([k, v]) => `- ${k}: ${v} %`),
        '',
        ...(others.length ? ['Other threads:', '', ...others, ''] : []),
        '### Top self time, everything',
        '',
        '| function | where | self % | total % |',
        '|---|---|--:|--:|',
        ...busy.slice(0, 25).map((f) => `| ${f.name} | ${f.where} | ${f.selfPct} | ${f.totalPct} |`),
        '',
        ...(own.length
          ? [
              "### Top self time, the gateway's own code (packages/gateway/src)",
              '',
              '| function | where | self % | total % |',
              '|---|---|--:|--:|',
              ...own.slice(0, 25).map((f) => `| ${f.name} | ${f.where} | ${f.selfPct} | ${f.totalPct} |`),
              '',
              "### The gateway's own functions by total (inclusive) time",
              '',
              '| function | where | total % | self % |',
              '|---|---|--:|--:|',
              ...[...own].sort((x, y) => y.totalPct - x.totalPct).slice(0, 25).map((f) => `| ${f.name} | ${f.where} | ${f.totalPct} | ${f.selfPct} |`),
              '',
            ]
          : []),
        `Profile: ${kept.replace(`${REPO_DIR}/`, '')} (open in Chrome DevTools → Performance, or speedscope).`,
        '',
      ];
      report.push(...lines);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await mock.stop();
  }
  writeFileSync(join(dir, 'profile.md'), `${report.join('\n')}\n`);
  return 0;
}
