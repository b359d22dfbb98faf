// The management API's Microsoft.Authorization routes: role assignments and role definitions at any scope this
// gateway knows, `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`.
import { authenticateCaller } from '../../auth/caller.ts';
import { parseScope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { RouteHandler } from '../../http/server.ts';
import type { TokenValidator } from '../../identity/validate.ts';
import { queryOf, requireApiVersion, sendArm } from './http.ts';
import {
  deleteRoleAssignment,
  getRoleAssignment,
  listRoleAssignments,
  putRoleAssignment,
  ROLE_ASSIGNMENT_API_VERSIONS,
  type RoleAssignmentDeps,
} from './role-assignments.ts';
import { getRoleDefinition, listRoleDefinitions, ROLE_DEFINITION_API_VERSIONS } from './role-definitions.ts';

const AUTHORIZATION = /^(.*)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions)(?:\/([^/]+))?\/?$/i;

export interface ManagementDeps extends RoleAssignmentDeps {
  validator: TokenValidator;
}

export function createManagementApi(deps: ManagementDeps): RouteHandler {
  return (req, res, pathname, ids) => {
    const match = AUTHORIZATION.exec(pathname);
    if (!match) return undefined;
    return (async () => {
      const [, scopeText = '', collection = '', name] = match;
      const assignments = collection.toLowerCase() === 'roleassignments';
      const query = queryOf(req);
      requireApiVersion(query, assignments ? ROLE_ASSIGNMENT_API_VERSIONS : ROLE_DEFINITION_API_VERSIONS);
      const caller = await authenticateCaller(req, deps.validator, ids);
      const scope = parseScope(safeDecode(scopeText));
      if (!scope) {
        throw new GatewayError('invalid_scope', `The scope '${scopeText.slice(0, 200)}' is not valid: use /subscriptions/{id}, a resource group under it, or a Microsoft.CognitiveServices account ID.`);
      }
      const method = req.method ?? 'GET';
      if (!assignments) {
        if (method !== 'GET') throw new GatewayError('method_not_allowed', `Role definitions are read-only here; ${method} is not allowed.`, { allow: 'GET' });
        sendArm(res, 200, name ? getRoleDefinition(scope, name) : listRoleDefinitions(scope, query.get('$filter')), ids);
        return;
      }
      if (!name) {
        if (method !== 'GET') throw new GatewayError('method_not_allowed', `${method} is not allowed on a list of role assignments; use GET.`, { allow: 'GET' });
        sendArm(res, 200, listRoleAssignments(deps, scope, query.get('$filter'), caller), ids);
        return;
      }
      if (method === 'GET') sendArm(res, 200, getRoleAssignment(deps, scope, name, caller), ids);
      else if (method === 'PUT') {
        const { status, body } = await putRoleAssignment(deps, scope, name, req, caller);
        sendArm(res, status, body, ids);
      } else if (method === 'DELETE') {
        const { status, body } = await deleteRoleAssignment(deps, scope, name, caller);
        sendArm(res, status, body, ids);
      } else throw new GatewayError('method_not_allowed', `${method} is not allowed on a role assignment; use GET, PUT or DELETE.`, { allow: 'GET, PUT, DELETE' });
    })();
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // left as is, it fails the scope check with a clear message
  }
}
