// The management API's Microsoft.Authorization routes: role assignments and role definitions at any scope this
// gateway knows, `{scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]`, and the
// caller's own `permissions` there.
import { parseScope, type Scope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import type { CallerContext, Route } from '../../http/routes.ts';
import { requireApiVersion, sendArm } from './http.ts';
import { listPermissions, PERMISSIONS_API_VERSIONS } from './permissions.ts';
import {
  deleteRoleAssignment,
  getRoleAssignment,
  listRoleAssignments,
  putRoleAssignment,
  ROLE_ASSIGNMENT_API_VERSIONS,
  type RoleAssignmentDeps,
} from './role-assignments.ts';
import { getRoleDefinition, listRoleDefinitions, ROLE_DEFINITION_API_VERSIONS } from './role-definitions.ts';

const PROVIDER = '/{scope*}/providers/Microsoft.Authorization';

/** The route's scope (`''` for the root) and a supported api-version, or ARM's 400. */
function scopeOf(ctx: CallerContext, versions: readonly string[]): Scope {
  requireApiVersion(ctx.query, versions);
  const text = ctx.params['scope']!;
  const scope = parseScope(text);
  if (!scope) {
    throw new GatewayError('invalid_scope', `The scope '${text.slice(0, 200)}' is not valid: use /subscriptions/{id}, a resource group under it, or a Microsoft.CognitiveServices account ID.`);
  }
  return scope;
}

export function managementRoutes(deps: RoleAssignmentDeps): Route[] {
  const assignments = (ctx: CallerContext) => scopeOf(ctx, ROLE_ASSIGNMENT_API_VERSIONS);
  const definitions = (ctx: CallerContext) => scopeOf(ctx, ROLE_DEFINITION_API_VERSIONS);
  return [
    {
      path: `${PROVIDER}/roleAssignments`,
      auth: 'entra',
      methods: { GET: (ctx) => sendArm(ctx.res, 200, listRoleAssignments(deps, assignments(ctx), ctx.query.get('$filter'), ctx.caller), ctx.ids) },
    },
    {
      path: `${PROVIDER}/roleAssignments/{name}`,
      auth: 'entra',
      methods: {
        GET: (ctx) => sendArm(ctx.res, 200, getRoleAssignment(deps, assignments(ctx), ctx.params['name']!, ctx.caller), ctx.ids),
        PUT: async (ctx) => {
          const { status, body } = await putRoleAssignment(deps, assignments(ctx), ctx.params['name']!, ctx.req, ctx.caller);
          sendArm(ctx.res, status, body, ctx.ids);
        },
        DELETE: async (ctx) => {
          const { status, body } = await deleteRoleAssignment(deps, assignments(ctx), ctx.params['name']!, ctx.caller);
          sendArm(ctx.res, status, body, ctx.ids);
        },
      },
    },
    {
      path: `${PROVIDER}/permissions`,
      auth: 'entra',
      methods: { GET: (ctx) => sendArm(ctx.res, 200, listPermissions(deps, scopeOf(ctx, PERMISSIONS_API_VERSIONS), ctx.caller), ctx.ids) },
    },
    {
      path: `${PROVIDER}/roleDefinitions`,
      auth: 'entra',
      methods: { GET: (ctx) => sendArm(ctx.res, 200, listRoleDefinitions(definitions(ctx), ctx.query.get('$filter')), ctx.ids) },
    },
    {
      path: `${PROVIDER}/roleDefinitions/{name}`,
      auth: 'entra',
      methods: { GET: (ctx) => sendArm(ctx.res, 200, getRoleDefinition(definitions(ctx), ctx.params['name']!), ctx.ids) },
    },
  ];
}
