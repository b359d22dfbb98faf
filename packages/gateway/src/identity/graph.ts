// Service principals of the development tenant, managed through a small Graph-like endpoint (Azure manages them
// through Microsoft Graph): `/v1.0/servicePrincipals[/{id}]`, `…(appId='{appId}')`, `…/{id}/addPassword`; and its
// users, listed by `/v1.0/users` (the portal's access control names them when it assigns roles).
// Callers need Owner or Contributor (to change) or Reader (to read) at a subscription the gateway serves, and, to
// change a principal's credentials or claim a group's membership, the right to grant its roles (auth/escalation.ts).
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../auth/caller.ts';
import { describeAssignment, isRootOwner, ungrantable } from '../auth/escalation.ts';
import { GUID } from '../auth/scopes.ts';
import type { ControlState } from '../control/snapshot.ts';
import { readArmBody, sendArm } from '../control/arm/http.ts';
import { GatewayError } from '../errors/index.ts';
import type { CallerContext, Route } from '../http/routes.ts';
import { isUser } from './users.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import type { Directory } from './directory.ts';

export const ADMIN_TAG = 'claude-foundry:admin';
const READ = 'Microsoft.Directory/servicePrincipals/standard/read';
const READ_USERS = 'Microsoft.Directory/users/standard/read';
const CREATE = 'Microsoft.Directory/servicePrincipals/create';
const DELETE = 'Microsoft.Directory/servicePrincipals/delete';
const CREDENTIALS = 'Microsoft.Directory/servicePrincipals/credentials/update';

export interface DirectoryApiDeps {
  directory: Directory;
  control: ControlState;
}

export function servicePrincipalJson(p: DirectoryPrincipal): Record<string, unknown> {
  return {
    id: p.objectId,
    appId: p.appId,
    displayName: p.displayName,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: p.tenantId,
    accountEnabled: true,
    createdDateTime: p.createdAt,
    servicePrincipalNames: [p.appId],
    tags: p.tags,
    groups: p.groups,
    appRoles: p.appRoles,
  };
}

/** Graph's user shape, the fields a directory user of this gateway has (its name doubles as its sign-in name). */
function userJson(p: DirectoryPrincipal): Record<string, unknown> {
  return { id: p.objectId, displayName: p.displayName, userPrincipalName: p.displayName, accountEnabled: true, createdDateTime: p.createdAt };
}

function passwordCredential(secret: string): Record<string, unknown> {
  return { displayName: 'claude-foundry', hint: secret.slice(0, 3), secretText: secret, startDateTime: new Date().toISOString(), endDateTime: null };
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new GatewayError('directory_bad_request', `'${field}' must be an array of strings.`);
  return value as string[];
}

