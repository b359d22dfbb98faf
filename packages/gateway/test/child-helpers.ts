// Child processes in tests: a start that fails (a timeout, an early exit, output that cannot be read) kills what it
// spawned, so no server outlives its test to keep the run alive or the machine busy.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../cli/bin/claude-foundry.js', import.meta.url));

/** A child that was not ready: its exit code (null when it was killed here) and everything it printed. */
export class ChildNotReady extends Error {
  readonly exitCode: number | null;
  readonly output: string;

  constructor(message: string, exitCode: number | null, output: string) {
    super(message);
    this.name = 'ChildNotReady';
    this.exitCode = exitCode;
    this.output = output;
  }
}

/**
 * Resolves with what `ready` makes of the child's output (stdout, and stderr too with `stderr: true`) as soon as it
 * returns something other than undefined. When that does not happen within `timeoutMs`, when the child exits first, or
 * when `ready` throws, the child is killed (SIGKILL) and the promise rejects with a ChildNotReady.
 */
export function untilReady<T>(child: ChildProcess, ready: (output: string) => T | undefined, options: { what: string; timeoutMs: number; stderr?: boolean }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let output = '';
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (message: string, exitCode: number | null) => {
      done();
      child.kill('SIGKILL');
      reject(new ChildNotReady(`${options.what}: ${message}: ${output}`, exitCode, output));
    };
    const onData = (chunk: Buffer | string) => {
      output += chunk.toString();
      let value: T | undefined;
      try {
        value = ready(output);
      } catch (err) {
        fail(`its output could not be read (${(err as Error).message})`, null);
        return;
      }
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (${code ?? signal}) before it was ready`, code);
    const timer = setTimeout(() => fail(`not ready within ${options.timeoutMs} ms`, null), options.timeoutMs);
    child.stdout?.on('data', onData);
    if (options.stderr) child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Kills the child unless it has exited, and waits until it has. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Waits for every start; when one failed, stops the ones that succeeded before throwing its error. */
export async function startAll<T>(starts: ReadonlyArray<Promise<T>>, stop: (started: T) => Promise<void>): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (!failed) return started;
  await Promise.all(started.map(stop));
  throw failed.reason;
}

/** A `claude-foundry serve` in a process of its own, as its banner and the admin credentials it wrote describe it. */
export interface ServedGateway {
  child: ChildProcess;
  port: number;
  httpsUrl: string;
  tenantId: string;
  caPem: string;
  admin: { clientId: string; clientSecret: string };
  output: () => string;
}

/**
 * Starts `serve --config <config> --port 0 --data-dir <dataDir> ...extra` with only PATH and `env`; resolves at its
 * banner. One that exits, prints no banner or leaves no credentials is killed, and the ChildNotReady says why.
 */
export function serveChild(options: { config: string; dataDir: string; what: string; env?: NodeJS.ProcessEnv; extra?: string[] }): Promise<ServedGateway> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', options.config, '--port', '0', '--data-dir', options.dataDir, ...(options.extra ?? [])], {
    env: { PATH: process.env['PATH'], ...options.env },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return untilReady(child, (printed) => {
    if (!printed.includes('Ctrl+C')) return undefined;
    const creds = JSON.parse(readFileSync(join(options.dataDir, 'admin-credentials.json'), 'utf8')) as { httpsUrl: string; url: string; tenantId: string; clientId: string; clientSecret: string; caPath: string };
    return { child, port: Number(new URL(creds.url).port), httpsUrl: creds.httpsUrl, tenantId: creds.tenantId, caPem: readFileSync(creds.caPath, 'utf8'), admin: creds, output: () => out };
  }, { what: options.what, timeoutMs: 60_000, stderr: true });
}
