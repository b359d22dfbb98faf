// The gateway benchmark: one command, every target side by side in one run.
//
//   npm run bench [-- --quick | --smoke] [--repeats N] [--targets direct,bare,cf-gov,cf-entra,cf-key,cf-sim,portkey]
//                 [--scenarios c1,c32-20ms,...] [--out DIR] [--no-pin] [--soak MINUTES] [--profile]
//
// Starts the mock upstream, then each target in its own process (pinned to core 1; this process, the
// load generator, and the mock on core 0), checks each one answers JSON, streams and 100 KB bodies
// correctly, then runs every scenario repeat by repeat, the targets taking turns within a repeat (so
// drift on a shared machine hits them alike), and writes bench/results/<stamp>.json, latest.json and
// latest.md. docs/benchmarks.md explains the method. Every process it started is ended when it ends,
// however it ends.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { streams as streamLoop, closedLoop } from './lib/driver.ts';
import { runClosed, runOpen, runStreams, specFor, warmUp, type RunFigures } from './lib/measure.ts';
import { pinSelf, planPinning, rssMB, spawnPinned, waitForReady, type Spawned } from './lib/proc.ts';
import { markdown, soakDrift, summarize, verdicts, type Memory, type RunRecord, type Soak, type TargetInfo } from './lib/report.ts';
import { modelsOf, PROBE_MODEL, scenarios as allScenarios, type Scenario, type Size } from './lib/scenarios.ts';
import { round } from './lib/stats.ts';
import { ALL_TARGETS, BENCH_DIR, LABELS, REPO_DIR, startTarget, type StartContext, type Target, type TargetId } from './lib/targets.ts';
import { profile } from './lib/profile.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    repeats: { type: 'string' },
    targets: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    soak: { type: 'string' },
    profile: { type: 'boolean', default: false },
    workers: { type: 'boolean', default: false },
    replicas: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`Usage: npm run bench -- [options]

  --quick              a short run (about 5 minutes on 2 cores; the full run takes about 16)
  --smoke              seconds: tiny loads, no Portkey (what the test suite runs)
  --repeats N          repeats per scenario (full 3, quick 2, smoke 1); figures are medians
  --targets a,b        of ${ALL_TARGETS.join(', ')}
  --scenarios a,b      of c1, c32-20ms, rate-20ms, c1-100kb, c32-0ms, streams-c50, streams-sweep
  --out DIR            where results go (default bench/results)
  --no-pin             do not pin processes to cores with taskset
  --soak MINUTES       also hold c=32 @20 ms for this long, sampling RSS (the issue's 10-minute soak)
  --profile            profile claude-foundry under the c=1 scenario with --cpu-prof instead
  --workers            instead: claude-foundry --workers 2 against the bare proxy, nginx and one process (bench/workers.ts)
  --replicas           instead: three replicas on PostgreSQL + Redis against one on SQLite (bench/replicas.ts)
`);
  process.exit(0);
}

if (values.workers) {
  await import('./workers.ts');
  process.exit(0);
}

if (values.replicas) {
  await import('./replicas.ts');
  process.exit(0);
}

const size: Size = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const repeats = Math.max(1, Math.min(20, Number(values.repeats ?? (size === 'full' ? 3 : size === 'quick' ? 2 : 1))));
const outDir = resolve(values.out ?? join(BENCH_DIR, 'results'));
const budgetMs = { full: 75 * 60_000, quick: 15 * 60_000, smoke: 60_000 }[size] + Number(values.soak ?? 0) * 60_000;
const deadline = Date.now() + budgetMs;
const settleMs = { full: 10_000, quick: 5_000, smoke: 300 }[size];
/** The c=1 scenarios are the noisiest on a shared machine: they get more repeats in a full run. */
const c1Repeats = size === 'full' && values.repeats === undefined ? 5 : repeats;
const loadAtStart = loadavg()[0]!.toFixed(2);

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A digest of the gateway's source as it was run: the working tree changes under a shared checkout. */
function sourceFingerprint(): string {
  const root = join(REPO_DIR, 'packages/gateway/src');
  const hash = createHash('sha256');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') || f.endsWith('.json')).sort();
  for (const f of files) hash.update(f).update(readFileSync(join(root, f)));
  return `sha256 ${hash.digest('hex').slice(0, 16)} over ${files.length} files`;
}

