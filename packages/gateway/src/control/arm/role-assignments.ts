// `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]` (api-version 2022-04-01): create, read, list
// and delete role assignments in ARM's shapes, authorized by the caller's own roles, as Azure does.
import type { IncomingMessage } from 'node:http';
import { type Caller, authorizationFailed } from '../../auth/caller.ts';
import { scopeCovers } from '../../auth/permissions.ts';
import { findRole } from '../../auth/roles.ts';
import { formatScope, GUID, type Scope } from '../../auth/scopes.ts';
import { GatewayError } from '../../errors/index.ts';
import { PRINCIPAL_TYPES } from '../../identity/config.ts';
import type { Directory } from '../../identity/directory.ts';
import { ADMIN_TAG } from '../../identity/graph.ts';
import { isUser } from '../../identity/users.ts';
import type { RoleAssignment } from '../../identity/directory-snapshot.ts';
import { StoreConflict } from '../../store/types.ts';

const OWNER_ROLE = findRole('Owner')!.id;
import type { ControlState } from '../snapshot.ts';
import { readArmBody } from './http.ts';
import { roleDefinitionId } from './role-definitions.ts';

export const ROLE_ASSIGNMENT_API_VERSIONS = [
  '2015-07-01',
  '2018-01-01-preview',
  '2018-09-01-preview',
  '2020-03-01-preview',
  '2020-04-01-preview',
  '2020-08-01-preview',
  '2020-10-01-preview',
  '2022-01-01-preview',
  '2022-04-01',
];

const READ = 'Microsoft.Authorization/roleAssignments/read';
const WRITE = 'Microsoft.Authorization/roleAssignments/write';
const DELETE = 'Microsoft.Authorization/roleAssignments/delete';

export interface RoleAssignmentDeps {
  directory: Directory;
  control: ControlState;
}

const idOf = (scope: string, name: string) => `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;

export function roleAssignmentJson(a: RoleAssignment): Record<string, unknown> {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1];
  const definitionScope: Scope = subscription ? { level: 'subscription', subscriptionId: subscription } : { level: 'root' };
  return {
    properties: {
      roleDefinitionId: roleDefinitionId(definitionScope, a.roleDefinitionId),
      principalId: a.principalId,
      principalType: a.principalType,
      scope: a.scope,
      condition: null,
      conditionVersion: null,
      createdOn: a.createdOn,
      updatedOn: a.createdOn,
      createdBy: a.createdBy,
      updatedBy: a.createdBy,
      delegatedManagedIdentityResourceId: null,
      description: a.description,
    },
    id: idOf(a.scope, a.name),
    type: 'Microsoft.Authorization/roleAssignments',
    name: a.name,
  };
}

/** ARM answers 404 for a subscription, resource group or account it does not know. */
export function requireExisting(deps: RoleAssignmentDeps, scope: Scope): void {
  if (scope.level === 'root') return;
  const snapshot = deps.control.current;
  if (!snapshot.subscriptions().includes(scope.subscriptionId)) throw new GatewayError('subscription_not_found', `The subscription '${scope.subscriptionId}' could not be found.`);
  if (scope.level === 'subscription') return;
  if (!snapshot.hasResourceGroup(scope.subscriptionId, scope.resourceGroup)) throw new GatewayError('resource_group_not_found', `Resource group '${scope.resourceGroup}' could not be found.`);
  if (scope.level === 'resourceGroup') return;
  const account = snapshot.resource(scope.account);
  if (!account || account.name.toLowerCase() !== scope.account.toLowerCase() || account.subscriptionId !== scope.subscriptionId || account.resourceGroup.toLowerCase() !== scope.resourceGroup.toLowerCase()) {
    throw new GatewayError(
      'resource_not_found',
      `The Resource 'Microsoft.CognitiveServices/accounts/${scope.account}' under resource group '${scope.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
}

