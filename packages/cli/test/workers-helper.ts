// `claude-foundry serve --workers N` started as a user starts it, for the tests that watch its processes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilReady } from '../../gateway/test/child-helpers.ts';
import { BIN } from './serve-helper.ts';

/** A temporary folder holding `config` as the config file, and the data folder to use. */
export function setup(configured: object): { dir: string; config: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cf-workers-'));
  const config = join(dir, 'claude-foundry.json');
  writeFileSync(config, JSON.stringify(configured));
  return { dir, config, dataDir: join(dir, 'data') };
}

/** Starts `serve --workers <count>` on free ports with `configured` as its config; resolves once its banner is out. */
export async function startWorkers(configured: object, count: string, extra: string[] = []) {
  const paths = setup(configured);
  const args = [BIN, 'serve', '--workers', count, '--port', '0', '--config', paths.config, '--data-dir', paths.dataDir, ...extra];
  const child = spawn(process.execPath, args, { env: { ...process.env, CLAUDE_FOUNDRY_LOG_LEVEL: 'info' } });
  let stderr = '';
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  // Every worker starts before the banner; on a machine shared with other test runs that can take a while.
  const ports = await untilReady(child, (o) => (o.includes('Ctrl+C') ? (/Ports {8}HTTP (\d+), HTTPS (\d+)/.exec(o) ?? undefined) : undefined), {
    what: `serve --workers ${count}`,
    timeoutMs: 60_000,
  }).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${stderr}`)));
  /** Kills what is still running and removes the folder: the suites' `after`. */
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(paths.dir, { recursive: true, force: true });
  };
  return { ...paths, child, port: Number(ports[1]), httpsPort: Number(ports[2]), out: () => out, stderr: () => stderr, stop };
}

export function exited(child: ChildProcess, ms = 30_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The worker processes: the primary's children. */
export function childrenOf(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}
