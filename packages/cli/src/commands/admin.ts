// `npx claude-foundry admin recover`: gives the CLI's admin principal back its Owner role and a working secret,
// offline (the gateway stopped), when its access was removed or its credentials file lost.
import { recoverAdmin } from '@claude-foundry/gateway';
import { dataDirOf } from '../gateway-client.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry admin recover [--data-dir <dir>] [--config <file>]

Restores the admin principal the CLI signs in with: its Owner role assignment on every subscription
of the gateway and a working client secret in <dataDir>/admin-credentials.json. Run it with the
gateway stopped (a running gateway keeps what it loaded until it restarts), then start the gateway.

Options:
  --data-dir <dir>   the gateway's data folder (default ./.data or $CLAUDE_FOUNDRY_DATA_DIR)
  --config <file>    the gateway's config file, if it has one (default $CLAUDE_FOUNDRY_CONFIG)
  -h, --help         this text`;

export async function admin(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'recover') throw new UsageError(`admin: unknown subcommand '${sub}'; use recover.`);
  const { values } = parseCommandArgs('admin recover', rest, { 'data-dir': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const recovered = await recoverAdmin({ dataDir: dataDirOf(values['data-dir']), configFile: values.config });
  process.stdout.write(
    `The admin principal ${recovered.clientId} is Owner of ${recovered.subscriptions.map((s) => `/subscriptions/${s}`).join(', ')} again; ` +
      `its credentials are in ${recovered.path}. Start (or restart) the gateway: npx claude-foundry serve\n`,
  );
  return 0;
}
