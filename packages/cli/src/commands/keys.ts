// `npx claude-foundry keys list|regenerate`: a resource's two API keys, through ARM's `listKeys` and `regenerateKey`
// actions. A regenerated key replaces the old one at once: the old value is refused from the next request.
import { type ApiKeys, armCall, keyNameOf, CONTROL_HELP, CONTROL_OPTIONS, placementOf, resolveResource, resourceNameOf } from '../arm.ts';
import type { GatewayClient } from '../gateway-client.ts';
import { connect } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry keys <list|regenerate> --resource <name> [options]

  list --resource <r>                            the resource's two keys, key1 and key2
  regenerate --resource <r> --key <key1|key2>    replace one key with a new value (the old one stops working)

Rotate without downtime: move clients to key2, regenerate key1, move them back, regenerate key2.

Options:
  --resource <r>             the resource (the name may also come first, as an argument)
  --key <key1|key2>          the key to regenerate
${CONTROL_HELP}`;

const OPTIONS = { ...CONTROL_OPTIONS, resource: { type: 'string' }, key: { type: 'string' } } as const;

/** The resource's keys through ARM's listKeys (also used by `endpoint` and `chat`). */
export async function listKeys(client: GatewayClient, command: string, accountId: string): Promise<ApiKeys> {
  return (await armCall<ApiKeys>(client, command, 'POST', `${accountId}/listKeys`)).body;
}

export async function keys(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const command = `keys ${sub}`;
  const { values, positionals } = parseCommandArgs(command, rest, OPTIONS, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (sub !== 'list' && sub !== 'regenerate') throw new UsageError(`keys: unknown subcommand '${sub}'; use list or regenerate.`);
  const name = resourceNameOf(command, values.resource, positionals);
  if (sub === 'list') {
    if (values.key !== undefined) throw new UsageError(`${command}: --key is for regenerate; list shows both keys.`);
    const client = connect(values);
    const account = await resolveResource(client, command, placementOf(values), name);
    const pair = await listKeys(client, command, account.id);
    if (values.json) printJson(pair);
    else process.stdout.write(table(['KEY', 'VALUE'], [['key1', pair.key1], ['key2', pair.key2]]));
    return 0;
  }
  const keyName = keyNameOf(command, values.key);
  const client = connect(values);
  const account = await resolveResource(client, command, placementOf(values), name);
  const pair = (await armCall<ApiKeys>(client, command, 'POST', `${account.id}/regenerateKey`, { keyName })).body;
  if (values.json) printJson(pair);
  else {
    const label = keyName === 'Key1' ? 'key1' : 'key2';
    process.stdout.write(`Regenerated ${label} of resource '${account.name}'; the old value is refused from now on.\n\n`);
    process.stdout.write(table(['KEY', 'VALUE'], [[label, label === 'key1' ? pair.key1 : pair.key2]]));
  }
  return 0;
}
