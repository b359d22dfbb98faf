// `…/providers/Microsoft.CognitiveServices/accounts[/{name}]`: create or replace (PUT), update (PATCH), read, list,
// delete, and the `listKeys` and `regenerateKey` actions. Every change completes synchronously: 200 or 201 with
// `provisioningState: "Succeeded"` and no polling headers, so the SDK's `beginCreateAndWait` returns after one PUT.
import { accountScope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import { type AccountRecord, StoreConflict } from '../../store/types.ts';
import { generateKey } from '../keys.ts';
import { ACCOUNT_NAME } from '../names.ts';
import { parseAccountBody, specOf, type AccountSpec } from './account-body.ts';
import { type ArmContext, authorize, can, reply } from './context.ts';
import { readArmBody } from './http.ts';
import type { ArmTarget } from './paths.ts';
import { ensureGroup, requireGroup, validGroupName } from './resource-groups.ts';
import { accountJson } from './shapes.ts';

const ACTIONS = {
  read: 'Microsoft.CognitiveServices/accounts/read',
  write: 'Microsoft.CognitiveServices/accounts/write',
  delete: 'Microsoft.CognitiveServices/accounts/delete',
  listKeys: 'Microsoft.CognitiveServices/accounts/listKeys/action',
  regenerateKey: 'Microsoft.CognitiveServices/accounts/regenerateKey/action',
} as const;

type AccountTarget = Extract<ArmTarget, { kind: 'account' }>;
type Located = { subscriptionId: string; group: string; account: string };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const scopeOf = (t: Located) => accountScope(t.subscriptionId, t.group, t.account);

/** The account at exactly this subscription and resource group, or ARM's 404. */
export function findAccount(ctx: ArmContext, t: Located): AccountRecord {
  requireGroup(ctx, t.subscriptionId, t.group);
  const account = ctx.deps.plane.account(t.account);
  if (!account || account.subscriptionId !== t.subscriptionId || !same(account.resourceGroup, t.group)) {
    throw new GatewayError(
      'resource_not_found',
      `The Resource 'Microsoft.CognitiveServices/accounts/${t.account}' under resource group '${t.group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
  return account;
}

const inUse = (label: string) =>
  new GatewayError(
    'custom_domain_in_use',
    `Please pick a different name. The subdomain name '${label}' is not available as it's already used by a resource. ` +
      'Account names and custom subdomains are unique across every subscription of this gateway: delete the resource that uses it, or pick another name.',
  );

/** Names and subdomains share one namespace, as `{label}.services.ai.azure.com` does in Azure. */
function checkLabels(ctx: ArmContext, name: string, spec: AccountSpec): void {
  for (const label of new Set([name.toLowerCase(), spec.customSubDomainName?.toLowerCase()].filter((l) => l !== undefined))) {
    const holder = ctx.deps.plane.accountByLabel(label);
    if (holder && !same(holder.name, name)) throw inUse(label);
  }
}

const DEFAULTS: AccountSpec = {
  location: '',
  kind: 'AIServices',
  skuName: 'S0',
  tags: {},
  customSubDomainName: null,
  publicNetworkAccess: 'Enabled',
  networkAcls: null,
  disableLocalAuth: false,
};

export async function putAccount(ctx: ArmContext, t: AccountTarget, patch: boolean): Promise<void> {
  authorize(ctx, scopeOf(t), ACTIONS.write);
  if (!ACCOUNT_NAME.test(t.account)) {
    throw new GatewayError(
      'invalid_account_name',
      'The account name is invalid. Account name can only include alphanumeric characters and hyphens, and must start and end with an alphanumeric character; Account name only allows 2 to 64 characters.',
    );
  }
  validGroupName(t.group);
  const body = await readArmBody(ctx.req);
  const { status, record } = await ctx.deps.plane.change(async (writer) => {
    const existing = ctx.deps.plane.account(t.account);
    if (existing && (existing.subscriptionId !== t.subscriptionId || !same(existing.resourceGroup, t.group))) throw inUse(t.account);
    // A PATCH changes what it names; a PUT replaces the whole account, except its custom subdomain, which stays.
    const base = patch ? specOf(existing ?? findAccount(ctx, t)) : { ...DEFAULTS, customSubDomainName: existing?.customSubDomainName ?? null };
    const spec = parseAccountBody(body, base, patch);
    if (existing && existing.location !== spec.location) {
      throw new GatewayError(
        'invalid_resource_location',
        `The resource '${existing.name}' already exists in location '${existing.location}' in resource group '${existing.resourceGroup}'. A resource with the same name cannot be created in location '${spec.location}'. Please select a new resource name.`,
      );
    }
    if (existing?.customSubDomainName && spec.customSubDomainName?.toLowerCase() !== existing.customSubDomainName.toLowerCase()) {
      throw new GatewayError('arm_bad_request', `The custom subdomain of account '${existing.name}' is '${existing.customSubDomainName}' and cannot be changed.`);
    }
    checkLabels(ctx, t.account, spec);
    await ensureGroup(ctx, writer, t.subscriptionId, t.group, spec.location);
    const record: AccountRecord = {
      ...spec,
      name: existing?.name ?? t.account,
      subscriptionId: t.subscriptionId,
      resourceGroup: existing?.resourceGroup ?? t.group,
      keys: existing?.keys ?? { key1: generateKey(), key2: generateKey() },
      createdAt: existing?.createdAt ?? ctx.now,
      createdBy: existing ? existing.createdBy : ctx.caller.objectId,
      modifiedAt: ctx.now,
      modifiedBy: ctx.caller.objectId,
    };
    // The database's unique names back the checks above up (another process, another store).
    await writer.putAccount(record).catch((err: unknown) => {
      throw err instanceof StoreConflict ? inUse(spec.customSubDomainName ?? t.account) : err;
    });
    return { status: existing ? 200 : 201, record };
  });
  reply(ctx, status, accountJson(record, ctx.urls));
}


export function getAccount(ctx: ArmContext, t: AccountTarget): void {
  authorize(ctx, scopeOf(t), ACTIONS.read);
  reply(ctx, 200, accountJson(findAccount(ctx, t), ctx.urls));
}

/** 200 when deleted (with its deployments), 204 when there was none, as ARM answers. */
export async function deleteAccount(ctx: ArmContext, t: AccountTarget): Promise<void> {
  authorize(ctx, scopeOf(t), ACTIONS.delete);
  requireGroup(ctx, t.subscriptionId, t.group);
  const deleted = await ctx.deps.plane.change(async (writer) => {
    const existing = ctx.deps.plane.account(t.account);
    if (!existing || existing.subscriptionId !== t.subscriptionId || !same(existing.resourceGroup, t.group)) return false;
    return writer.deleteAccount(existing.name);
  });
  reply(ctx, deleted ? 200 : 204);
}

/** Accounts in the subscription or resource group that the caller may read. */
export function listAccounts(ctx: ArmContext, t: Extract<ArmTarget, { kind: 'accounts' }>): void {
  if (t.group !== undefined) requireGroup(ctx, t.subscriptionId, t.group);
  const value = ctx.deps.plane.records.accounts
    .filter((a) => a.subscriptionId === t.subscriptionId && (t.group === undefined || same(a.resourceGroup, t.group)))
    .filter((a) => can(ctx, accountScope(a.subscriptionId, a.resourceGroup, a.name), ACTIONS.read))
    .map((a) => accountJson(a, ctx.urls));
  if (value.length === 0) authorize(ctx, `/subscriptions/${t.subscriptionId}${t.group === undefined ? '' : `/resourceGroups/${t.group}`}`, ACTIONS.read);
  reply(ctx, 200, { value });
}

/** `listKeys` answers the pair; `regenerateKey` `{"keyName": "Key1"|"Key2"}` replaces one and answers the new pair. */
export async function accountKeys(ctx: ArmContext, t: Extract<ArmTarget, { kind: 'keys' }>): Promise<void> {
  authorize(ctx, scopeOf(t), ACTIONS[t.action]);
  if (t.action === 'listKeys') {
    const { key1, key2 } = findAccount(ctx, t).keys;
    reply(ctx, 200, { key1, key2 });
    return;
  }
  const body = await readArmBody(ctx.req);
  const keyName = body['keyName'];
  if (keyName !== 'Key1' && keyName !== 'Key2') {
    const shown = keyName === undefined ? '' : String(keyName).slice(0, 32);
    throw new GatewayError('arm_bad_request', `The key name '${shown}' is invalid. Valid values are 'Key1' and 'Key2'.`);
  }
  const keys = await ctx.deps.plane.change(async (writer) => {
    const account = findAccount(ctx, t);
    const next = keyName === 'Key1' ? { key1: generateKey(), key2: account.keys.key2 } : { key1: account.keys.key1, key2: generateKey() };
    await writer.putAccount({ ...account, keys: next, modifiedAt: ctx.now, modifiedBy: ctx.caller.objectId });
    return next;
  });
  reply(ctx, 200, keys);
}
