// From runs to results: medians over repeats, latency added over direct (per repeat, then the median),
// the issue's targets as PASS/FAIL with ratios against the bare proxy, and the markdown table.
import type { RunFigures } from './measure.ts';
import type { Scenario } from './scenarios.ts';
import { mean, median, round } from './stats.ts';
import { LABELS, type TargetId } from './targets.ts';

export interface RunRecord {
  scenario: string;
  repeat: number;
  target: TargetId;
  /** Sweep level (concurrent streams). */
  level?: number;
  figures: RunFigures;
}

export interface TargetInfo {
  id: TargetId;
  label: string;
  available: boolean;
  reason?: string;
  pid?: number;
  features?: Record<string, string>;
  notes: string[];
}

export interface Memory {
  /** Started, before any request. */
  idleMB: number;
  /** The highest RSS seen during the measured runs of every scenario but the stream sweep (all after warm-up). */
  peakMB: number;
  /** After those scenarios and a quiet settle, before the stream sweep. */
  afterMB: number;
  /** The highest RSS in the stream sweep (up to 1,000 open streams). */
  sweepPeakMB: number;
  /** At the end, after the sweep and a quiet settle. */
  endMB: number;
}

export type Summary = Record<string, Partial<Record<TargetId, Record<string, number>>>>;

export interface Verdict {
  target: TargetId;
  id: string;
  title: string;
  measured: string;
  limit: string;
  /** The target's figure over the bare proxy's, where the target is a ratio. */
  vsBare?: string;
  pass: boolean | null;
  why?: string;
}

const MEDIAN_FIELDS = [
  'requests', 'ok', 'errors', 'rps', 'p50', 'p90', 'p99', 'mean', 'max', 'cpuUsPerRequest', 'dropped',
  'streams', 'broken', 'stalled', 'maxGapMs', 'ttftP50', 'ttftP99', 'firstByteP50', 'durationP50', 'rssPeakMB', 'cpuUsPerStream', 'load1',
] as const;

export function summarize(runs: RunRecord[], scenarios: Scenario[], targets: TargetId[]): Summary {
  const summary: Summary = {};
  for (const s of scenarios) {
    const bySc = runs.filter((r) => r.scenario === s.id);
    const out: Partial<Record<TargetId, Record<string, number>>> = {};
    for (const t of targets) {
      const mine = bySc.filter((r) => r.target === t);
      if (mine.length === 0) continue;
      if (s.kind === 'sweep') {
        const row: Record<string, number> = {};
        let stallFree = 0;
        let failed = false;
        for (const level of s.levels) {
          const at = mine.find((r) => r.level === level);
          if (!at) break;
          row[`stalled@${level}`] = at.figures.stalled ?? 0;
          row[`broken@${level}`] = at.figures.broken ?? 0;
          row[`maxGapMs@${level}`] = at.figures.maxGapMs ?? Number.NaN;
          row[`ttftP99@${level}`] = at.figures.ttftP99 ?? Number.NaN;
          row[`rssPeakMB@${level}`] = at.figures.rssPeakMB;
          row[`peakOpen@${level}`] = at.figures.peakOpen ?? 0;
          if (at.figures.cpuUsPerStream !== undefined) row[`cpuUsPerStream@${level}`] = at.figures.cpuUsPerStream;
          if (!failed && (at.figures.stalled ?? 0) === 0 && (at.figures.broken ?? 0) === 0) stallFree = level;
          else failed = true;
        }
        row['stallFreeStreams'] = stallFree;
        row['rssPeakMB'] = Math.max(...mine.map((r) => r.figures.rssPeakMB));
        out[t] = row;
        continue;
      }
      const row: Record<string, number> = { repeats: mine.length };
      for (const field of MEDIAN_FIELDS) {
        const values = mine.map((r) => r.figures[field]).filter((v): v is number => typeof v === 'number');
        if (values.length) row[field] = round(median(values), field === 'rps' ? 1 : 3);
      }
      // Added over direct, repeat by repeat (the same repeat ran them back to back), then the median.
      const direct = bySc.filter((r) => r.target === 'direct');
      const added = (field: 'p50' | 'p99' | 'ttftP50' | 'ttftP99') => {
        const diffs: number[] = [];
        for (const r of mine) {
          const d = direct.find((x) => x.repeat === r.repeat);
          const a = r.figures[field];
          const b = d?.figures[field];
          if (typeof a === 'number' && typeof b === 'number') diffs.push(a - b);
        }
        return round(median(diffs));
      };
      if (t !== 'direct') {
        if (s.kind === 'streams') {
          row['addedTtftP50'] = added('ttftP50');
          row['addedTtftP99'] = added('ttftP99');
        } else {
          row['addedP50'] = added('p50');
          row['addedP99'] = added('p99');
        }
      }
      out[t] = row;
    }
    summary[s.id] = out;
  }
  return summary;
}

