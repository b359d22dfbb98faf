// The `identity` section of the config: the development tenant, the real Entra tenants to trust, and service
// principals and role assignments fixed by configuration (docs/identity.md documents every field).
import { findRole } from '../auth/roles.ts';
import { GUID, parseScope, formatScope } from '../auth/scopes.ts';
import { ConfigError, isObject, optionalBoolean, optionalInteger, optionalString, requiredString } from '../config/index.ts';
import { Secret } from '../config/secret.ts';

/** The development tenant's fixed ID (documented; "c1a0de" reads "claude"). */
export const DEFAULT_TENANT_ID = 'c1a0de00-7e4a-4000-8000-000000000001';
/** Five minutes, the clock skew Microsoft's token validation libraries allow by default. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
/** The shortest time between two JWKS fetches for one tenant, however many unknown `kid`s arrive. */
export const DEFAULT_JWKS_MIN_REFRESH_SECONDS = 300;

export type PrincipalType = 'User' | 'Group' | 'ServicePrincipal' | 'ForeignGroup' | 'Device';
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];

export interface TrustedTenant {
  tenantId: string;
  jwksUri: string;
}

export interface ConfiguredPrincipal {
  displayName: string;
  clientId: string;
  clientSecret: Secret;
  objectId: string;
  groups: string[];
  appRoles: string[];
}

export interface ConfiguredRoleAssignment {
  principalId: string;
  principalType: PrincipalType;
  roleDefinitionId: string;
  scope: string;
}

export interface IdentityConfig {
  developmentTenant: { tenantId: string; enabled: boolean };
  trustedTenants: TrustedTenant[];
  servicePrincipals: ConfiguredPrincipal[];
  roleAssignments: ConfiguredRoleAssignment[];
  clockSkewSeconds: number;
  jwksMinRefreshSeconds: number;
  /** The origins clients reach the gateway at (identity/origin.ts); undefined: its own host and ports. */
  publicOrigins: string[] | undefined;
}

export function defaultJwksUri(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
}

function guid(value: unknown, where: string): string {
  const text = requiredString(value, where);
  if (!GUID.test(text)) throw new ConfigError(`${where} must be a GUID such as "${DEFAULT_TENANT_ID}", not "${text.slice(0, 60)}".`);
  return text.toLowerCase();
}

