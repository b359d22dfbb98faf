// Rows to records, the same for both dialects: the tables have the same columns (migrations.ts), and a record's
// lists and maps are kept as JSON text in both.
import type { PrincipalType } from '../identity/config.ts';
import type { ResourceGroupRecord, RoleAssignmentRecord, ServicePrincipalRecord } from './types.ts';

type Row = Record<string, unknown>;

const list = (value: unknown): string[] => {
  const parsed: unknown = JSON.parse(String(value));
  return Array.isArray(parsed) ? parsed.map(String) : [];
};

const nullable = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function principalOf(row: Row): ServicePrincipalRecord {
  return {
    objectId: String(row['object_id']),
    appId: String(row['app_id']),
    tenantId: String(row['tenant_id']),
    displayName: String(row['display_name']),
    secretHash: String(row['secret_hash']),
    groups: list(row['groups_json']),
    appRoles: list(row['app_roles_json']),
    tags: list(row['tags_json']),
    createdAt: String(row['created_at']),
  };
}

export function assignmentOf(row: Row): RoleAssignmentRecord {
  return {
    name: String(row['name']),
    scope: String(row['scope']),
    roleDefinitionId: String(row['role_definition_id']),
    principalId: String(row['principal_id']),
    principalType: String(row['principal_type']) as PrincipalType,
    description: nullable(row['description']),
    createdOn: String(row['created_on']),
    createdBy: nullable(row['created_by']),
  };
}

export function resourceGroupOf(row: Row): ResourceGroupRecord {
  return {
    subscriptionId: String(row['subscription_id']),
    name: String(row['name']),
    location: String(row['location']),
    tags: JSON.parse(String(row['tags_json'])) as Record<string, string>,
    createdAt: String(row['created_at']),
  };
}

/** What a sealed secret is bound to, so a sealed value cannot be moved to another name. */
export const secretContext = (name: string) => `secrets/${name}`;
