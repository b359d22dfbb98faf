// Starts the real `claude-foundry serve` binary as a child process and waits for its banner.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));

/** The running child and everything it printed up to and including the banner. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env });
  let banner = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${banner}`)), 15_000);
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
