// `npx claude-foundry deployment create|list|show|delete`: a resource's model deployments, through the gateway's ARM
// API (`{account ID}/deployments/{name}`). A deployment's name is what clients pass as `model`.
import { armCall, armFind, armList, type Deployment, CONTROL_HELP, CONTROL_OPTIONS, placementOf, resolveResource, resourceGroupOf } from '../arm.ts';
import { CliError, EXIT_FAILURE } from '../gateway-client.ts';
import { connect, query } from '../monitoring/client.ts';
import { describePool, type PoolStatus } from './pool-status.ts';
import { printJson, table } from '../table.ts';
import { choice, parseCommandArgs, UsageError, wholeNumber } from '../usage.ts';

const HELP = `Usage: npx claude-foundry deployment <create|list|show|delete> --resource <name> [options]

  create --resource <r> --name <d> --model <m>   deploy a Claude model under a name clients pass as 'model'
  list --resource <r>                            the resource's deployments
  show --resource <r> --name <d>                 one deployment; a pool also lists its upstreams and each one's state now
  delete --resource <r> --name <d>               delete a deployment (calls to it then answer 404)

Create:
  --name <d>                                   the deployment's name (default: the model's ID, as Foundry does)
  --model <m>                                  the model, e.g. claude-sonnet-5-5 (default: the deployment's name)
  --model-version <v>                          the model version (default: the catalog's current one)
  --sku <GlobalStandard|DataZoneStandard>      the deployment type (default GlobalStandard)
  --capacity <n>                               units of capacity: n requests, n × 1,000 input and n × 200 output tokens a minute (default: the subscription's quota)

Options:
  --resource <r>             the resource (the name may also come first, as an argument)
${CONTROL_HELP}

Example:
  npx claude-foundry deployment create --resource my-res --name claude-sonnet-5-5 --model claude-sonnet-5-5 --capacity 50`;

const OPTIONS = {
  ...CONTROL_OPTIONS,
  resource: { type: 'string' },
  name: { type: 'string' },
  model: { type: 'string' },
  'model-version': { type: 'string' },
  sku: { type: 'string' },
  capacity: { type: 'string' },
} as const;

const CREATE_ONLY = ['model', 'model-version', 'sku', 'capacity'] as const;

export async function deployment(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const command = `deployment ${sub}`;
  const { values, positionals } = parseCommandArgs(command, rest, OPTIONS, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!['create', 'list', 'show', 'delete'].includes(sub)) throw new UsageError(`deployment: unknown subcommand '${sub}'; use create, list, show or delete.`);
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument '${positionals[0]}'; name the resource with --resource and the deployment with --name.`);
  if (values.resource === undefined) throw new UsageError(`${command}: --resource is required (see 'npx claude-foundry resource list').`);
  if (sub !== 'create') {
    const misplaced = CREATE_ONLY.find((f) => values[f] !== undefined);
    if (misplaced) throw new UsageError(`${command}: --${misplaced} is for 'deployment create'.`);
  }
  if (sub === 'create') {
    const name = values.name ?? values.model;
    const model = values.model ?? values.name;
    if (name === undefined || model === undefined) throw new UsageError(`${command}: pass --model (and --name, which defaults to the model's ID), e.g. --model claude-sonnet-5-5.`);
    const sku = choice(command, 'sku', values.sku ?? 'GlobalStandard', ['GlobalStandard', 'DataZoneStandard']);
    const capacity = values.capacity === undefined ? undefined : wholeNumber(command, 'capacity', values.capacity);
    const client = connect(values);
    const account = await resolveResource(client, command, placementOf(values), values.resource);
    const path = `${account.id}/deployments/${encodeURIComponent(name)}`;
    const existing = await armFind<Deployment>(client, command, path);
    if (existing) {
      throw new CliError(`${command}: resource '${account.name}' already has a deployment '${name}' (${describeModel(existing)}). Delete it first, or pick another --name.`, EXIT_FAILURE);
    }
    const body = {
      sku: { name: sku, ...(capacity === undefined ? {} : { capacity }) },
      properties: { model: { format: 'Anthropic', name: model, ...(values['model-version'] === undefined ? {} : { version: values['model-version'] }) } },
    };
    const created = (await armCall<Deployment>(client, command, 'PUT', path, body)).body;
    if (values.json) printJson(created);
    else {
      process.stdout.write(`Created deployment '${created.name}' on resource '${account.name}': ${describeModel(created)}, ${created.sku?.name ?? sku}, capacity ${created.sku?.capacity ?? capacity ?? '-'}.\n`);
      process.stdout.write(`Try it: npx claude-foundry chat --resource ${account.name} --deployment ${created.name} "Hello, Claude"\n`);
    }
    return 0;
  }
  const client = connect(values);
  const account = await resolveResource(client, command, placementOf(values), values.resource);
  if (sub === 'list') {
    if (values.name !== undefined) throw new UsageError(`${command}: --name is for show and delete; list shows every deployment.`);
    const deployments = await armList<Deployment>(client, command, `${account.id}/deployments`);
    if (values.json) printJson(deployments);
    else process.stdout.write(table(['NAME', 'MODEL', 'VERSION', 'SKU', 'CAPACITY', 'STATE'], deployments.map(row)));
    return 0;
  }
  if (values.name === undefined) throw new UsageError(`${command}: --name is required (see 'npx claude-foundry deployment list --resource ${values.resource}').`);
  const path = `${account.id}/deployments/${encodeURIComponent(values.name)}`;
  const found = (await armCall<Deployment>(client, command, 'GET', path)).body;
  if (sub === 'show') {
    const extension = found.properties['claudeFoundry'] as { backend?: string } | undefined;
    // A pool's members and their live state come from the gateway's management endpoint, not from ARM's record.
    const pool = extension?.backend === 'pool' ? await query<PoolStatus>(client, `pools/${encodeURIComponent(account.name)}/${encodeURIComponent(found.name)}`, {}) : undefined;
    if (values.json) printJson(pool ? { ...found, poolStatus: pool } : found);
    else {
      const [name, model, version, sku, capacity, state] = row(found);
      process.stdout.write(table(['FIELD', 'VALUE'], [
        ['Name', name!], ['ID', found.id], ['Resource', account.name], ['Resource group', resourceGroupOf(account.id)],
        ['Model', model!], ['Version', version!], ['SKU', sku!], ['Capacity', capacity!], ['State', state!],
        ...(extension?.backend ? [['Backend', extension.backend]] : []),
      ]));
      if (pool) process.stdout.write(`\n${describePool(pool)}`);
    }
    return 0;
  }
  await armCall(client, command, 'DELETE', path);
  if (values.json) printJson({ deleted: found.id });
  else process.stdout.write(`Deleted deployment '${found.name}' of resource '${account.name}'.\n`);
  return 0;
}

function describeModel(d: Deployment): string {
  const m = d.properties.model;
  return `${m?.name ?? '?'}${m?.version ? ` version ${m.version}` : ''}`;
}

function row(d: Deployment): string[] {
  const m = d.properties.model;
  return [d.name, m?.name ?? '', m?.version ?? '', d.sku?.name ?? '', d.sku?.capacity === undefined ? '' : String(d.sku.capacity), d.properties.provisioningState ?? 'Succeeded'];
}
