// The management API's resource routes: resource groups, Microsoft.CognitiveServices accounts, their keys and their
// deployments, as ARM serves them (docs/control-plane.md). Each request: an ARM bearer token (the route table), a
// supported api-version, a known subscription, the caller's role for the action at the target's scope, then the change or the read.
import type { IncomingMessage } from 'node:http';
import { GUID } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { CallerContext, Route } from '../../http/routes.ts';
import { requestOrigin } from '../../identity/origin.ts';
import { accountKeys, deleteAccount, getAccount, listAccounts, putAccount } from './accounts.ts';
import { deleteDeployment, getDeployment, listDeployments, putDeployment } from './deployments.ts';
import type { ArmContext, ResourceManagerDeps } from './context.ts';
import { requireApiVersion } from './http.ts';
import type { ArmTarget } from './paths.ts';
import { listLocationModels, listUsages } from './quotas.ts';
import { getResourceGroup, listResourceGroups, putResourceGroup } from './resource-groups.ts';
import type { PublicUrls } from './shapes.ts';
import { getSubscription, listSubscriptions } from './subscriptions.ts';

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

type Kind = ArmTarget['kind'];
type Handler<K extends Kind> = (ctx: ArmContext, target: Extract<ArmTarget, { kind: K }>) => Promise<void> | void;

export function resourceManagerRoutes(deps: ResourceManagerDeps): Route[] {
  /** ARM's checks before any handler: a supported api-version, a well-formed subscription this gateway serves. */
  function arm<K extends Kind>(kind: K, handler: Handler<K>) {
    return async ({ req, res, ids, params, query, caller }: CallerContext): Promise<void> => {
      const groupsOnly = kind === 'groups' || kind === 'group';
      requireApiVersion(query, groupsOnly ? RESOURCES_API_VERSIONS : COGNITIVE_SERVICES_API_VERSIONS);
      const subscriptionId = params['subscriptionId']!;
      if (!GUID.test(subscriptionId)) {
        throw new GatewayError('invalid_subscription_id', `The provided subscription identifier '${subscriptionId.slice(0, 64)}' is malformed or invalid.`);
      }
      if (!deps.plane.state.current.subscriptions().includes(subscriptionId.toLowerCase())) {
        throw new GatewayError('subscription_not_found', `The subscription '${subscriptionId}' could not be found.`);
      }
      const target = { ...params, kind, subscriptionId: subscriptionId.toLowerCase() } as unknown as Extract<ArmTarget, { kind: K }>;
      await handler({ req, res, ids, caller, deps, urls: publicUrls(req, deps.ports), now: new Date(deps.now()).toISOString() }, target);
    };
  }
  const sub = '/subscriptions/{subscriptionId}';
  const group = `${sub}/resourceGroups/{group}`;
  const account = `${group}/providers/Microsoft.CognitiveServices/accounts/{account}`;
  const keys = (action: 'listKeys' | 'regenerateKey') => arm('keys', (ctx, t) => accountKeys(ctx, { ...t, action }));
  return [
    { path: '/subscriptions', auth: 'entra', methods: { GET: (ctx) => listSubscriptions(deps, ctx) } },
    { path: sub, auth: 'entra', methods: { GET: (ctx) => getSubscription(deps, ctx) } },
    { path: `${sub}/resourceGroups`, auth: 'entra', methods: { GET: arm('groups', listResourceGroups) } },
    { path: group, auth: 'entra', methods: { GET: arm('group', getResourceGroup), PUT: arm('group', putResourceGroup) } },
    { path: `${sub}/providers/Microsoft.CognitiveServices/accounts`, auth: 'entra', methods: { GET: arm('accounts', (ctx, t) => listAccounts(ctx, { ...t, group: undefined })) } },
    { path: `${group}/providers/Microsoft.CognitiveServices/accounts`, auth: 'entra', methods: { GET: arm('accounts', listAccounts) } },
    {
      path: account,
      auth: 'entra',
      methods: {
        GET: arm('account', getAccount),
        PUT: arm('account', (ctx, t) => putAccount(ctx, t, false)),
        PATCH: arm('account', (ctx, t) => putAccount(ctx, t, true)),
        DELETE: arm('account', deleteAccount),
      },
    },
    // The subscription's Claude quotas: its pools and what its deployments hold, and each model's SKUs.
    { path: `${sub}/providers/Microsoft.CognitiveServices/locations/{location}/usages`, auth: 'entra', methods: { GET: arm('usages', listUsages) } },
    { path: `${sub}/providers/Microsoft.CognitiveServices/locations/{location}/models`, auth: 'entra', methods: { GET: arm('models', listLocationModels) } },
    { path: `${account}/listKeys`, auth: 'entra', methods: { POST: keys('listKeys') } },
    { path: `${account}/regenerateKey`, auth: 'entra', methods: { POST: keys('regenerateKey') } },
    { path: `${account}/deployments`, auth: 'entra', methods: { GET: arm('deployments', listDeployments) } },
    {
      path: `${account}/deployments/{deployment}`,
      auth: 'entra',
      methods: {
        GET: arm('deployment', getDeployment),
        PUT: arm('deployment', (ctx, t) => putDeployment(ctx, t, false)),
        PATCH: arm('deployment', (ctx, t) => putDeployment(ctx, t, true)),
        DELETE: arm('deployment', deleteDeployment),
      },
    },
  ];
}
