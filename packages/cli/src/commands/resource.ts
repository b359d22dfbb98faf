// `npx claude-foundry resource create|list|show|update|delete`: Foundry resources, i.e. Microsoft.CognitiveServices
// accounts of kind AIServices, through the gateway's ARM API
// (`/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}`).
import { DEFAULT_RESOURCE_GROUP } from '@claude-foundry/gateway';
import {
  type Account, accountPath, accountsPath, armCall, armFind, armList, type NetworkAcls, CONTROL_HELP, CONTROL_OPTIONS,
  placementOf, resolveResource, resourceGroupOf,
} from '../arm.ts';
import { CliError, EXIT_FAILURE } from '../gateway-client.ts';
import { connect } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { choice, parseCommandArgs, UsageError } from '../usage.ts';

const DEFAULT_LOCATION = 'eastus2';
const DEFAULT_SKU = 'S0';

const HELP = `Usage: npx claude-foundry resource <create|list|show|update|delete> [options]

  create <name> [settings]   a new Foundry resource (an ARM Microsoft.CognitiveServices account, kind AIServices)
  list                       the resources of the subscription, or of one resource group with -g
  show <name>                one resource: endpoint, network rules, local auth, state
  update <name> [settings]   change a resource's settings (the others stay as they are)
  delete <name>              delete a resource and its deployments

Settings:
  --location <region>                         where it is (default ${DEFAULT_LOCATION}; create only)
  --sku <name>                                its pricing tier (default ${DEFAULT_SKU})
  --custom-subdomain <name>                   its custom subdomain, a DNS label unique across resources
  --public-network-access <Enabled|Disabled>  Disabled refuses every data-plane request
  --default-action <Allow|Deny>               what happens to addresses no --ip-rule names
  --ip-rule <CIDR>                            an address or range allowed in, e.g. 203.0.113.0/24 (repeatable;
                                              replaces the list on update; implies --default-action Deny
                                              when none is set)
  --clear-ip-rules                            remove every IP rule (update)
  --disable-local-auth <true|false>           true refuses API keys: Entra ID tokens only

Options:
${CONTROL_HELP}

Examples:
  npx claude-foundry resource create my-res
  npx claude-foundry resource update my-res --ip-rule 127.0.0.1 --ip-rule 10.0.0.0/8
  npx claude-foundry resource list --json`;

