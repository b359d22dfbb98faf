// The CLI's entry: picks the command, and maps every failure to one clean line and an exit code.
import { enableCompileCache } from 'node:module';
import { CliError } from './gateway-client.ts';
import { UsageError } from './usage.ts';
import { VERSION } from './version.ts';

const HELP = `claude-foundry: Claude on Microsoft Foundry, self-hosted

Usage: npx claude-foundry <command> [options]

Commands:
  serve       start the gateway (Foundry endpoint on the built-in simulator by default)
  resource    create, list, show, update or delete Foundry resources (network rules, local auth)
  deployment  create, list, show or delete a resource's model deployments
  keys        list or regenerate a resource's API keys
  endpoint    print a resource's export lines and SDK snippets
  chat        stream a reply from a deployment, to try it
  token       print an Entra ID access token from the development tenant
  principal   create, list or delete service principals
  role        assign, list or remove Azure RBAC roles
  usage       tokens, requests and cost over time
  cost        cost this month, the month-end forecast and budgets
  logs        the request log (filters, --follow)
  budget      set, list or delete monthly budgets
  models      the model catalog: lifecycle today, limits and prices
  admin       recover the CLI's admin access (offline, with the gateway stopped)
  scenarios   fixtures files of scripted replies: convert a recorded cassette, check a file

Run 'npx claude-foundry <command> --help' for a command's options; --version prints the version.
Commands that talk to a running gateway find it through its data folder (--data-dir, default ./.data)
or --url.`;

type Command = (args: string[]) => Promise<number>;

/** Each command is loaded when it runs: most need neither the gateway's server code nor each other. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serve,
  resource: async () => (await import('./commands/resource.ts')).resource,
  deployment: async () => (await import('./commands/deployment.ts')).deployment,
  keys: async () => (await import('./commands/keys.ts')).keys,
  endpoint: async () => (await import('./commands/endpoint.ts')).endpoint,
  chat: async () => (await import('./commands/chat.ts')).chat,
  token: async () => (await import('./commands/token.ts')).token,
  principal: async () => (await import('./commands/principal.ts')).principal,
  role: async () => (await import('./commands/role.ts')).role,
  usage: async () => (await import('./commands/usage.ts')).usage,
  cost: async () => (await import('./commands/cost.ts')).cost,
  logs: async () => (await import('./commands/logs.ts')).logs,
  budget: async () => (await import('./commands/budget.ts')).budget,
  models: async () => (await import('./commands/models.ts')).models,
  admin: async () => (await import('./commands/admin.ts')).admin,
  scenarios: async () => (await import('./commands/scenarios.ts')).scenarios,
};

/** 3: the gateway cannot be reached (or no admin credentials); 4: it refused the credentials (401/403). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unreachable: 3, denied: 4 } as const;


/**
 * A reader that stops early (`| head -1`) closes the pipe: the rest of the output has nowhere to go and that
 * is no error, so the process ends quietly instead of printing EPIPE's stack.
 */
function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  endQuietlyOnClosedPipe();
  try {
    if (command === '--version' || command === '-V' || command === 'version') {
      process.stdout.write(`claude-foundry ${VERSION}\n`);
      return EXIT.ok;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${HELP}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UsageError(`unknown command '${command}'. Run 'claude-foundry --help' for the list.`);
    // Node keeps the compiled (type-stripped) modules in its cache folder: a command starts about twice as fast.
    enableCompileCache();
    return await (await load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return err.exitCode;
    }
    // The gateway's ConfigError, known by name so that commands other than serve never load the gateway to check.
    if (err instanceof Error && err.name === 'ConfigError') {
      process.stderr.write(`claude-foundry: ${err.message}\n`);
      return EXIT.failure;
    }
    const e = err as NodeJS.ErrnoException & { port?: number; listener?: 'http' | 'https' };
    if (e.code === 'EADDRINUSE') {
      const [what, flag, variable] = e.listener === 'https' ? ['HTTPS port', '--https-port', 'CLAUDE_FOUNDRY_HTTPS_PORT'] : ['port', '--port', 'CLAUDE_FOUNDRY_PORT'];
      process.stderr.write(
        `claude-foundry: the ${what}${e.port === undefined ? '' : ` ${e.port}`} is already in use. Stop the other process, or choose another with ${flag} <n> (or ${variable}; 0 picks a free one).\n`,
      );
      return EXIT.failure;
    }
    process.stderr.write(`claude-foundry: ${e.message ?? String(err)}\n`);
    return EXIT.failure;
  }
}
