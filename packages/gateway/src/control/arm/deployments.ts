// `…/accounts/{a}/deployments[/{d}]`: create or update (PUT, PATCH), read, list and delete deployments. A deployment
// is callable on the data plane as soon as its PUT has answered, and answers 404 as soon as its DELETE has.
import { accountScope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { AccountRecord, DeploymentRecord } from '../../store/types.ts';
import { ConfigError } from '../../config/index.ts';
import { backendSettings, subscriptionTypeOf } from '../build.ts';
import { DEPLOYMENT_NAME } from '../names.ts';
import { findAccount } from './accounts.ts';
import { type ArmContext, authorize, reply } from './context.ts';
import { parseDeploymentBody } from './deployment-body.ts';
import { readArmBody } from './http.ts';
import { capacityWithinQuota, checkQuota } from './quotas.ts';
import type { ArmTarget } from './paths.ts';
import { deploymentId, deploymentJson } from './shapes.ts';

const ACTIONS = {
  read: 'Microsoft.CognitiveServices/accounts/deployments/read',
  write: 'Microsoft.CognitiveServices/accounts/deployments/write',
  delete: 'Microsoft.CognitiveServices/accounts/deployments/delete',
} as const;

type DeploymentTarget = Extract<ArmTarget, { kind: 'deployment' }>;

const scopeOf = (t: DeploymentTarget) => `${accountScope(t.subscriptionId, t.group, t.account)}/deployments/${t.deployment}`;

function json(ctx: ArmContext, account: AccountRecord, d: DeploymentRecord): Record<string, unknown> {
  return deploymentJson(account, d, ctx.deps.plane.state.current.resource(account.name)?.deployments.get(d.name));
}

function notFound(account: AccountRecord, name: string): GatewayError {
  return new GatewayError('arm_not_found', `Specified resource '${deploymentId(account, name)}' cannot be found.`);
}

export async function putDeployment(ctx: ArmContext, t: DeploymentTarget, patch: boolean): Promise<void> {
  authorize(ctx, scopeOf(t), ACTIONS.write);
  if (!DEPLOYMENT_NAME.test(t.deployment)) {
    throw new GatewayError(
      'invalid_resource_name',
      'The resource name is invalid. Resource name can only include alphanumeric characters, periods, underscores and hyphens, and must start and end with an alphanumeric character; Resource name only allows 2 to 64 characters.',
    );
  }
  const body = await readArmBody(ctx.req);
  const { status, account, record } = await ctx.deps.plane.change(async (writer) => {
    const account = findAccount(ctx, t);
    const existing = ctx.deps.plane.deployment(account.name, t.deployment);
    if (patch && !existing) throw notFound(account, t.deployment);
    const { config } = ctx.deps.plane;
    const subscriptionType = subscriptionTypeOf(config, account.name);
    const spec = parseDeploymentBody(body, existing, patch, {
      now: Date.parse(ctx.now),
      declared: config.models,
      defaultCapacity: (model) => capacityWithinQuota(ctx, account, t.deployment, model, subscriptionType),
      upstreamPolicy: config.upstreamPolicy,
    });
    checkQuota(ctx, account, { ...spec, name: existing?.name ?? t.deployment }, subscriptionType);
    try {
      // A pool is its own backend: the config's defaults for new deployments do not apply.
      if (!spec.pool) backendSettings(ctx.deps.plane.config, { ...spec, account: account.name, name: t.deployment });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new GatewayError(
        'deployment_model_not_supported',
        `The model '${spec.model.name}' cannot be deployed on the backend this gateway's config gives new deployments: ${err.message} ` +
          "To simulate it instead, set properties.claudeFoundry.backend to 'simulator'.",
      );
    }
    const record: DeploymentRecord = {
      ...spec,
      account: account.name,
      name: existing?.name ?? t.deployment,
      createdAt: existing?.createdAt ?? ctx.now,
      createdBy: existing ? existing.createdBy : ctx.caller.objectId,
      modifiedAt: ctx.now,
      modifiedBy: ctx.caller.objectId,
    };
    await writer.putDeployment(record);
    return { status: existing ? 200 : 201, account, record };
  });
  reply(ctx, status, json(ctx, account, record));
}

export function getDeployment(ctx: ArmContext, t: DeploymentTarget): void {
  authorize(ctx, scopeOf(t), ACTIONS.read);
  const account = findAccount(ctx, t);
  const found = ctx.deps.plane.deployment(account.name, t.deployment);
  if (!found) throw notFound(account, t.deployment);
  reply(ctx, 200, json(ctx, account, found));
}

/** 200 when deleted, 204 when there was none. */
export async function deleteDeployment(ctx: ArmContext, t: DeploymentTarget): Promise<void> {
  authorize(ctx, scopeOf(t), ACTIONS.delete);
  const deleted = await ctx.deps.plane.change(async (writer) => {
    const account = findAccount(ctx, t);
    const existing = ctx.deps.plane.deployment(account.name, t.deployment);
    return existing ? writer.deleteDeployment(account.name, existing.name) : false;
  });
  reply(ctx, deleted ? 200 : 204);
}

export function listDeployments(ctx: ArmContext, t: Extract<ArmTarget, { kind: 'deployments' }>): void {
  authorize(ctx, accountScope(t.subscriptionId, t.group, t.account), ACTIONS.read);
  const account = findAccount(ctx, t);
  const value = ctx.deps.plane.deployments(account.name).map((d) => json(ctx, account, d));
  reply(ctx, 200, { value });
}
