// Where a process tree's time goes, from /proc: its processes, each thread's CPU time and context switches by
// the kind of thread (Node's main threads, V8's helpers, worker threads such as the request-log writer), and
// which process holds the connections to a port (ss). For the `--workers` benchmark: at 20 ms upstream nothing
// is CPU-bound, so the split, the wake-ups and the spread of connections over the workers are what explain it.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLOCK_TICKS } from './proc.ts';

/** Every process below `root` (from /proc), with it, parents before children. */
export function processTree(root: number): number[] {
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

/** Node names its threads: the event loop's `MainThread`, V8's platform workers `V8Worker` (GC, compilers), a worker_threads Worker `WorkerThread`. */
export type ThreadKind = 'main' | 'v8' | 'worker' | 'other';
const KINDS: Record<string, ThreadKind> = { MainThread: 'main', V8Worker: 'v8', WorkerThread: 'worker' };

export interface ThreadTotals {
  cpuUs: number;
  voluntary: number;
  involuntary: number;
}
export type ThreadSample = Record<ThreadKind, ThreadTotals>;

const empty = (): ThreadSample => ({
  main: { cpuUs: 0, voluntary: 0, involuntary: 0 },
  v8: { cpuUs: 0, voluntary: 0, involuntary: 0 },
  worker: { cpuUs: 0, voluntary: 0, involuntary: 0 },
  other: { cpuUs: 0, voluntary: 0, involuntary: 0 },
});

/** CPU time and context switches of every thread of the tree, summed by kind (threads gone meanwhile are skipped). */
export function sampleThreads(root: number): ThreadSample {
  const out = empty();
  for (const pid of processTree(root)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const kind = KINDS[name] ?? (tid === String(pid) ? 'main' : 'other');
        out[kind].cpuUs += ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
        out[kind].voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        out[kind].involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

/** What each kind of thread spent between two samples, per request. */
export function perRequest(before: ThreadSample, after: ThreadSample, requests: number): ThreadSample {
  const out = empty();
  const n = Math.max(1, requests);
  for (const kind of Object.keys(out) as ThreadKind[]) {
    for (const key of ['cpuUs', 'voluntary', 'involuntary'] as const) out[kind][key] = (after[kind][key] - before[kind][key]) / n;
  }
  return out;
}

/** Established connections to `port` on this machine, by the pid that holds them (ss -tnp); undefined without ss. */
export function connectionsByProcess(port: number): Record<string, number> | undefined {
  let out: string;
  try {
    out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8', timeout: 5000 });
  } catch {
    return undefined;
  }
  const byPid: Record<string, number> = {};
  for (const m of out.matchAll(/pid=(\d+)/g)) byPid[m[1]!] = (byPid[m[1]!] ?? 0) + 1;
  return byPid;
}