function defaultTargets(): TargetId[] {
  if (size === 'smoke') return ['direct', 'bare', 'cf-gov', 'cf-entra'];
  return ['direct', 'bare', 'cf-gov', 'cf-entra', 'cf-key', 'portkey'];
}

/** The target answers a small JSON request, a stream with every delta, and forwards a 100 KB body whole. */
async function probe(target: Target, list: Scenario[], mockPort: number, strictStreams: boolean): Promise<void> {
  const json = await closedLoop(specFor(target, { model: PROBE_MODEL, stream: false, bodyBytes: 0 }), { concurrency: 1, maxRequests: 2, durationMs: 10_000 });
  if (json.ok !== 2) throw new Error(`JSON request failed: ${json.firstFailure ?? 'no answer'}`);
  const stream = list.find((s) => s.stream);
  if (stream && (stream.kind === 'streams' || stream.kind === 'sweep')) {
    const r = await streamLoop(specFor(target, stream), {
      concurrency: 1, durationMs: 1, rampMs: 0, stallMs: stream.stallMs, expectedDeltas: strictStreams ? stream.expectedDeltas : undefined,
    });
    if (r.whole !== 1) throw new Error(`stream broken: ${r.firstFailure ?? 'no stream'}`);
  }
  if (list.some((s) => s.bodyBytes >= 100_000)) {
    const before = await mockStats(mockPort);
    const big = await closedLoop(specFor(target, { model: PROBE_MODEL, stream: false, bodyBytes: 100_000 }), { concurrency: 1, maxRequests: 1, durationMs: 10_000 });
    const after = await mockStats(mockPort);
    if (big.ok !== 1) throw new Error(`100 KB request failed: ${big.firstFailure ?? 'no answer'}`);
    const arrived = after.requestBytes - before.requestBytes;
    if (arrived < 99_000) throw new Error(`100 KB request reached the mock as ${arrived} bytes`);
  }
}

function loadRange(runs: RunRecord[]): string {
  const loads = runs.map((r) => r.figures.load1).filter((v): v is number => typeof v === 'number');
  return loads.length ? `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}` : 'unknown';
}

/** claude-foundry's own view of its memory (bench/claude-foundry.ts answers SIGUSR2 with a MEM line). */
async function heapOf(target: Target): Promise<Record<string, unknown> | undefined> {
  const proc = target.process;
  if (!proc || !target.id.startsWith('cf-')) return undefined;
  const before = proc.output.filter((l) => l.startsWith('MEM ')).length;
  proc.child.kill('SIGUSR2');
  for (let i = 0; i < 40; i++) {
    await sleep(25);
    const lines = proc.output.filter((l) => l.startsWith('MEM '));
    if (lines.length > before) return JSON.parse(lines[lines.length - 1]!.slice(4)) as Record<string, unknown>;
  }
  return undefined;
}