const fmt = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '—' : String(round(v, digits)));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : `${round(a / b, 2)}×`;

/** Within this of idle (or having given back at least half its growth) counts as "back near idle". */
export const NEAR_IDLE_MB = 16;
export const RSS_LIMIT_MB = 120;

export function verdicts(summary: Summary, memory: Partial<Record<TargetId, Memory>>, targets: TargetId[]): Verdict[] {
  const out: Verdict[] = [];
  const get = (sc: string, t: TargetId, f: string) => summary[sc]?.[t]?.[f];
  for (const t of targets) {
    if (t === 'direct' || t === 'bare') continue;
    const notProxy = t === 'cf-sim' ? 'the simulator generates replies: not comparable with a pass-through' : undefined;
    const add = (v: Omit<Verdict, 'target'>) => out.push({ target: t, ...v, ...(notProxy && v.pass !== null ? { why: notProxy + (v.why ? `; ${v.why}` : '') } : {}) });

    const cpu = get('c1', t, 'cpuUsPerRequest');
    const cpuBare = get('c1', 'bare', 'cpuUsPerRequest');
    add({
      id: 'cpu', title: 'CPU per request, c=1', measured: `${fmt(cpu, 1)} µs (bare ${fmt(cpuBare, 1)} µs)`, limit: '≤ 1.5× bare',
      vsBare: ratio(cpu, cpuBare), pass: cpu === undefined || cpuBare === undefined ? null : cpu <= 1.5 * cpuBare,
    });
    for (const p of ['P50', 'P99'] as const) {
      const a = get('c1', t, `added${p}`);
      const b = get('c1', 'bare', `added${p}`);
      add({
        id: `added-${p.toLowerCase()}`, title: `added latency ${p.toLowerCase()}, c=1`, measured: `${fmt(a)} ms (bare ${fmt(b)} ms)`, limit: '≤ 1.5× bare',
        vsBare: ratio(a, b), pass: a === undefined || b === undefined ? null : a <= 1.5 * Math.max(b, 0),
      });
    }
    const rps = get('c32-20ms', t, 'rps');
    const rpsDirect = get('c32-20ms', 'direct', 'rps');
    const errors = get('c32-20ms', t, 'errors');
    const p99 = get('c32-20ms', t, 'p99');
    add({
      id: 'c32', title: 'c=32, 20 ms upstream: req/s vs direct, errors', measured: `${fmt(rps, 1)} req/s (direct ${fmt(rpsDirect, 1)}), ${fmt(errors, 0)} errors, p99 ${fmt(p99, 1)} ms`,
      limit: '≥ 95 % of direct, 0 errors', vsBare: ratio(rps, get('c32-20ms', 'bare', 'rps')),
      pass: rps === undefined || rpsDirect === undefined ? null : rps >= 0.95 * rpsDirect && errors === 0 && (p99 ?? 0) < 1000,
      ...(rps !== undefined && rpsDirect !== undefined ? { why: `${round((100 * rps) / rpsDirect, 1)} % of direct` } : {}),
    });
    const ttft = get('streams-c50', t, 'addedTtftP50');
    const ttft99 = get('streams-c50', t, 'addedTtftP99');
    const broken = get('streams-c50', t, 'broken');
    add({
      id: 'ttft', title: 'streams c=50: added TTFT p50, broken streams', measured: `+${fmt(ttft)} ms (p99 +${fmt(ttft99)} ms), ${fmt(broken, 0)} broken`,
      limit: '≤ 1.5 ms, 0 broken', vsBare: ratio(ttft, get('streams-c50', 'bare', 'addedTtftP50')),
      pass: ttft === undefined ? null : ttft <= 1.5 && broken === 0,
    });
    const stallFree = get('streams-sweep', t, 'stallFreeStreams');
    const directFree = get('streams-sweep', 'direct', 'stallFreeStreams');
    // When the floor itself stalls, the load generator's core (or the machine) was the limit, not the target.
    const floorFailed = directFree !== undefined && directFree < 1000 && (stallFree ?? 0) < 1000;
    add({
      id: 'streams-1000', title: 'concurrent streams without a stall (> 1 s gap) or a break', measured: `${fmt(stallFree, 0)} (direct ${fmt(directFree, 0)})`,
      limit: '≥ 1000', pass: stallFree === undefined || floorFailed ? null : stallFree >= 1000,
      ...(floorFailed ? { why: `not judged: direct itself stalled above ${directFree} streams in this run, so the machine, not the target, set the limit` } : {}),
    });
    const m = memory[t];
    const bareMem = memory.bare;
    add({
      id: 'rss-peak', title: 'RSS under load after warm-up (peak; all scenarios but the 1,000-stream sweep)', measured: m ? `${fmt(m.peakMB, 1)} MB (bare ${fmt(bareMem?.peakMB, 1)} MB)` : '—',
      limit: `≤ ${RSS_LIMIT_MB} MB`, vsBare: ratio(m?.peakMB, bareMem?.peakMB), pass: m ? m.peakMB <= RSS_LIMIT_MB : null,
    });
    const recovered = m ? m.afterMB - m.idleMB <= Math.max(NEAR_IDLE_MB, 0.5 * (m.peakMB - m.idleMB)) : undefined;
    add({
      id: 'rss-after', title: 'RSS after the load (settled), vs idle', measured: m ? `${fmt(m.afterMB, 1)} MB after, ${fmt(m.idleMB, 1)} MB idle` : '—',
      limit: `≤ idle + max(${NEAR_IDLE_MB} MB, half the growth)`, pass: recovered ?? null,
    });
  }
  return out;
}

