// Starts the real `claude-foundry serve` binary as a child process and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));

/**
 * A config declaring what the CLI tests rely on: `claude-local` with the deployments Foundry launched Claude with
 * (the defaults follow the catalog's current generation, so they move with time).
 */
function seedEraConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cf-cli-seed-')), 'claude-foundry.json');
  const deployments = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'].map((name) => ({ name }));
  writeFileSync(file, JSON.stringify({ resources: [{ name: 'claude-local', deployments }] }));
  return file;
}

/**
 * The running child and everything it printed up to and including the banner; without --config, the seed-era deployments.
 * `timeoutMs`: how long to wait for the banner (several processes starting at once on a loaded machine need longer).
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ child: ChildProcess; banner: string }> {
  const config = args.includes('--config') ? [] : ['--config', seedEraConfig()];
  const child = spawn(process.execPath, [BIN, 'serve', ...config, ...args], { env });
  let banner = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill(); // never left running behind a failed start
      reject(new Error(`no banner within ${timeoutMs} ms: ${banner}`));
    }, timeoutMs);
    child.stdout!.on('data', (c: string) => {
      banner += c;
      if (banner.includes('Ctrl+C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${banner}`)));
  });
  return { child, banner };
}