async function mockStats(port: number): Promise<{ requests: number; requestBytes: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`);
  return (await res.json()) as { requests: number; requestBytes: number };
}

async function main(): Promise<number> {
  if (values.profile) return profile({ size, outDir, noPin: values['no-pin'] });
  const startedAt = new Date();
  const fingerprint = sourceFingerprint();
  const pinning = planPinning(!values['no-pin']);
  if (pinning.enabled) pinSelf(pinning.driverCore);
  const targetCore = pinning.enabled ? pinning.targetCore : undefined;
  const driverCore = pinning.enabled ? pinning.driverCore : undefined;

  let list = allScenarios(size);
  if (values.scenarios) {
    const wanted = values.scenarios.split(',');
    list = list.filter((s) => wanted.includes(s.id));
  }
  let wanted: TargetId[] = values.targets ? (values.targets.split(',') as TargetId[]) : defaultTargets();
  for (const t of wanted) if (!ALL_TARGETS.includes(t)) throw new Error(`unknown target ${t}; use ${ALL_TARGETS.join(', ')}`);
  if (!wanted.includes('direct')) wanted = ['direct', ...wanted];
  log(`${size} run: ${list.map((s) => s.id).join(', ')}; ${repeats} repeat(s); pinning: ${pinning.why}`);

  const spawned: Spawned[] = [];
  const started: Target[] = [];
  const infos: TargetInfo[] = [];
  try {
    const mock = spawnPinned({ name: 'mock upstream', command: process.execPath, core: driverCore, args: [join(BENCH_DIR, 'mock-upstream.ts')], env: { ...process.env, NODE_ENV: 'production' } });
    spawned.push(mock);
    const mockPort = Number((await waitForReady(mock, 15_000))['port']);
    const ctx: StartContext = { node: process.execPath, mockPort, mockPid: mock.pid, core: targetCore, models: modelsOf(list), nodeFlags: [] };

    const tryStart = async (id: TargetId): Promise<boolean> => {
      let target: Target | undefined;
      try {
        target = await startTarget(id, ctx);
        await probe(target, list, mockPort, id !== 'cf-sim');
        started.push(target);
        infos.push({ id, label: target.label, available: true, pid: target.pid, ...(target.features ? { features: target.features } : {}), notes: target.notes });
        log(`${target.label}: ready (pid ${target.pid}, port ${target.port})`);
        return true;
      } catch (err) {
        const reason = (err as Error).message.split('\n').slice(0, 4).join(' / ').slice(0, 400);
        infos.push({ id, label: LABELS[id], available: false, reason, notes: [] });
        log(`${LABELS[id]}: not measured: ${reason}`);
        if (target?.process) log(`${LABELS[id]} printed:\n  ${target.process.output.slice(-8).join('\n  ')}`);
        if (target) await target.stop();
        return false;
      }
    };
    let cfFailed = false;
    for (const id of wanted) {
      const ok = await tryStart(id);
      if (!ok && (id === 'cf-gov' || id === 'cf-key')) cfFailed = true;
    }
    // Until claude-foundry can forward to the mock, its simulator is measured as an extra, non-comparable row.
    if (cfFailed && !wanted.includes('cf-sim')) {
      log('claude-foundry cannot forward to the mock in this build: measuring it on its simulator as an extra row');
      await tryStart('cf-sim');
    }
    const ids = started.map((t) => t.id);

    await sleep(size === 'smoke' ? 100 : 1_500);
    const memory: Partial<Record<TargetId, Memory>> = {};
    for (const t of started) memory[t.id] = { idleMB: round(rssMB(t.pid), 1), peakMB: 0, afterMB: Number.NaN, sweepPeakMB: Number.NaN, endMB: Number.NaN };

    const runs: RunRecord[] = [];
    const skipped: string[] = [];
    const record = (scenario: string, repeat: number, target: Target, figures: RunFigures, level?: number) => {
      runs.push({ scenario, repeat, target: target.id, ...(level === undefined ? {} : { level }), figures });
      const m = memory[target.id]!;
      if (level === undefined) m.peakMB = Math.max(m.peakMB, figures.rssPeakMB);
      else m.sweepPeakMB = Number.isNaN(m.sweepPeakMB) ? figures.rssPeakMB : Math.max(m.sweepPeakMB, figures.rssPeakMB);
    };
    const describe = (f: RunFigures) =>
      f.streams !== undefined
        ? `${f.ok}/${f.streams} whole, ttft p50 ${f.ttftP50} ms, max gap ${f.maxGapMs} ms, rss ${f.rssPeakMB} MB`
        : `${f.ok}/${f.requests} ok, ${f.rps} req/s, p50 ${f.p50} p99 ${f.p99} ms${f.cpuUsPerRequest !== undefined ? `, ${f.cpuUsPerRequest} µs CPU/req` : ''}, rss ${f.rssPeakMB} MB`;

    let settled = false;
    const v8Memory: Record<string, Record<string, unknown>> = {};
    const settle = async () => {
      log(`settling ${settleMs} ms before measuring RSS after the load`);
      await sleep(settleMs);
      for (const t of started) memory[t.id]!.afterMB = round(rssMB(t.pid), 1);
      for (const t of started) {
        const v8 = await heapOf(t);
        if (v8) v8Memory[t.id] = v8;
      }
      settled = true;
    };
    for (const s of list) {
      if (s.kind === 'sweep') {
        // Memory "after" is taken before the sweep: a thousand open streams leave Node's heap and
        // allocator holding far more than these loads need, and the sweep has its own columns.
        if (!settled) await settle();
        for (const t of started) {
          for (const level of s.levels) {
            if (Date.now() > deadline) {
              skipped.push(`${s.id} @${level} for ${t.label}: time budget spent`);
              break;
            }
            const f = await runStreams(t, s, level, t.id !== 'cf-sim');
            record(s.id, 1, t, f, level);
            log(`${s.id} @${level} ${t.id}: ${describe(f)}`);
            if ((f.stalled ?? 0) > 0 || (f.broken ?? 0) > 0) break;
            await sleep(500);
          }
        }
        continue;
      }
      const reps = s.kind === 'closed' && s.concurrency === 1 ? Math.max(repeats, c1Repeats) : repeats;
      for (let rep = 1; rep <= reps; rep++) {
        // Rotate the order each repeat so no target always runs first (or right after the heaviest).
        const order = started.map((_, i) => started[(i + rep - 1) % started.length]!);
        for (const t of order) {
          if (Date.now() > deadline) {
            skipped.push(`${s.id} repeat ${rep} for ${t.label}: time budget spent`);
            continue;
          }
          await warmUp(t, s);
          const f =
            s.kind === 'closed' ? await runClosed(t, s) : s.kind === 'open' ? await runOpen(t, s) : await runStreams(t, s, s.concurrency, t.id !== 'cf-sim');
          record(s.id, rep, t, f);
          log(`${s.id} #${rep} ${t.id}: ${describe(f)}`);
        }
      }
    }

    const soaks: Soak[] = [];
    if (values.soak) {
      const minutes = Number(values.soak);
      const soakScenario = list.find((s) => s.id === 'c32-20ms') ?? allScenarios(size).find((s) => s.id === 'c32-20ms')!;
      for (const t of started.filter((x) => x.id !== 'direct')) {
        const samples: number[] = [];
        const timer = setInterval(() => samples.push(rssMB(t.pid)), 10_000);
        const f = await closedLoop(specFor(t, soakScenario), { concurrency: 32, durationMs: minutes * 60_000 });
        clearInterval(timer);
        log(`soak ${minutes} min ${t.id}: ${f.ok} ok, ${f.errors} errors; RSS ${samples.map((v) => round(v, 0)).join(' ')} MB`);
        soaks.push({ target: t.id, minutes, ok: f.ok, errors: f.errors, rps: round(f.rps, 1), rssMB: samples.map((v) => round(v, 1)) });
        runs.push({
          scenario: 'soak', repeat: 1, target: t.id,
          figures: { requests: f.requests, ok: f.ok, errors: f.errors, rps: round(f.rps, 1), rssPeakMB: round(Math.max(...samples), 1), rssDriftMB: soakDrift(samples) },
        });
      }
    }

    if (!settled) await settle();
    else {
      await sleep(settleMs);
    }
    for (const t of started) memory[t.id]!.endMB = round(rssMB(t.pid), 1);

    const summary = summarize(runs, list, ids);
    const verdictList = size === 'smoke' ? [] : verdicts(summary, memory, ids);
    const finishedAt = new Date();
    const dirty = git(['status', '--porcelain', '--', 'packages']).length > 0;
    const meta: Record<string, string> = {
      when: `${startedAt.toISOString()} (${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s)`,
      machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Linux ${release()}`,
      node: process.version,
      commit: `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? ' + uncommitted changes in packages/' : ''}; gateway source ${fingerprint}`,
      run: `${size}, ${repeats} repeat(s) (c=1 scenarios ${Math.max(repeats, c1Repeats)}), medians over repeats; added latency = target − direct in the same repeat`,
      'machine load (1-min average)': `${loadAtStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end, ${loadRange(runs)} over the runs (2 cores: above ~2, other work on the machine competed with the benchmark)`,
      pinning: pinning.enabled ? `taskset: load generator + mock on core ${pinning.driverCore}, each target on core ${pinning.targetCore}` : `none (${pinning.why})`,
    };
    const results = {
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      size,
      repeats,
      meta,
      pinning,
      targets: infos,
      scenarios: list,
      memory,
      v8Memory,
      summary,
      verdicts: verdictList,
      skipped,
      runs,
    };
    mkdirSync(outDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const prefix = size === 'full' ? '' : `${size}-`;
    const json = `${JSON.stringify(results, null, 2)}\n`;
    writeFileSync(join(outDir, `${prefix}${stamp}.json`), json);
    writeFileSync(join(outDir, `${prefix}latest.json`), json);
    const md = markdown({ title: `Gateway benchmark — ${size} run`, meta, targets: infos, scenarios: list, summary, memory, v8Memory, verdicts: verdictList, skipped, soaks });
    writeFileSync(join(outDir, `${prefix}latest.md`), `${md}\n`);
    process.stdout.write(`${md}\n`);
    log(`results: ${join(outDir, `${prefix}latest.md`)} and ${prefix}${stamp}.json`);
    return 0;
  } finally {
    for (const t of started) await t.stop();
    for (const p of spawned) await p.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