function sameScope(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

export async function putRoleAssignment(deps: RoleAssignmentDeps, scope: Scope, name: string, req: IncomingMessage, caller: Caller): Promise<{ status: number; body: unknown }> {
  if (scope.level === 'root') throw new GatewayError('invalid_scope', "Role assignments are made at a subscription, resource group or resource scope, not at '/'.");
  if (!GUID.test(name)) throw new GatewayError('invalid_role_assignment', `The role assignment ID '${name.slice(0, 60)}' is not valid. The role assignment ID must be a GUID.`);
  requireExisting(deps, scope);
  const text = formatScope(scope);
  const body = await readArmBody(req);
  const properties = body['properties'];
  if (typeof properties !== 'object' || properties === null) throw new GatewayError('invalid_request_content', "The request content must have 'properties' with 'roleDefinitionId' and 'principalId'.");
  const p = properties as Record<string, unknown>;
  const roleRef = typeof p['roleDefinitionId'] === 'string' ? p['roleDefinitionId'] : undefined;
  const principalId = typeof p['principalId'] === 'string' ? p['principalId'].toLowerCase() : undefined;
  if (!roleRef) throw new GatewayError('invalid_request_content', "The request content is missing the required property 'properties.roleDefinitionId'.");
  if (!principalId || !GUID.test(principalId)) throw new GatewayError('invalid_request_content', "The property 'properties.principalId' must be the object ID (a GUID) of a user, group or service principal.");
  const role = /\/roleDefinitions\/[0-9a-f-]{36}$/i.test(roleRef) || GUID.test(roleRef) ? findRole(roleRef) : undefined;
  if (!role) throw new GatewayError('role_definition_not_found', `The specified role definition with ID '${roleRef.split('/').pop()!.slice(0, 60)}' does not exist.`);

  const snapshot = deps.directory.current;
  const known = snapshot.principalByObjectId(principalId);
  const requestedType = p['principalType'];
  if (requestedType !== undefined && !PRINCIPAL_TYPES.some((t) => t === requestedType)) {
    throw new GatewayError('invalid_request_content', `The property 'properties.principalType' must be one of ${PRINCIPAL_TYPES.join(', ')}.`);
  }
  if (!known && requestedType === undefined) {
    throw new GatewayError(
      'principal_not_found',
      `Principal ${principalId} does not exist in the directory ${deps.directory.tenantId}. Check that you have the correct principal ID. For a principal of another tenant or a group, set properties.principalType (ServicePrincipal, User or Group).`,
    );
  }
  const principalType = known ? (isUser(known) ? 'User' : 'ServicePrincipal') : (requestedType as RoleAssignment['principalType']);

  if (!snapshot.allows(caller.principalIds, text, 'action', WRITE, role.id)) throw authorizationFailed(caller, WRITE, idOf(text, name));

  const existing = snapshot.assignments().find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    if (sameScope(existing.scope, text) && existing.roleDefinitionId === role.id && existing.principalId.toLowerCase() === principalId) {
      return { status: 200, body: roleAssignmentJson(existing) };
    }
    throw new GatewayError('role_assignment_update_not_permitted');
  }
  if (snapshot.assignments().some((a) => sameScope(a.scope, text) && a.roleDefinitionId === role.id && a.principalId.toLowerCase() === principalId)) {
    throw new GatewayError('role_assignment_exists');
  }
  const description = typeof p['description'] === 'string' ? p['description'].slice(0, 1024) : null;
  try {
    const created = await deps.directory.createRoleAssignment({
      name: name.toLowerCase(), scope: text, roleDefinitionId: role.id, principalId, principalType, description, createdBy: caller.objectId,
    });
    return { status: 201, body: roleAssignmentJson(created) };
  } catch (err) {
    if (err instanceof StoreConflict) throw new GatewayError('role_assignment_exists');
    throw err;
  }
}

function atScope(scope: Scope, name: string, deps: RoleAssignmentDeps): RoleAssignment | undefined {
  const text = formatScope(scope);
  return deps.directory.current.assignments().find((a) => a.name.toLowerCase() === name.toLowerCase() && sameScope(a.scope, text));
}

export function getRoleAssignment(deps: RoleAssignmentDeps, scope: Scope, name: string, caller: Caller): unknown {
  const text = formatScope(scope);
  if (!deps.directory.current.allows(caller.principalIds, text, 'action', READ)) throw authorizationFailed(caller, READ, idOf(text, name));
  const found = atScope(scope, name, deps);
  if (!found) throw new GatewayError('role_assignment_not_found', `The role assignment '${name.slice(0, 60)}' is not found.`);
  return roleAssignmentJson(found);
}

