// `/subscriptions/{sub}/resourcegroups[/{name}]`: create (PUT), read and list resource groups. An account PUT into a
// group that does not exist creates it too, so IaC that skips this step still works.
import { RESOURCE_GROUP } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import { normalizeLocation } from '../names.ts';
import type { ControlWriter } from '../plane.ts';
import type { ArmTarget } from './paths.ts';
import { readArmBody } from './http.ts';
import { objectAt, stringAt, tagsAt } from './fields.ts';
import { type ArmContext, authorize, can, reply } from './context.ts';
import { groupId, resourceGroupJson } from './shapes.ts';

const READ = 'Microsoft.Resources/subscriptions/resourceGroups/read';
const WRITE = 'Microsoft.Resources/subscriptions/resourceGroups/write';

type GroupTarget = Extract<ArmTarget, { kind: 'group' }>;

export function validGroupName(name: string): void {
  if (!RESOURCE_GROUP.test(name)) {
    throw new GatewayError(
      'invalid_resource_group_name',
      `Resource group name '${name.slice(0, 100)}' is invalid. It can include alphanumeric, underscore, parentheses, hyphen and period (except at end) characters, up to 90 of them.`,
    );
  }
}

/** 404 ResourceGroupNotFound unless the group exists. */
export function requireGroup(ctx: ArmContext, subscriptionId: string, name: string): void {
  if (!ctx.deps.plane.state.current.hasResourceGroup(subscriptionId, name)) {
    throw new GatewayError('resource_group_not_found', `Resource group '${name}' could not be found.`);
  }
}

/** Creates the group an account is put into when it does not exist yet, in the account's location. */
export async function ensureGroup(ctx: ArmContext, writer: ControlWriter, subscriptionId: string, name: string, location: string): Promise<void> {
  if (ctx.deps.plane.resourceGroup(subscriptionId, name)) return;
  await writer.putResourceGroup({ subscriptionId, name, location, tags: {}, createdAt: ctx.now });
}

export async function putResourceGroup(ctx: ArmContext, t: GroupTarget): Promise<void> {
  authorize(ctx, groupId(t.subscriptionId, t.group), WRITE);
  validGroupName(t.group);
  const body = await readArmBody(ctx.req);
  const location = stringAt(body['location'], 'location', 64);
  if (!location) throw new GatewayError('location_required');
  objectAt(body['properties'], 'properties');
  const tags = tagsAt(body['tags'], 'tags') ?? {};
  const { status, record } = await ctx.deps.plane.change(async (writer) => {
    const existing = ctx.deps.plane.resourceGroup(t.subscriptionId, t.group);
    if (existing && existing.location !== normalizeLocation(location)) {
      throw new GatewayError('invalid_resource_group_location', `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`);
    }
    const record = { subscriptionId: t.subscriptionId, name: existing?.name ?? t.group, location: normalizeLocation(location), tags, createdAt: existing?.createdAt ?? ctx.now };
    const created = await writer.putResourceGroup(record);
    return { status: created ? 201 : 200, record };
  });
  reply(ctx, status, resourceGroupJson(record));
}

export function getResourceGroup(ctx: ArmContext, t: GroupTarget): void {
  authorize(ctx, groupId(t.subscriptionId, t.group), READ);
  const group = ctx.deps.plane.resourceGroup(t.subscriptionId, t.group);
  if (!group) throw new GatewayError('resource_group_not_found', `Resource group '${t.group}' could not be found.`);
  reply(ctx, 200, resourceGroupJson(group));
}

export function listResourceGroups(ctx: ArmContext, t: Extract<ArmTarget, { kind: 'groups' }>): void {
  const value = ctx.deps.plane.records.groups
    .filter((g) => g.subscriptionId === t.subscriptionId && can(ctx, groupId(g.subscriptionId, g.name), READ))
    .map(resourceGroupJson);
  if (value.length === 0) authorize(ctx, `/subscriptions/${t.subscriptionId}`, READ);
  reply(ctx, 200, { value });
}
