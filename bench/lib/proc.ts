// Child processes for the benchmark: spawned pinned to a core, waited for until they listen, read for
// CPU time and resident memory from /proc, and always ended when the harness ends (even on failure).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second for /proc/<pid>/stat utime and stime (USER_HZ; 100 on Linux). */
export const CLOCK_TICKS = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

export interface Pinning {
  enabled: boolean;
  /** Core of the load generator and the mock upstream. */
  driverCore: number;
  /** Core of the target (gateway or proxy) under measurement. */
  targetCore: number;
  why: string;
}

export function planPinning(wanted: boolean): Pinning {
  if (!wanted) return { enabled: false, driverCore: 0, targetCore: 0, why: 'disabled by --no-pin' };
  if (process.platform !== 'linux') return { enabled: false, driverCore: 0, targetCore: 0, why: 'not Linux' };
  if (availableParallelism() < 2) return { enabled: false, driverCore: 0, targetCore: 0, why: 'fewer than 2 cores' };
  if (spawnSync('taskset', ['-V']).status !== 0) return { enabled: false, driverCore: 0, targetCore: 0, why: 'taskset not installed' };
  return { enabled: true, driverCore: 0, targetCore: 1, why: 'load generator and mock on core 0, each target on core 1' };
}

/** Pins this process (all its threads) to a core. */
export function pinSelf(core: number): void {
  spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // Synchronous last resort: whatever is still running dies with the harness.
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the targets\n`);
      process.exit(130);
    });
  }
}

export interface Spawned {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Lines the process printed (stdout and stderr), the last 200 kept. */
  output: string[];
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  core?: number | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function spawnPinned(options: SpawnOptions): Spawned {
  installCleanup();
  const [command, args] =
    options.core === undefined ? [options.command, options.args] : ['taskset', ['-c', String(options.core), options.command, ...options.args]];
  // taskset execs the command, so the pid is the target's own.
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      output.push(line);
      if (output.length > 200) output.shift();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${command}`);
  return {
    name: options.name,
    child,
    pid: child.pid,
    output,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
  if (timedOut) {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
}

/** Waits for a line `READY {"port":…}` on the child's stdout; fails on exit or after `timeoutMs`. */
export async function waitForReady(spawned: Spawned, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = spawned.output.find((l) => l.startsWith('READY '));
    if (line) return JSON.parse(line.slice(6)) as Record<string, unknown>;
    if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) break;
    await sleep(25);
  }
  throw new Error(`${spawned.name} did not start:\n${spawned.output.slice(-20).join('\n')}`);
}

/** Waits until a TCP port accepts connections. */
export async function waitForPort(spawned: Spawned, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) break;
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${spawned.name} did not listen on ${port}:\n${spawned.output.slice(-20).join('\n')}`);
}

/** A free TCP port on loopback (for programs that need `--port=N`). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** utime + stime of a process, all threads, in microseconds (from /proc/<pid>/stat, tick resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces and parentheses): state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / CLOCK_TICKS;
}

/** Resident set size in MB (VmRSS from /proc/<pid>/status). */
export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Samples a process's RSS at an interval until stopped; gives the peak and the samples. */
export function sampleRss(pid: number, everyMs: number): { stop(): { peakMB: number; samples: number[] } } {
  const samples: number[] = [];
  const take = () => {
    try {
      samples.push(rssMB(pid));
    } catch {
      // the process has gone; the run reports it
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakMB: Math.max(...samples.filter((s) => Number.isFinite(s))), samples };
    },
  };
}