/** 200 with the deleted assignment, or 204 when there was none, as ARM answers. */
export async function deleteRoleAssignment(deps: RoleAssignmentDeps, scope: Scope, name: string, caller: Caller): Promise<{ status: number; body: unknown }> {
  const found = atScope(scope, name, deps);
  if (!found) {
    if (!deps.directory.current.allows(caller.principalIds, formatScope(scope), 'action', DELETE)) throw authorizationFailed(caller, DELETE, idOf(formatScope(scope), name));
    return { status: 204, body: undefined };
  }
  if (!deps.directory.current.allows(caller.principalIds, found.scope, 'action', DELETE, found.roleDefinitionId)) {
    throw authorizationFailed(caller, DELETE, idOf(found.scope, found.name));
  }
  if (found.source === 'config') {
    throw new GatewayError('invalid_role_assignment', `The role assignment '${found.name}' comes from the claude-foundry config file; remove it there and restart.`);
  }
  // Checked against the store inside the delete's transaction: another replica may be removing another Owner now.
  const deleted = await deps.directory.deleteRoleAssignment(found.name, (current, all) => refuseLastOwner(deps, current, all));
  // Removed meanwhile (through another replica): gone all the same, as a DELETE of nothing answers.
  return deleted ? { status: 200, body: roleAssignmentJson(found) } : { status: 204, body: undefined };
}

/**
 * Azure keeps at least one Owner on a subscription. The CLI's admin principal keeps its own Owner assignment
 * whoever else is Owner (the portal's admin user is one): removing it would lock the CLI out of the running gateway.
 */
function refuseLastOwner(deps: RoleAssignmentDeps, found: RoleAssignment, assignments: readonly RoleAssignment[]): void {
  const subscription = /^\/subscriptions\/[^/]+$/i.exec(found.scope)?.[0]?.toLowerCase();
  if (found.roleDefinitionId !== OWNER_ROLE || subscription === undefined) return;
  // A principal's tags never change once created, so the snapshot's word on the admin is current.
  const isAdmin = deps.directory.current.principalByObjectId(found.principalId)?.tags.includes(ADMIN_TAG) === true;
  const owners = assignments.filter((a) => a.roleDefinitionId === OWNER_ROLE && a.scope.toLowerCase() === subscription);
  if (owners.length > 1 && !isAdmin) return;
  throw new GatewayError(
    'last_owner',
    (owners.length > 1
      ? `The role assignment '${found.name}' is the CLI's admin Owner of subscription ${found.scope.split('/')[2]}: removing it would lock the CLI out of the gateway. `
      : `The role assignment '${found.name}' is the last Owner of subscription ${found.scope.split('/')[2]}: removing it would leave nobody able to manage the subscription (the CLI's admin among them). `) +
      "Assign Owner to another principal first; to restore the admin's access offline, run 'npx claude-foundry admin recover --data-dir <dir>'.",
  );
}

interface Filter {
  atScope: boolean;
  principalId?: string;
  assignedTo?: string;
}

function parseFilter(filter: string | null): Filter {
  const result: Filter = { atScope: false };
  if (!filter) return result;
  for (const term of filter.trim().split(/\s+and\s+/i)) {
    const principal = /^principalId\s+eq\s+'([0-9a-f-]{36})'$/i.exec(term);
    const assigned = /^assignedTo\('([0-9a-f-]{36})'\)$/i.exec(term);
    if (/^atScope\(\)$/i.test(term)) result.atScope = true;
    else if (principal) result.principalId = principal[1]!.toLowerCase();
    else if (assigned) result.assignedTo = assigned[1]!.toLowerCase();
    else {
      throw new GatewayError(
        'invalid_request_content',
        `The $filter '${filter.slice(0, 100)}' is not supported; use atScope(), principalId eq '{id}' or assignedTo('{id}'), joined by 'and'.`,
      );
    }
  }
  return result;
}

/**
 * Assignments at the scope, above it and (without `atScope()`) below it, that the caller may read. At the root
 * scope `/`, every assignment the caller may read (the CLI's `role list`).
 */
export function listRoleAssignments(deps: RoleAssignmentDeps, scope: Scope, filterText: string | null, caller: Caller): { value: unknown[] } {
  const filter = parseFilter(filterText);
  const snapshot = deps.directory.current;
  const text = formatScope(scope);
  if (scope.level !== 'root') {
    requireExisting(deps, scope);
    if (!snapshot.allows(caller.principalIds, text, 'action', READ)) throw authorizationFailed(caller, READ, text);
  }
  const assignedTo = filter.assignedTo;
  const ids = assignedTo ? new Set([assignedTo, ...(snapshot.principalByObjectId(assignedTo)?.groups ?? [])]) : undefined;
  const value = snapshot
    .assignments()
    .filter((a) => scopeCovers(a.scope, text) || (!filter.atScope && scopeCovers(text, a.scope)))
    .filter((a) => !filter.principalId || a.principalId.toLowerCase() === filter.principalId)
    .filter((a) => !ids || ids.has(a.principalId.toLowerCase()))
    .filter((a) => scope.level !== 'root' || snapshot.allows(caller.principalIds, a.scope, 'action', READ))
    .map(roleAssignmentJson);
  return { value };
}