function list<T>(value: unknown, where: string, item: (v: unknown, at: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be an array.`);
  return value.map((v, i) => item(v, `${where}[${i}]`));
}

function object(value: unknown, where: string, example: string): Record<string, unknown> {
  if (!isObject(value)) throw new ConfigError(`${where} must be an object such as ${example}.`);
  return value;
}

export interface IdentityParseContext {
  env: NodeJS.ProcessEnv;
  /** Where a configured role assignment without `scope` applies: the first resource's subscription. */
  defaultScope: string;
}

export function parseIdentityConfig(value: unknown, where: string, context: IdentityParseContext): IdentityConfig {
  const raw = value === undefined ? {} : object(value, where, '{"trustedTenants": [{"tenantId": "..."}]}');
  const dev = raw['developmentTenant'] === undefined ? {} : object(raw['developmentTenant'], `${where}.developmentTenant`, '{"enabled": true}');
  const developmentTenant = {
    tenantId: dev['tenantId'] === undefined ? DEFAULT_TENANT_ID : guid(dev['tenantId'], `${where}.developmentTenant.tenantId`),
    enabled: optionalBoolean(dev['enabled'], `${where}.developmentTenant.enabled`) ?? true,
  };
  const trustedTenants = list(raw['trustedTenants'], `${where}.trustedTenants`, (v, at) => {
    const t = object(v, at, '{"tenantId": "<your tenant GUID>"}');
    const tenantId = guid(t['tenantId'], `${at}.tenantId`);
    if (tenantId === developmentTenant.tenantId) throw new ConfigError(`${at}.tenantId is the development tenant's ID; give the development tenant another tenantId.`);
    const jwksUri = optionalString(t['jwksUri'], `${at}.jwksUri`) ?? defaultJwksUri(tenantId);
    if (!/^https?:\/\//.test(jwksUri)) throw new ConfigError(`${at}.jwksUri must be an http(s) URL.`);
    return { tenantId, jwksUri };
  });
  const servicePrincipals = list(raw['servicePrincipals'], `${where}.servicePrincipals`, (v, at) => {
    const p = object(v, at, '{"displayName": "ci", "clientId": "<GUID>", "clientSecret": "..."}');
    const clientId = guid(p['clientId'], `${at}.clientId`);
    return {
      displayName: optionalString(p['displayName'], `${at}.displayName`) ?? clientId,
      clientId,
      clientSecret: secret(p, at, context.env),
      objectId: p['objectId'] === undefined ? clientId : guid(p['objectId'], `${at}.objectId`),
      groups: list(p['groups'], `${at}.groups`, guid),
      appRoles: list(p['appRoles'], `${at}.appRoles`, requiredString),
    };
  });
  const roleAssignments = list(raw['roleAssignments'], `${where}.roleAssignments`, (v, at) => {
    const a = object(v, at, '{"principalId": "<object ID>", "role": "Cognitive Services User"}');
    const roleName = requiredString(a['role'], `${at}.role`);
    const role = findRole(roleName);
    if (!role) throw new ConfigError(`${at}.role "${roleName}" is not a built-in role; use a name such as "Cognitive Services User" or "Azure AI User", or its GUID.`);
    const scopeText = optionalString(a['scope'], `${at}.scope`) ?? context.defaultScope;
    const scope = parseScope(scopeText);
    // The root scope "/" only from here: in Azure only an elevated Global Administrator assigns there, never the API.
    if (!scope) {
      throw new ConfigError(`${at}.scope "${scopeText}" is not "/", a subscription, resource group or Microsoft.CognitiveServices account ID.`);
    }
    const principalType = optionalString(a['principalType'], `${at}.principalType`) ?? 'ServicePrincipal';
    const type = PRINCIPAL_TYPES.find((t) => t === principalType);
    if (!type) throw new ConfigError(`${at}.principalType must be one of ${PRINCIPAL_TYPES.join(', ')}.`);
    return { principalId: guid(a['principalId'], `${at}.principalId`), principalType: type, roleDefinitionId: role.id, scope: formatScope(scope) };
  });
  return {
    developmentTenant,
    trustedTenants,
    servicePrincipals,
    roleAssignments,
    clockSkewSeconds: optionalInteger(raw['clockSkewSeconds'], `${where}.clockSkewSeconds`, 0, 3600) ?? DEFAULT_CLOCK_SKEW_SECONDS,
    jwksMinRefreshSeconds: optionalInteger(raw['jwksMinRefreshSeconds'], `${where}.jwksMinRefreshSeconds`, 1, 86_400) ?? DEFAULT_JWKS_MIN_REFRESH_SECONDS,
    publicOrigins: raw['publicOrigins'] === undefined ? undefined : list(raw['publicOrigins'], `${where}.publicOrigins`, origin),
  };
}

/** `https://gateway.example.com:4443`: a scheme, a host and maybe a port, nothing more (it becomes a token audience). */
function origin(value: unknown, where: string): string {
  const text = requiredString(value, where);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new ConfigError(`${where} must be an http(s) origin such as "https://gateway.example.com:4443" (no path, query or credentials), not "${text.slice(0, 120)}".`);
  }
  return url.origin;
}

/** `clientSecret` inline or `clientSecretEnv` naming an environment variable, as upstream secrets are given. */
function secret(value: Record<string, unknown>, where: string, env: NodeJS.ProcessEnv): Secret {
  const inline = optionalString(value['clientSecret'], `${where}.clientSecret`);
  const variable = optionalString(value['clientSecretEnv'], `${where}.clientSecretEnv`);
  if ((inline === undefined) === (variable === undefined)) throw new ConfigError(`${where} needs exactly one of clientSecret and clientSecretEnv.`);
  if (inline !== undefined) return new Secret(inline);
  const fromEnv = env[variable!];
  if (!fromEnv) throw new ConfigError(`${where}.clientSecretEnv names ${variable}, which is not set in the environment.`);
  return new Secret(fromEnv);
}
