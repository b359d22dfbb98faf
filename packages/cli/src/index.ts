// The CLI's entry: picks the command, and maps every failure to one clean line and an exit code.
import { ConfigError } from '@claude-foundry/gateway';
import { serve } from './commands/serve.ts';
import { UsageError } from './usage.ts';

const HELP = `claude-foundry: Claude on Microsoft Foundry, self-hosted

Usage: claude-foundry <command> [options]

Commands:
  serve      start the gateway (Foundry endpoint on the built-in simulator by default)

Run 'claude-foundry <command> --help' for a command's options.`;

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${HELP}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command '${command}'. Run 'claude-foundry --help' for the list.`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return EXIT.failure;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(`claude-foundry: the port is already in use (${e.message}). Stop the other process or pass --port.\n`);
      return EXIT.failure;
    }
    process.stderr.write(`claude-foundry: ${e.message ?? String(err)}\n`);
    return EXIT.failure;
  }
}
