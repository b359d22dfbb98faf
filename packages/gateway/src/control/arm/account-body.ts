// The body of `PUT` (or `PATCH`) `…/Microsoft.CognitiveServices/accounts/{name}`, validated into an AccountSpec: an AI
// Services account with its SKU, location, custom subdomain, network rules and local-auth switch. Read-only and
// unsupported-but-harmless properties (endpoint, encryption, apiProperties…) are ignored, as the CLI sends back
// what it read.
import { GatewayError } from '../../errors/index.ts';
import type { AccountRecord, NetworkAclsRecord } from '../../store/types.ts';
import { parseIpRange } from '../network.ts';
import { normalizeLocation, SUBDOMAIN } from '../names.ts';
import { booleanAt, choiceAt, isObject, type Json, objectAt, stringAt, tagsAt } from './fields.ts';

export const ACCOUNT_KINDS = ['AIServices'] as const;
export const ACCOUNT_SKUS = ['S0'] as const;
const MAX_IP_RULES = 400;

/** What a request may set on an account. */
export type AccountSpec = Pick<
  AccountRecord,
  'location' | 'kind' | 'skuName' | 'tags' | 'customSubDomainName' | 'publicNetworkAccess' | 'networkAcls' | 'disableLocalAuth'
>;

export function specOf(record: AccountRecord): AccountSpec {
  const { location, kind, skuName, tags, customSubDomainName, publicNetworkAccess, networkAcls, disableLocalAuth } = record;
  return { location, kind, skuName, tags, customSubDomainName, publicNetworkAccess, networkAcls, disableLocalAuth };
}

function networkAclsOf(value: unknown, base: NetworkAclsRecord | null): NetworkAclsRecord | null {
  const acls = objectAt(value, 'properties.networkAcls');
  if (acls === undefined) return base;
  const defaultAction = choiceAt(acls['defaultAction'], 'properties.networkAcls.defaultAction', ['Allow', 'Deny'] as const);
  if (!defaultAction) throw new GatewayError('invalid_request_content', "The property 'properties.networkAcls.defaultAction' is required: 'Allow' or 'Deny'.");
  const bypass = choiceAt(acls['bypass'], 'properties.networkAcls.bypass', ['None', 'AzureServices'] as const) ?? 'AzureServices';
  const vnetRules = acls['virtualNetworkRules'];
  if (Array.isArray(vnetRules) && vnetRules.length > 0) {
    throw new GatewayError('arm_bad_request', "Virtual network rules are not supported by this gateway (it has no virtual networks); use 'properties.networkAcls.ipRules'.");
  }
  const rules = acls['ipRules'] ?? [];
  if (!Array.isArray(rules)) throw new GatewayError('invalid_request_content', "The property 'properties.networkAcls.ipRules' must be an array of {\"value\": \"<address or CIDR range>\"}.");
  if (rules.length > MAX_IP_RULES) throw new GatewayError('arm_bad_request', `At most ${MAX_IP_RULES} IP rules are allowed; ${rules.length} were given.`);
  const ipRules = rules.map((rule: unknown, i) => {
    const value = isObject(rule) ? rule['value'] : undefined;
    if (typeof value !== 'string' || !parseIpRange(value.trim())) {
      throw new GatewayError(
        'arm_bad_request',
        `The IP rule '${String(value).slice(0, 64)}' (properties.networkAcls.ipRules[${i}].value) is not valid: use an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32.`,
      );
    }
    return value.trim();
  });
  return { defaultAction, ipRules, bypass };
}

/**
 * `base` supplies what the body leaves out: for a PATCH, the account as it is; for a PUT, the defaults. A PUT's body is
 * the whole account, as ARM's PUT replaces; location, kind and sku are required there.
 */
export function parseAccountBody(body: Json, base: AccountSpec, patch: boolean): AccountSpec {
  const location = stringAt(body['location'], 'location', 64);
  if (!patch && !location) throw new GatewayError('location_required');
  const kind = stringAt(body['kind'], 'kind', 64);
  if (!patch && !kind) throw new GatewayError('invalid_request_content', "The property 'kind' is required: Claude is deployed in an account of kind 'AIServices'.");
  if (kind !== undefined && !ACCOUNT_KINDS.some((k) => k.toLowerCase() === kind.toLowerCase())) {
    throw new GatewayError('invalid_resource_properties', `The kind '${kind}' is not supported: Claude models are deployed in accounts of kind 'AIServices'.`);
  }
  const sku = objectAt(body['sku'], 'sku');
  if (!patch && !sku) throw new GatewayError('invalid_request_content', "The property 'sku' is required: {\"name\": \"S0\"}.");
  const skuName = sku ? stringAt(sku['name'], 'sku.name', 32) : undefined;
  if (sku && !skuName) throw new GatewayError('invalid_request_content', "The property 'sku.name' is required: 'S0'.");
  if (skuName !== undefined && !ACCOUNT_SKUS.some((s) => s.toLowerCase() === skuName.toLowerCase())) {
    throw new GatewayError('invalid_resource_properties', `The SKU '${skuName}' is not supported for kind 'AIServices'; use 'S0'.`);
  }
  const properties = objectAt(body['properties'], 'properties') ?? {};
  const subdomain = stringAt(properties['customSubDomainName'], 'properties.customSubDomainName', 128);
  if (subdomain !== undefined && !SUBDOMAIN.test(subdomain)) throw new GatewayError('custom_domain_invalid', `Sub domain name '${subdomain}' is not valid.`);
  return {
    location: location ? normalizeLocation(location) : base.location,
    kind: kind ? ACCOUNT_KINDS[0] : base.kind,
    skuName: skuName ? ACCOUNT_SKUS[0] : base.skuName,
    tags: tagsAt(body['tags'], 'tags') ?? (patch ? base.tags : {}),
    customSubDomainName: subdomain ?? base.customSubDomainName,
    publicNetworkAccess: choiceAt(properties['publicNetworkAccess'], 'properties.publicNetworkAccess', ['Enabled', 'Disabled'] as const) ?? (patch ? base.publicNetworkAccess : 'Enabled'),
    networkAcls: networkAclsOf(properties['networkAcls'], patch ? base.networkAcls : null),
    disableLocalAuth: booleanAt(properties['disableLocalAuth'], 'properties.disableLocalAuth') ?? (patch ? base.disableLocalAuth : false),
  };
}
