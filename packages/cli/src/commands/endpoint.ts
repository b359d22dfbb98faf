// `npx claude-foundry endpoint`: how to call a resource — the two export lines the official SDKs read, then curl,
// TypeScript and Python — with its key from ARM's listKeys, in the same words as the `serve` banner.
import { type Account, armList, type Deployment, keyNameOf, CONTROL_HELP, CONTROL_OPTIONS, placementOf, resolveResource, resourceGroupOf, resourceNameOf } from '../arm.ts';
import type { GatewayClient } from '../gateway-client.ts';
import { connect } from '../monitoring/client.ts';
import { callSnippets } from '../snippets.ts';
import { printJson } from '../table.ts';
import { parseCommandArgs } from '../usage.ts';
import { listKeys } from './keys.ts';

const HELP = `Usage: npx claude-foundry endpoint --resource <name> [options]

Prints the resource's base URL and key as two export lines for the official SDKs
(ANTHROPIC_FOUNDRY_BASE_URL, ANTHROPIC_FOUNDRY_API_KEY), then how to call it with curl, TypeScript and Python.

Options:
  --resource <r>             the resource (the name may also come first, as an argument)
  --deployment <d>           the deployment the examples call (default: the resource's first)
  --key <key1|key2>          which key to print (default key1)
${CONTROL_HELP}`;

const OPTIONS = { ...CONTROL_OPTIONS, resource: { type: 'string' }, deployment: { type: 'string' }, key: { type: 'string' } } as const;

/**
 * The base URL the official SDKs take for a resource: ARM's `Anthropic` endpoint, in the scheme the CLI reaches the
 * gateway by (plain HTTP needs no CA set up), else `{gateway}/{custom subdomain or name}/anthropic`.
 */
export function baseURLOf(client: GatewayClient, account: Account): string {
  const endpoints = account.properties.endpoints ?? {};
  const listed = client.url.startsWith('https:') ? endpoints['Anthropic'] : endpoints['Anthropic (HTTP)'];
  return (listed ?? `${client.url}/${encodeURIComponent(account.properties.customSubDomainName ?? account.name)}/anthropic`).replace(/\/+$/, '');
}

export async function endpoint(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('endpoint', args, OPTIONS, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const name = resourceNameOf('endpoint', values.resource, positionals);
  const keyName = keyNameOf('endpoint', values.key ?? 'key1');
  const client = connect(values);
  const account = await resolveResource(client, 'endpoint', placementOf(values), name);
  const [pair, deployments] = await Promise.all([listKeys(client, 'endpoint', account.id), armList<Deployment>(client, 'endpoint', `${account.id}/deployments`)]);
  const baseURL = baseURLOf(client, account);
  const apiKey = keyName === 'Key1' ? pair.key1 : pair.key2;
  const names = deployments.map((d) => d.name);
  if (values.json) {
    printJson({ resource: account.name, id: account.id, baseURL, apiKey, deployments: names });
    return 0;
  }
  const none = `(none yet: npx claude-foundry deployment create --resource ${account.name} --model claude-sonnet-5-5)`;
  process.stdout.write(`  Resource     ${account.name} (resource group ${resourceGroupOf(account.id)})
  Endpoint     ${baseURL}/v1/messages
  Deployments  ${names.length ? names.join(', ') : none}

${callSnippets({ baseURL, apiKey, model: values.deployment ?? names[0] ?? 'claude-sonnet-5-5' })}`);
  return 0;
}
