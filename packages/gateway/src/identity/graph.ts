// Service principals of the development tenant, managed through a small Graph-like endpoint (Azure manages them
// through Microsoft Graph): `/v1.0/servicePrincipals[/{id}]`, `…(appId='{appId}')`, `…/{id}/addPassword`.
// Callers need Owner or Contributor (to change) or Reader (to read) at a subscription the gateway serves.
import type { IncomingMessage } from 'node:http';
import { authenticateCaller, type Caller } from '../auth/caller.ts';
import { GUID } from '../auth/scopes.ts';
import type { ControlState } from '../control/snapshot.ts';
import { readArmBody, sendArm } from '../control/arm/http.ts';
import { GatewayError } from '../errors/index.ts';
import type { RouteHandler } from '../http/server.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import type { Directory } from './directory.ts';
import type { TokenValidator } from './validate.ts';

export const ADMIN_TAG = 'claude-foundry:admin';
const ROUTE = /^\/v1\.0\/servicePrincipals(?:\/([^/()]+)|\(appId='([^']+)'\))?(\/addPassword)?\/?$/i;
const READ = 'Microsoft.Directory/servicePrincipals/standard/read';
const CREATE = 'Microsoft.Directory/servicePrincipals/create';
const DELETE = 'Microsoft.Directory/servicePrincipals/delete';
const CREDENTIALS = 'Microsoft.Directory/servicePrincipals/credentials/update';

export interface DirectoryApiDeps {
  directory: Directory;
  control: ControlState;
  validator: TokenValidator;
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

function passwordCredential(secret: string): Record<string, unknown> {
  return { displayName: 'claude-foundry', hint: secret.slice(0, 3), secretText: secret, startDateTime: new Date().toISOString(), endDateTime: null };
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new GatewayError('directory_bad_request', `'${field}' must be an array of strings.`);
  return value as string[];
}

export function createDirectoryApi(deps: DirectoryApiDeps): RouteHandler {
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

  function find(id: string | undefined, appId: string | undefined): DirectoryPrincipal {
    const snapshot = deps.directory.current;
    const found = appId ? snapshot.principalByAppId(appId) : id ? snapshot.principalByObjectId(id) : undefined;
    if (!found) {
      throw new GatewayError('directory_not_found', `Resource '${(appId ?? id ?? '').slice(0, 60)}' does not exist or one of its queried reference-property objects are not present.`);
    }
    return found;
  }

  async function create(req: IncomingMessage): Promise<unknown> {
    const body = await readArmBody(req);
    const displayName = body['displayName'];
    if (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 256) {
      throw new GatewayError('directory_bad_request', "'displayName' is required: a name of 1 to 256 characters.");
    }
    const groups = stringList(body['groups'], 'groups');
    const bad = groups.find((g) => !GUID.test(g));
    if (bad !== undefined) throw new GatewayError('directory_bad_request', `'groups' must hold group object IDs (GUIDs); '${bad.slice(0, 60)}' is not one.`);
    const { principal, clientSecret } = await deps.directory.createServicePrincipal({ displayName: displayName.trim(), groups, appRoles: stringList(body['appRoles'], 'appRoles') });
    return { ...servicePrincipalJson(principal), passwordCredentials: [passwordCredential(clientSecret)] };
  }

  return (req, res, pathname, ids) => {
    const match = ROUTE.exec(pathname.replaceAll('%27', "'"));
    if (!match) return undefined;
    return (async () => {
      const [, id, appId, addPassword] = match;
      const method = req.method ?? 'GET';
      const caller = await authenticateCaller(req, deps.validator, ids);
      const one = id !== undefined || appId !== undefined;
      if (!one && method === 'GET') {
        authorize(caller, READ);
        const value = deps.directory.current.principals().map(servicePrincipalJson);
        sendArm(res, 200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals', value }, ids);
      } else if (!one && method === 'POST') {
        authorize(caller, CREATE);
        sendArm(res, 201, await create(req), ids);
      } else if (one && addPassword && method === 'POST') {
        authorize(caller, CREDENTIALS);
        const principal = find(id, appId);
        if (principal.source === 'config') throw new GatewayError('directory_bad_request', `The service principal '${principal.displayName}' is defined in the config file; change its secret there.`);
        sendArm(res, 200, passwordCredential(await deps.directory.resetClientSecret(principal.objectId)), ids);
      } else if (one && !addPassword && method === 'GET') {
        authorize(caller, READ);
        sendArm(res, 200, servicePrincipalJson(find(id, appId)), ids);
      } else if (one && !addPassword && method === 'DELETE') {
        authorize(caller, DELETE);
        const principal = find(id, appId);
        if (principal.source === 'config') throw new GatewayError('directory_bad_request', `The service principal '${principal.displayName}' is defined in the config file; remove it there and restart.`);
        if (principal.tags.includes(ADMIN_TAG)) throw new GatewayError('directory_bad_request', "The gateway's admin principal cannot be deleted: the CLI signs in with it.");
        await deps.directory.deleteServicePrincipal(principal.objectId);
        sendArm(res, 204, undefined, ids);
      } else {
        throw new GatewayError('method_not_allowed', `${method} is not allowed on ${pathname.slice(0, 120)}.`);
      }
    })();
  };
}