export interface ReportInput {
  title: string;
  meta: Record<string, string>;
  targets: TargetInfo[];
  scenarios: Scenario[];
  summary: Summary;
  memory: Partial<Record<TargetId, Memory>>;
  /** claude-foundry's process.memoryUsage() and V8 heap spaces at the "after" point. */
  v8Memory?: Record<string, Record<string, unknown>>;
  verdicts: Verdict[];
  skipped: string[];
  soaks?: Soak[];
}

/** A target held at c=32 @20 ms for minutes, RSS sampled every 10 s. */
export interface Soak {
  target: TargetId;
  minutes: number;
  ok: number;
  errors: number;
  rps: number;
  rssMB: number[];
}

/** RSS growth over a soak: the mean of its second half minus the mean of its first. */
export function soakDrift(rssMB: readonly number[]): number {
  const half = rssMB.length >> 1;
  if (half === 0) return 0;
  return round(mean(rssMB.slice(half)) - mean(rssMB.slice(0, half)), 1);
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdown(input: ReportInput): string {
  const ids = input.targets.filter((t) => t.available).map((t) => t.id);
  const s = input.summary;
  const row = (sc: string, t: TargetId) => s[sc]?.[t];
  const lines: string[] = [`## ${input.title}`, ''];
  for (const [k, v] of Object.entries(input.meta)) lines.push(`- **${k}**: ${v}`);
  lines.push('');
  const unavailable = input.targets.filter((t) => !t.available);
  for (const t of unavailable) lines.push(`- **not measured**: ${t.label} — ${t.reason}`);
  for (const sk of input.skipped) lines.push(`- **skipped**: ${sk}`);
  if (unavailable.length || input.skipped.length) lines.push('');

  lines.push('### Latency and CPU (concurrency 1, 0 ms upstream; ms; medians over repeats)', '');
  lines.push(
    table(
      ['target', 'p50', 'p99', 'added p50', 'added p99', 'CPU µs/req', 'CPU vs bare', '100 KB p50', '100 KB added p50', '100 KB added p99', '100 KB CPU µs/req', 'machine load'],
      ids.map((t) => {
        const c = row('c1', t);
        const k = row('c1-100kb', t);
        return [
          LABELS[t], fmt(c?.['p50']), fmt(c?.['p99']), fmt(c?.['addedP50']), fmt(c?.['addedP99']), fmt(c?.['cpuUsPerRequest'], 1),
          ratio(c?.['cpuUsPerRequest'], row('c1', 'bare')?.['cpuUsPerRequest']),
          fmt(k?.['p50']), fmt(k?.['addedP50']), fmt(k?.['addedP99']), fmt(k?.['cpuUsPerRequest'], 1), fmt(c?.['load1'], 2),
        ];
      }),
    ),
    '',
  );
  lines.push('### Throughput (small JSON bodies)', '');
  lines.push(
    table(
      ['target', 'c=32 @20 ms req/s', '% of direct', 'p50', 'p99', 'errors', 'open loop 400/s p50', 'p99', 'added p99', 'errors+dropped', 'c=32 @0 ms req/s', 'CPU µs/req'],
      ids.map((t) => {
        const c = row('c32-20ms', t);
        const o = row('rate-20ms', t);
        const z = row('c32-0ms', t);
        const direct = row('c32-20ms', 'direct')?.['rps'];
        return [
          LABELS[t], fmt(c?.['rps'], 1), c?.['rps'] !== undefined && direct ? `${round((100 * c['rps']) / direct, 1)} %` : '—',
          fmt(c?.['p50'], 2), fmt(c?.['p99'], 2), fmt(c?.['errors'], 0),
          fmt(o?.['p50'], 2), fmt(o?.['p99'], 2), fmt(o?.['addedP99'], 2), o ? String((o['errors'] ?? 0) + (o['dropped'] ?? 0)) : '—',
          fmt(z?.['rps'], 1), fmt(z?.['cpuUsPerRequest'], 1),
        ];
      }),
    ),
    '',
  );
  const sweep = input.scenarios.find((x) => x.kind === 'sweep');
  lines.push('### Streams (SSE, paced by the mock)', '');
  lines.push(
    table(
      ['target', 'TTFT p50', 'TTFT p99', 'added TTFT p50', 'added TTFT p99', 'broken', 'stalled', 'max gap ms', 'CPU µs/stream', 'stall-free concurrent streams', ...(sweep?.kind === 'sweep' ? sweep.levels.map((l) => `max gap @${l}`) : [])],
      ids.map((t) => {
        const c = row('streams-c50', t);
        const w = row('streams-sweep', t);
        return [
          LABELS[t], fmt(c?.['ttftP50']), fmt(c?.['ttftP99']), fmt(c?.['addedTtftP50']), fmt(c?.['addedTtftP99']), fmt(c?.['broken'], 0), fmt(c?.['stalled'], 0),
          fmt(c?.['maxGapMs'], 1), fmt(c?.['cpuUsPerStream'], 0), fmt(w?.['stallFreeStreams'], 0),
          ...(sweep?.kind === 'sweep'
            ? sweep.levels.map((l) => {
                const gap = w?.[`maxGapMs@${l}`];
                if (gap === undefined) return '—';
                const bad = (w?.[`stalled@${l}`] ?? 0) + (w?.[`broken@${l}`] ?? 0);
                return `${fmt(gap, 0)}${bad ? ` (${w?.[`stalled@${l}`]} stalled, ${w?.[`broken@${l}`]} broken)` : ''}`;
              })
            : []),
        ];
      }),
    ),
    '',
  );
  lines.push('### Resident memory (MB, from /proc/<pid>/status VmRSS)', '');
  lines.push(
    table(
      ['target', 'idle', 'peak under load (all but the sweep)', 'after (settled, before the sweep)', 'peak in the stream sweep', 'at the end (settled)'],
      ids.map((t) => {
        const m = input.memory[t];
        return [LABELS[t], fmt(m?.idleMB, 1), fmt(m?.peakMB, 1), fmt(m?.afterMB, 1), fmt(m?.sweepPeakMB, 1), fmt(m?.endMB, 1)];
      }),
    ),
    '',
  );
  if (input.soaks?.length) {
    lines.push('### Soak (c=32 @20 ms held; RSS sampled every 10 s; flat = second-half mean within 10 MB of the first half)', '');
    lines.push(
      table(
        ['target', 'minutes', 'ok', 'errors', 'req/s', 'RSS first', 'RSS last', 'RSS min', 'RSS max', 'drift (2nd half − 1st half)', 'flat'],
        input.soaks.map((k) => {
          const drift = soakDrift(k.rssMB);
          return [
            LABELS[k.target], String(k.minutes), String(k.ok), String(k.errors), fmt(k.rps, 1), fmt(k.rssMB[0], 1), fmt(k.rssMB.at(-1), 1),
            fmt(Math.min(...k.rssMB), 1), fmt(Math.max(...k.rssMB), 1), `${drift} MB`, drift <= 10 && k.errors === 0 ? 'yes' : 'no',
          ];
        }),
      ),
      '',
    );
  }
  for (const [id, v] of Object.entries(input.v8Memory ?? {})) {
    const spaces = (v['spaces'] ?? {}) as Record<string, number>;
    lines.push(
      `- ${LABELS[id as TargetId] ?? id}, after the load: RSS ${String(v['rss'])} MB = V8 heap ${String(v['heapTotal'])} MB (used ${String(v['heapUsed'])} MB; ` +
        `new space ${spaces['new_space'] ?? '?'} MB, old space ${spaces['old_space'] ?? '?'} MB, code ${spaces['code_space'] ?? '?'} MB) + external ${String(v['external'])} MB + the rest (native: Node, V8 code, worker threads, SQLite, allocator).`,
    );
  }
  if (input.v8Memory && Object.keys(input.v8Memory).length) lines.push('');
  if (input.verdicts.length) {
    lines.push('### Targets (issue 5)', '');
    lines.push(
      table(
        ['target', 'check', 'measured', 'limit', 'vs bare', 'result'],
        input.verdicts.map((v) => [
          LABELS[v.target], v.title, v.measured + (v.why ? ` — ${v.why}` : ''), v.limit, v.vsBare ?? '', v.pass === null ? 'n/a' : v.pass ? 'PASS' : 'FAIL',
        ]),
      ),
      '',
    );
  }
  const featured = input.targets.filter((t) => t.available && t.features);
  if (featured.length) {
    lines.push('### What was on', '');
    for (const t of featured) {
      lines.push(`- **${t.label}**`);
      for (const [k, v] of Object.entries(t.features!)) lines.push(`  - ${k}: ${v}`);
    }
    lines.push('');
  }
  const notes = input.targets.filter((t) => t.available && t.notes.length);
  for (const t of notes) lines.push(`- ${t.label}: ${t.notes.join('; ')}`);
  if (notes.length) lines.push('');
  return lines.join('\n');
}
