// `{scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`: the built-in roles, in ARM's shape.
import type { Permission, RoleDefinition } from '../../auth/roles.ts';
import { BUILT_IN_ROLES, findRole } from '../../auth/roles.ts';
import type { Scope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';

export const ROLE_DEFINITION_API_VERSIONS = ['2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview'];

/** ARM names role definitions under the subscription of the scope they are read at (or the root). */
export function roleDefinitionId(scope: Scope, guid: string): string {
  const prefix = scope.level === 'root' ? '' : `/subscriptions/${scope.subscriptionId}`;
  return `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

function permissionJson(p: Permission): Record<string, unknown> {
  const json: Record<string, unknown> = { actions: p.actions, notActions: p.notActions, dataActions: p.dataActions, notDataActions: p.notDataActions };
  if (p.condition) Object.assign(json, { condition: p.condition.text, conditionVersion: '2.0' });
  return json;
}

export function roleDefinitionJson(scope: Scope, role: RoleDefinition): Record<string, unknown> {
  return {
    properties: {
      roleName: role.roleName,
      type: 'BuiltInRole',
      description: role.description,
      assignableScopes: ['/'],
      permissions: role.permissions.map(permissionJson),
      createdOn: null,
      updatedOn: null,
      createdBy: null,
      updatedBy: null,
    },
    id: roleDefinitionId(scope, role.id),
    type: 'Microsoft.Authorization/roleDefinitions',
    name: role.id,
  };
}

/** `$filter=roleName eq '…'` or `type eq 'BuiltInRole'|'CustomRole'`; anything else is refused. */
export function listRoleDefinitions(scope: Scope, filter: string | null): { value: unknown[] } {
  let roles = BUILT_IN_ROLES;
  if (filter) {
    const byName = /^roleName\s+eq\s+'([^']*)'$/i.exec(filter.trim());
    const byType = /^type\s+eq\s+'(BuiltInRole|CustomRole)'$/i.exec(filter.trim());
    if (byName) roles = roles.filter((r) => r.roleName.toLowerCase() === byName[1]!.toLowerCase());
    else if (byType) roles = byType[1]!.toLowerCase() === 'builtinrole' ? roles : [];
    else throw new GatewayError('invalid_request_content', `The $filter '${filter.slice(0, 100)}' is not supported; use roleName eq '{name}' or type eq 'BuiltInRole'.`);
  }
  return { value: roles.map((r) => roleDefinitionJson(scope, r)) };
}

export function getRoleDefinition(scope: Scope, id: string): Record<string, unknown> {
  const role = /^[0-9a-f-]{36}$/i.test(id) ? findRole(id) : undefined;
  if (!role) throw new GatewayError('role_definition_missing', `The specified role definition with ID '${id.slice(0, 60)}' does not exist.`);
  return roleDefinitionJson(scope, role);
}
