// A closed loop driven by wrk (C, event-driven: Debian's `wrk` package) instead of the Node driver, so that on a
// two-core machine the load generator takes a small share of the cores the target needs. One wrk thread keeps
// `concurrency` keep-alive connections busy with the same POST (a Lua script sets method, headers and body, and
// prints the figures in `done`). Its CPU time comes from the shell's `times` after wrk exits (the children's
// user + system time), since wrk is gone before /proc could be read.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestSpec } from './driver.ts';

export const WRK = '/usr/bin/wrk';

export const wrkInstalled = (): boolean => existsSync(WRK);

export interface WrkResult {
  /** Completed responses (any status). */
  requests: number;
  /** Responses with a 2xx/3xx status. */
  ok: number;
  /** Non-2xx/3xx responses and connect, read, write and timeout errors, by kind. */
  failures: Record<string, number>;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** wrk's own CPU time (user + system), µs. */
  cpuUs: number;
}

/** Lua long strings need no escaping as long as the text holds no `]==]`. */
function long(text: string): string {
  if (text.includes(']==]')) throw new Error(`wrk script: cannot quote ${JSON.stringify(text.slice(0, 80))}`);
  return `[==[${text}]==]`;
}

function script(spec: RequestSpec): string {
  return [
    'wrk.method = "POST"',
    `wrk.body = ${long(spec.body.toString('utf8'))}`,
    `wrk.headers["content-type"] = "application/json"`,
    ...Object.entries(spec.headers).map(([name, value]) => `wrk.headers[ ${long(name)} ] = ${long(value)}`),
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("WRK %d %d %d %d %d %d %d %d %d\\n", summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))',
    'end',
    '',
  ].join('\n');
}

/** `0m1.230000s` → µs. */
function clock(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!m) throw new Error(`cannot read the time ${JSON.stringify(text)} from the shell's times`);
  return Math.round((Number(m[1]) * 60 + Number(m[2])) * 1e6);
}

/** Runs wrk for `seconds` (whole seconds: wrk's unit) at `concurrency` connections on one thread. */
export async function wrkClosedLoop(spec: RequestSpec, options: { concurrency: number; seconds: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-wrk-'));
  const lua = join(dir, 'post.lua');
  writeFileSync(lua, script(spec));
  const args = ['-t1', `-c${options.concurrency}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', lua, `http://127.0.0.1:${spec.port}${spec.path}`];
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      // `times` prints the shell's own CPU time, then its children's: wrk's.
      const child = spawn('/bin/sh', ['-c', '"$0" "$@"; status=$?; times; exit $status', WRK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 30) * 1000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    const line = /^WRK (.+)$/m.exec(stdout);
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${stdout.slice(-2000)}${stderr.slice(-2000)}`);
    const [durationUs, requests, connect, read, write, status, timeout, p50Us, p99Us] = line[1]!.split(' ').map(Number) as number[];
    const times = stdout.trim().split('\n').slice(-1)[0]!.trim().split(/\s+/);
    const cpuUs = clock(times[0]!) + clock(times[1]!);
    const failures = Object.fromEntries(Object.entries({ connect, read, write, status, timeout }).filter(([, n]) => n! > 0)) as Record<string, number>;
    const ok = requests! - status!;
    const elapsedMs = durationUs! / 1000;
    return { requests: requests!, ok, failures, elapsedMs, rps: (ok * 1000) / elapsedMs, p50Ms: p50Us! / 1000, p99Ms: p99Us! / 1000, cpuUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
