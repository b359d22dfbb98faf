// The Microsoft.CognitiveServices ARM API as the control commands use it (api-version 2025-09-01, what Azure's
// SDK sends): where an account lives, the shapes read back, and ARM's refusals worded as one line naming the command.
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID } from '@claude-foundry/gateway';
import { ArmError, CliError, EXIT_FAILURE, type GatewayClient } from './gateway-client.ts';
import { CONNECTION_OPTIONS } from './monitoring/client.ts';
import { UsageError } from './usage.ts';

export const COGNITIVE_SERVICES_API_VERSION = '2025-09-01';

export interface Account {
  id: string;
  name: string;
  location: string;
  kind?: string;
  sku?: { name: string };
  tags?: Record<string, string>;
  identity?: unknown;
  properties: {
    provisioningState?: string;
    endpoint?: string;
    endpoints?: Record<string, string>;
    customSubDomainName?: string;
    publicNetworkAccess?: string;
    disableLocalAuth?: boolean;
    networkAcls?: NetworkAcls;
    [other: string]: unknown;
  };
}

export interface NetworkAcls {
  defaultAction?: string;
  ipRules?: Array<{ value: string }>;
  virtualNetworkRules?: unknown[];
  [other: string]: unknown;
}

export interface Deployment {
  id: string;
  name: string;
  sku?: { name: string; capacity?: number };
  properties: { provisioningState?: string; model?: { format?: string; name?: string; version?: string }; [other: string]: unknown };
}

export interface ApiKeys {
  key1: string;
  key2: string;
}

/** The subscription and resource group a command works in: flags, else the gateway's defaults (docs/identity.md). */
export interface Placement {
  subscription: string;
  /** Undefined when the command was not given one: lists span the subscription, names are looked up in it. */
  resourceGroup: string | undefined;
}

export const PLACEMENT_OPTIONS = {
  subscription: { type: 'string' },
  'resource-group': { type: 'string', short: 'g' },
} as const;

export const PLACEMENT_HELP = `  --subscription <GUID>      the subscription (default ${DEFAULT_SUBSCRIPTION_ID})
  -g, --resource-group <rg>  the resource group (default: where the resource is; '${DEFAULT_RESOURCE_GROUP}' to create)`;

/** What every control command takes: where, how to reach the gateway, --json and --help. */
export const CONTROL_OPTIONS = { ...CONNECTION_OPTIONS, ...PLACEMENT_OPTIONS } as const;

export const CONTROL_HELP = `${PLACEMENT_HELP}
  --json                     machine-readable output (one JSON document: ARM's shapes)
  --url <url>                the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>           the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help                 this text`;

export function placementOf(values: { subscription?: string | undefined; 'resource-group'?: string | undefined }): Placement {
  return { subscription: values.subscription ?? DEFAULT_SUBSCRIPTION_ID, resourceGroup: values['resource-group'] };
}

const PROVIDER = 'providers/Microsoft.CognitiveServices/accounts';
const segment = (s: string) => encodeURIComponent(s);

export function accountsPath(subscription: string, resourceGroup?: string): string {
  return `/subscriptions/${segment(subscription)}${resourceGroup === undefined ? '' : `/resourceGroups/${segment(resourceGroup)}`}/${PROVIDER}`;
}

export function accountPath(subscription: string, resourceGroup: string, name: string): string {
  return `${accountsPath(subscription, resourceGroup)}/${segment(name)}`;
}

export const resourceGroupOf = (id: string) => /\/resourceGroups\/([^/]+)/i.exec(id)?.[1] ?? '';

/** One management call at this api-version; a refusal becomes `<command>: <ARM message> (<code>)`. */
export async function armCall<T>(client: GatewayClient, command: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const url = path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${COGNITIVE_SERVICES_API_VERSION}`;
  try {
    const res = await client.manage(method, url, body);
    return { status: res.status, body: res.json as T };
  } catch (err) {
    if (!(err instanceof ArmError)) throw err;
    const message = err.armMessage.replace(/\s+/g, ' ').trim();
    const worded = new CliError(`${command}: ${message}${err.code ? ` (${err.code})` : ''}`, err.exitCode);
    worded.cause = err;
    throw worded;
  }
}

/** What ARM has at `path`, or undefined when it answers 404. */
export async function armFind<T>(client: GatewayClient, command: string, path: string): Promise<T | undefined> {
  try {
    return (await armCall<T>(client, command, 'GET', path)).body;
  } catch (err) {
    if (err instanceof CliError && err.cause instanceof ArmError && err.cause.status === 404) return undefined;
    throw err;
  }
}

/** Every item of an ARM list, following `nextLink`. */
export async function armList<T>(client: GatewayClient, command: string, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page: { value: T[]; nextLink?: string | null } = (await armCall<{ value: T[]; nextLink?: string | null }>(client, command, 'GET', next)).body;
    items.push(...page.value);
    const link = page.nextLink ? new URL(page.nextLink, client.url) : undefined;
    next = link ? link.pathname + link.search : undefined;
  }
  return items;
}

/**
 * The account a command names: by its full path when the resource group is given, else looked up by name in the
 * subscription (account names are unique there, as Azure makes them globally unique).
 */
export async function resolveResource(client: GatewayClient, command: string, placement: Placement, name: string): Promise<Account> {
  if (placement.resourceGroup !== undefined) {
    return (await armCall<Account>(client, command, 'GET', accountPath(placement.subscription, placement.resourceGroup, name))).body;
  }
  const all = await armList<Account>(client, command, accountsPath(placement.subscription));
  const found = all.find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new CliError(`${command}: no resource named '${name}' in subscription '${placement.subscription}'. Run 'npx claude-foundry resource list', or create it with 'npx claude-foundry resource create ${name}'.`, EXIT_FAILURE);
  }
  return found;
}

/** The resource a command is about: `--resource <name>` or its first positional argument. */
export function resourceNameOf(command: string, flag: string | undefined, positionals: readonly string[]): string {
  if (flag !== undefined && positionals.length > 0) throw new UsageError(`${command}: name the resource once, with --resource or as an argument, not both.`);
  const name = flag ?? positionals[0];
  if (name === undefined) throw new UsageError(`${command}: which resource? Pass --resource <name> (see 'npx claude-foundry resource list').`);
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument '${positionals[1]}'.`);
  return name;
}

/** `key1`/`Key1` → ARM's `Key1`. */
export function keyNameOf(command: string, value: string | undefined): 'Key1' | 'Key2' {
  if (value === undefined) throw new UsageError(`${command}: --key is required: key1 or key2.`);
  const lower = value.toLowerCase();
  if (lower !== 'key1' && lower !== 'key2') throw new UsageError(`${command}: --key must be key1 or key2, not '${value}'.`);
  return lower === 'key1' ? 'Key1' : 'Key2';
}