const OPTIONS = {
  ...CONTROL_OPTIONS,
  location: { type: 'string' },
  sku: { type: 'string' },
  'custom-subdomain': { type: 'string' },
  'public-network-access': { type: 'string' },
  'default-action': { type: 'string' },
  'ip-rule': { type: 'string', multiple: true },
  'clear-ip-rules': { type: 'boolean' },
  'disable-local-auth': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

const SETTING_FLAGS = ['location', 'sku', 'custom-subdomain', 'public-network-access', 'default-action', 'ip-rule', 'clear-ip-rules', 'disable-local-auth'] as const;

/** Properties ARM computes; a PUT built from a GET leaves them out. */
const READ_ONLY = ['provisioningState', 'endpoint', 'endpoints', 'internalId', 'dateCreated', 'capabilities', 'privateEndpointConnections', 'deletionDate', 'scheduledPurgeDate', 'callRateLimit', 'quotaLimit', 'skuChangeInfo', 'isMigrated', 'abusePenalty'];

export async function resource(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const command = `resource ${sub}`;
  const { values, positionals } = parseCommandArgs(command, rest, OPTIONS, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const placement = placementOf(values);
  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument '${positionals[0]}'.`);
    noSettings(command, values);
    const accounts = await armList<Account>(connect(values), command, accountsPath(placement.subscription, placement.resourceGroup));
    if (values.json) printJson(accounts);
    else process.stdout.write(table(['NAME', 'RESOURCE GROUP', 'LOCATION', 'SKU', 'PUBLIC ACCESS', 'LOCAL AUTH', 'STATE'], accounts.map(listRow)));
    return 0;
  }
  if (!['create', 'show', 'update', 'delete'].includes(sub)) throw new UsageError(`resource: unknown subcommand '${sub}'; use create, list, show, update or delete.`);
  const [name, extra] = positionals;
  if (name === undefined) throw new UsageError(`${command}: name the resource, e.g. 'npx claude-foundry ${command} my-res'.`);
  if (extra !== undefined) throw new UsageError(`${command}: unexpected argument '${extra}'.`);
  const client = connect(values);
  switch (sub) {
    case 'create': {
      if (values['clear-ip-rules']) throw new UsageError(`${command}: --clear-ip-rules is for update; a new resource has no rules.`);
      const resourceGroup = placement.resourceGroup ?? DEFAULT_RESOURCE_GROUP;
      const path = accountPath(placement.subscription, resourceGroup, name);
      if (await armFind<Account>(client, command, path)) {
        throw new CliError(`${command}: resource '${name}' already exists in resource group '${resourceGroup}'. Change it with 'npx claude-foundry resource update ${name}', or pick another name.`, EXIT_FAILURE);
      }
      const body = {
        location: values.location ?? DEFAULT_LOCATION,
        kind: 'AIServices',
        sku: { name: values.sku ?? DEFAULT_SKU },
        properties: applySettings(command, {}, values),
      };
      const created = (await armCall<Account>(client, command, 'PUT', path, body)).body;
      if (values.json) printJson(created);
      else {
        process.stdout.write(`Created resource '${created.name}' in resource group '${resourceGroupOf(created.id)}' (${created.location}, ${created.sku?.name ?? body.sku.name}).\n\n`);
        process.stdout.write(describe(created));
        process.stdout.write(`\nNext: npx claude-foundry deployment create --resource ${created.name} --name claude-sonnet-5-5 --model claude-sonnet-5-5\n`);
      }
      return 0;
    }
    case 'show': {
      noSettings(command, values);
      const account = await resolveResource(client, command, placement, name);
      if (values.json) printJson(account);
      else process.stdout.write(describe(account));
      return 0;
    }
    case 'update': {
      if (values.location !== undefined) throw new UsageError(`${command}: a resource cannot move; --location is for create.`);
      if (!SETTING_FLAGS.some((f) => values[f] !== undefined)) throw new UsageError(`${command}: nothing to change; pass a setting such as --disable-local-auth true (see --help).`);
      const current = await resolveResource(client, command, placement, name);
      const properties = Object.fromEntries(Object.entries(current.properties).filter(([k]) => !READ_ONLY.includes(k)));
      const body = {
        location: current.location,
        kind: current.kind ?? 'AIServices',
        sku: values.sku ? { name: values.sku } : current.sku,
        ...(current.tags ? { tags: current.tags } : {}),
        ...(current.identity ? { identity: current.identity } : {}),
        properties: applySettings(command, properties, values),
      };
      const updated = (await armCall<Account>(client, command, 'PUT', current.id, body)).body;
      if (values.json) printJson(updated);
      else process.stdout.write(`Updated resource '${updated.name}'.\n\n${describe(updated)}`);
      return 0;
    }
    default: {
      noSettings(command, values);
      const account = await resolveResource(client, command, placement, name);
      await armCall(client, command, 'DELETE', account.id);
      if (values.json) printJson({ deleted: account.id });
      else process.stdout.write(`Deleted resource '${account.name}' (resource group '${resourceGroupOf(account.id)}') and its deployments.\n`);
      return 0;
    }
  }
}

function noSettings(command: string, values: Values): void {
  const given = SETTING_FLAGS.find((f) => values[f] !== undefined);
  if (given) throw new UsageError(`${command}: --${given} changes a resource; use 'npx claude-foundry resource update'.`);
}

/** The flags' settings laid over `properties` (a new resource's, or those read back for an update). */
function applySettings(command: string, properties: Account['properties'], values: Values): Account['properties'] {
  const out = { ...properties };
  if (values['custom-subdomain'] !== undefined) out.customSubDomainName = values['custom-subdomain'];
  if (values['public-network-access'] !== undefined) out.publicNetworkAccess = choice(command, 'public-network-access', values['public-network-access'], ['Enabled', 'Disabled']);
  if (values['disable-local-auth'] !== undefined) out.disableLocalAuth = choice(command, 'disable-local-auth', values['disable-local-auth'], ['true', 'false']) === 'true';
  if (values['ip-rule'] && values['clear-ip-rules']) throw new UsageError(`${command}: pass --ip-rule or --clear-ip-rules, not both.`);
  const action = values['default-action'] === undefined ? undefined : choice(command, 'default-action', values['default-action'], ['Allow', 'Deny']);
  if (action !== undefined || values['ip-rule'] || values['clear-ip-rules']) {
    const acls: NetworkAcls = { ...properties.networkAcls };
    if (values['ip-rule']) acls.ipRules = values['ip-rule'].map((value) => ({ value }));
    if (values['clear-ip-rules']) acls.ipRules = [];
    acls.defaultAction = action ?? acls.defaultAction ?? (values['ip-rule'] ? 'Deny' : 'Allow');
    acls.ipRules ??= [];
    out.networkAcls = acls;
  }
  return out;
}

const localAuth = (a: Account) => (a.properties.disableLocalAuth ? 'disabled' : 'enabled');
const publicAccess = (a: Account) => {
  const p = a.properties;
  if (p.publicNetworkAccess === 'Disabled') return 'Disabled';
  const acls = p.networkAcls;
  return acls?.defaultAction === 'Deny' ? `Enabled, ${acls.ipRules?.length ?? 0} IP rule(s)` : 'Enabled';
};

function listRow(a: Account): string[] {
  return [a.name, resourceGroupOf(a.id), a.location, a.sku?.name ?? '', publicAccess(a), localAuth(a), a.properties.provisioningState ?? 'Succeeded'];
}

function describe(a: Account): string {
  const p = a.properties;
  const rules = p.networkAcls?.ipRules?.map((r) => r.value) ?? [];
  return table(['FIELD', 'VALUE'], [
    ['Name', a.name],
    ['ID', a.id],
    ['Resource group', resourceGroupOf(a.id)],
    ['Location', a.location],
    ['Kind', a.kind ?? ''],
    ['SKU', a.sku?.name ?? ''],
    ['Endpoint', p.endpoint ?? ''],
    ['Custom subdomain', p.customSubDomainName ?? '(none)'],
    ['Public network access', p.publicNetworkAccess ?? 'Enabled'],
    ['Default action', p.networkAcls?.defaultAction ?? 'Allow'],
    ['IP rules', rules.length ? rules.join(', ') : '(none)'],
    ['Local auth (keys)', localAuth(a)],
    ['State', p.provisioningState ?? 'Succeeded'],
  ]);
}
