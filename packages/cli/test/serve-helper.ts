// Starts the real `claude-foundry serve` binary as a child process and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilReady } from '../../gateway/test/child-helpers.ts';

export const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));

/**
 * A config declaring what the CLI tests rely on: `claude-local` with an active Sonnet, Opus and Haiku (the defaults
 * follow the catalog's current generation, so they move with time), each holding 1,000 of an Enterprise quota's
 * 10,000 units so that the deployments the tests create in the same subscription fit in what is left.
 */
function testConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cf-cli-seed-')), 'claude-foundry.json');
  const deployments = ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5'].map((name) => ({ name, capacity: 1000 }));
  writeFileSync(file, JSON.stringify({ subscriptionType: 'enterprise', resources: [{ name: 'claude-local', deployments }] }));
  return file;
}

/**
 * The running child and everything it printed up to and including the banner; without --config, the test config's deployments.
 * `timeoutMs`: how long to wait for the banner (several processes starting at once on a loaded machine need longer).
 */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ child: ChildProcess; banner: string }> {
  const config = args.includes('--config') ? [] : ['--config', testConfig()];
  const child = spawn(process.execPath, [BIN, 'serve', ...config, ...args], { env });
  child.stdout!.setEncoding('utf8');
  // On a timeout the child is killed, else it would keep the test process alive.
  const banner = await untilReady(child, (out) => (out.includes('Ctrl+C') ? out : undefined), { what: 'serve', timeoutMs });
  return { child, banner };
}
