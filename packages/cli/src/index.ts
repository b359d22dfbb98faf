// The CLI's entry: picks the command, and maps every failure to one clean line and an exit code.
import { ConfigError } from '@claude-foundry/gateway';
import { budget } from './commands/budget.ts';
import { cost } from './commands/cost.ts';
import { logs } from './commands/logs.ts';
import { principal } from './commands/principal.ts';
import { role } from './commands/role.ts';
import { serve } from './commands/serve.ts';
import { token } from './commands/token.ts';
import { usage } from './commands/usage.ts';
import { CliError } from './gateway-client.ts';
import { UsageError } from './usage.ts';

const HELP = `claude-foundry: Claude on Microsoft Foundry, self-hosted

Usage: claude-foundry <command> [options]

Commands:
  serve      start the gateway (Foundry endpoint on the built-in simulator by default)
  token      print an Entra ID access token from the development tenant
  principal  create, list or delete service principals
  role       assign, list or remove Azure RBAC roles
  usage      tokens, requests and cost over time
  cost       cost this month, the month-end forecast and budgets
  logs       the request log (filters, --follow)
  budget     set, list or delete monthly budgets

Run 'claude-foundry <command> --help' for a command's options.`;

/** 3: the gateway cannot be reached (or no admin credentials); 4: it refused the credentials (401/403). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3, denied: 4 } as const;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'token':
        return await token(rest);
      case 'principal':
        return await principal(rest);
      case 'role':
        return await role(rest);
      case 'usage':
        return await usage(rest);
      case 'cost':
        return await cost(rest);
      case 'logs':
        return await logs(rest);
      case 'budget':
        return await budget(rest);
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
    if (err instanceof CliError) {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return err.exitCode;
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