export function directoryRoutes(deps: DirectoryApiDeps): Route[] {
  /** Directory rights come from roles at any subscription the gateway serves (documented in docs/identity.md). */
  function authorize(caller: Caller, action: string): void {
    if (caller.tenantId !== deps.directory.tenantId) {
      throw new GatewayError('directory_denied', `Only principals of the development tenant '${deps.directory.tenantId}' can manage its service principals.`);
    }
    const allowed = deps.control.current.subscriptions().some((sub) => deps.directory.current.allows(caller.principalIds, `/subscriptions/${sub}`, 'action', action));
    if (!allowed) {
      throw new GatewayError('directory_denied', `Insufficient privileges to complete the operation: '${action}' needs Owner or Contributor (Reader to read) at a subscription.`);
    }
  }

  /** Refuses, unchanged, a change that would let the caller act with roles it could not grant (auth/escalation.ts). */
  function requireNoEscalation(caller: Caller, holders: readonly string[], what: string): void {
    const snapshot = deps.directory.current;
    const blocked = ungrantable(snapshot, caller.principalIds, holders);
    if (blocked) {
      throw new GatewayError(
        'directory_denied',
        `Insufficient privileges to complete the operation: ${what} would let the caller act as ${describeAssignment(blocked)}, a role it cannot grant. It needs 'Microsoft.Authorization/roleAssignments/write' for that role at that scope (Owner or User Access Administrator there).`,
      );
    }
  }

  function find(id: string | undefined, appId: string | undefined): DirectoryPrincipal {
    const snapshot = deps.directory.current;
    const found = appId ? snapshot.principalByAppId(appId) : id ? snapshot.principalByObjectId(id) : undefined;
    // Users (identity/users.ts) share the directory's table but are no service principals.
    if (!found || isUser(found)) {
      throw new GatewayError('directory_not_found', `Resource '${(appId ?? id ?? '').slice(0, 60)}' does not exist or one of its queried reference-property objects are not present.`);
    }
    return found;
  }

  async function create(req: IncomingMessage, caller: Caller): Promise<unknown> {
    const body = await readArmBody(req);
    const displayName = body['displayName'];
    if (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 256) {
      throw new GatewayError('directory_bad_request', "'displayName' is required: a name of 1 to 256 characters.");
    }
    const groups = stringList(body['groups'], 'groups');
    const bad = groups.find((g) => !GUID.test(g));
    if (bad !== undefined) throw new GatewayError('directory_bad_request', `'groups' must hold group object IDs (GUIDs); '${bad.slice(0, 60)}' is not one.`);
    requireNoEscalation(caller, groups, 'membership of these groups');
    const { principal, clientSecret } = await deps.directory.createServicePrincipal({ displayName: displayName.trim(), groups, appRoles: stringList(body['appRoles'], 'appRoles') });
    return { ...servicePrincipalJson(principal), passwordCredentials: [passwordCredential(clientSecret)] };
  }

  const principalOf = (params: Readonly<Record<string, string>>) => find(params['id'], params['appId']);
  const one = {
    GET: ({ res, ids, caller, params }: CallerContext) => {
      authorize(caller, READ);
      sendArm(res, 200, servicePrincipalJson(principalOf(params)), ids);
    },
    DELETE: async ({ res, ids, caller, params }: CallerContext) => {
      authorize(caller, DELETE);
      const principal = principalOf(params);
      if (principal.source === 'config') throw new GatewayError('directory_bad_request', `The service principal '${principal.displayName}' is defined in the config file; remove it there and restart.`);
      if (principal.tags.includes(ADMIN_TAG)) throw new GatewayError('directory_bad_request', "The gateway's admin principal cannot be deleted: the CLI signs in with it.");
      await deps.directory.deleteServicePrincipal(principal.objectId);
      sendArm(res, 204, undefined, ids);
    },
  };
  const addPassword = {
    POST: async ({ res, ids, caller, params }: CallerContext) => {
      authorize(caller, CREDENTIALS);
      const principal = principalOf(params);
      if (principal.source === 'config') throw new GatewayError('directory_bad_request', `The service principal '${principal.displayName}' is defined in the config file; change its secret there.`);
      if (principal.tags.includes(ADMIN_TAG) && !isRootOwner(deps.directory.current, caller.principalIds)) {
        throw new GatewayError('directory_denied', "Insufficient privileges to complete the operation: the admin principal's credentials change only through an Owner at the root scope '/' or offline (delete admin-credentials.json and restart the gateway).");
      }
      requireNoEscalation(caller, [principal.objectId, ...principal.groups], 'a new secret for this principal');
      sendArm(res, 200, passwordCredential(await deps.directory.resetClientSecret(principal.objectId)), ids);
    },
  };
  return [
    {
      path: '/v1.0/servicePrincipals',
      auth: 'entra',
      methods: {
        GET: ({ res, ids, caller }) => {
          authorize(caller, READ);
          const value = deps.directory.current.principals().filter((p) => !isUser(p)).map(servicePrincipalJson);
          sendArm(res, 200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals', value }, ids);
        },
        POST: async ({ req, res, ids, caller }) => {
          authorize(caller, CREATE);
          sendArm(res, 201, await create(req, caller), ids);
        },
      },
    },
    {
      path: '/v1.0/users',
      auth: 'entra',
      methods: {
        GET: ({ res, ids, caller }) => {
          authorize(caller, READ_USERS);
          const value = deps.directory.current.principals().filter(isUser).map(userJson);
          sendArm(res, 200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users', value }, ids);
        },
      },
    },
    { path: '/v1.0/servicePrincipals/{id}', auth: 'entra', methods: one },
    { path: "/v1.0/servicePrincipals(appId='{appId}')", auth: 'entra', methods: one },
    { path: '/v1.0/servicePrincipals/{id}/addPassword', auth: 'entra', methods: addPassword },
    { path: "/v1.0/servicePrincipals(appId='{appId}')/addPassword", auth: 'entra', methods: addPassword },
  ];
}
