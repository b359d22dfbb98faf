// The management API's resource routes: resource groups, Microsoft.CognitiveServices accounts, their keys and their
// deployments, as ARM serves them (docs/control-plane.md). Each request: a supported api-version, an ARM bearer token,
// a known subscription, the caller's role for the action at the target's scope, then the change or the read.
import type { IncomingMessage } from 'node:http';
import { authenticateCaller } from '../../auth/caller.ts';
import { GUID } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { RouteHandler } from '../../http/server.ts';
import { requestOrigin } from '../../identity/origin.ts';
import { accountKeys, deleteAccount, getAccount, listAccounts, putAccount } from './accounts.ts';
import { deleteDeployment, getDeployment, listDeployments, putDeployment } from './deployments.ts';
import type { ArmContext, ResourceManagerDeps } from './context.ts';
import { queryOf, requireApiVersion } from './http.ts';
import { type ArmTarget, parseArmPath } from './paths.ts';
import { listLocationModels, listUsages } from './quotas.ts';
import { getResourceGroup, listResourceGroups, putResourceGroup } from './resource-groups.ts';
import type { PublicUrls } from './shapes.ts';

/** What `@azure/arm-cognitiveservices` 8.x sends (2025-09-01), the stable versions around it, and the previews Claude scripts use. */
export const COGNITIVE_SERVICES_API_VERSIONS = [
  '2023-05-01',
  '2024-10-01',
  '2025-06-01',
  '2025-09-01',
  '2025-10-01-preview',
  '2026-01-15-preview',
  '2026-05-15-preview',
  '2026-07-15-preview',
  '2026-09-01',
  '2026-09-15-preview',
];
/** Microsoft.Resources (resource groups). */
export const RESOURCES_API_VERSIONS = ['2019-10-01', '2020-06-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01'];

function publicUrls(req: IncomingMessage, ports: ResourceManagerDeps['ports']): PublicUrls {
  const host = new URL(requestOrigin(req)).hostname;
  return { http: `http://${host}:${ports.http}`, https: `https://${host}:${ports.https}` };
}

function methods(allowed: string): GatewayError {
  return new GatewayError('method_not_allowed', `The method is not allowed on this path; use ${allowed.replace(/, (\w+)$/, ' or $1')}.`, { allow: allowed });
}

async function dispatch(ctx: ArmContext, target: ArmTarget): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  switch (target.kind) {
    case 'groups':
      if (method !== 'GET') throw methods('GET');
      return listResourceGroups(ctx, target);
    case 'group':
      if (method === 'GET') return getResourceGroup(ctx, target);
      if (method === 'PUT') return putResourceGroup(ctx, target);
      throw methods('GET, PUT');
    case 'accounts':
      if (method !== 'GET') throw methods('GET');
      return listAccounts(ctx, target);
    case 'account':
      if (method === 'GET') return getAccount(ctx, target);
      if (method === 'PUT' || method === 'PATCH') return putAccount(ctx, target, method === 'PATCH');
      if (method === 'DELETE') return deleteAccount(ctx, target);
      throw methods('GET, PUT, PATCH, DELETE');
    case 'keys':
      if (method !== 'POST') throw methods('POST');
      return accountKeys(ctx, target);
    case 'deployments':
      if (method !== 'GET') throw methods('GET');
      return listDeployments(ctx, target);
    case 'deployment':
      if (method === 'GET') return getDeployment(ctx, target);
      if (method === 'PUT' || method === 'PATCH') return putDeployment(ctx, target, method === 'PATCH');
      if (method === 'DELETE') return deleteDeployment(ctx, target);
      throw methods('GET, PUT, PATCH, DELETE');
    case 'usages':
    case 'models':
      if (method !== 'GET') throw methods('GET');
      return target.kind === 'usages' ? listUsages(ctx, target) : listLocationModels(ctx, target);
  }
}

export function createResourceManagerApi(deps: ResourceManagerDeps): RouteHandler {
  return (req, res, pathname, ids) => {
    const target = parseArmPath(pathname);
    if (!target) return undefined;
    return (async () => {
      const groupsOnly = target.kind === 'groups' || target.kind === 'group';
      requireApiVersion(queryOf(req), groupsOnly ? RESOURCES_API_VERSIONS : COGNITIVE_SERVICES_API_VERSIONS);
      const caller = await authenticateCaller(req, deps.validator);
      if (!GUID.test(target.subscriptionId)) {
        throw new GatewayError('invalid_subscription_id', `The provided subscription identifier '${target.subscriptionId.slice(0, 64)}' is malformed or invalid.`);
      }
      if (!deps.plane.state.current.subscriptions().includes(target.subscriptionId.toLowerCase())) {
        throw new GatewayError('subscription_not_found', `The subscription '${target.subscriptionId}' could not be found.`);
      }
      const normalized = { ...target, subscriptionId: target.subscriptionId.toLowerCase() };
      await dispatch({ req, res, ids, caller, deps, urls: publicUrls(req, deps.ports), now: new Date(deps.now()).toISOString() }, normalized);
    })();
  };
}
