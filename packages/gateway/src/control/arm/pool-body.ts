// `properties.claudeFoundry.pool` of a deployment PUT or PATCH: several upstreams behind the one deployment, set over
// ARM (docs/upstreams.md#pools-over-arm). Validated into a PoolRecord with 400s naming the property; secrets are
// never answered back (poolJson shows them as REDACTED), and a member sent back as GET showed it keeps its stored secret.
import type { UpstreamPolicy } from '../../backends/upstream/policy.ts';
import { GatewayError } from '../../errors/index.ts';
import type { PoolCredentialsRecord, PoolMemberRecord, PoolRecord } from '../../store/types.ts';
import { booleanAt, isObject, type Json, objectAt, stringAt } from './fields.ts';

/** What GET shows in place of a key or client secret, as Azure hides secrets; sent back, it means "keep the stored one". */
export const REDACTED = '[redacted]';
const MAX_MEMBERS = 16;
const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const MEMBER_FIELDS = ['name', 'kind', 'endpoint', 'model', 'credentials', 'weight', 'priority', 'rateLimits', 'timeouts'];
const POOL_FIELDS = ['members', 'maxAttempts', 'deadlineMs', 'affinity', 'breaker'];
const EXAMPLE =
  '{"members": [{"name": "east", "kind": "foundry", "endpoint": "https://east.services.ai.azure.com/anthropic", "credentials": {"type": "key", "key": "..."}}]}';

const bad = (path: string, what: string) => new GatewayError('invalid_request_content', `The property '${path}' is not valid: ${what}`);

function onlyKnown(value: Json, path: string, allowed: readonly string[]): void {
  const unknown = Object.keys(value).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw bad(`${path}.${unknown.slice(0, 64)}`, `it is not a field here; use ${allowed.join(', ')}.`);
}

function numberAt(value: unknown, path: string, min: number, max: number, integer: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw bad(path, `expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`);
  }
  return value;
}

/** A subset of `fields`, each a whole number in range; null when absent. */
function limitsAt<K extends string>(value: unknown, path: string, fields: readonly K[], min: number, max: number): Partial<Record<K, number>> | null {
  const object = objectAt(value, path);
  if (!object) return null;
  onlyKnown(object, path, fields);
  const out: Partial<Record<K, number>> = {};
  for (const f of fields) {
    const n = numberAt(object[f], `${path}.${f}`, min, max, true);
    if (n !== undefined) out[f] = n;
  }
  if (Object.keys(out).length === 0) throw bad(path, `give at least one of ${fields.join(', ')}, or leave it out.`);
  return out;
}

/** An endpoint (a member's, an Entra authority): an http(s) URL without credentials, which the upstream policy allows. */
function endpointAt(value: unknown, path: string, kind: 'anthropic' | 'foundry', policy: UpstreamPolicy): string {
  const text = stringAt(value, path, 2048) ?? (kind === 'anthropic' ? 'https://api.anthropic.com' : undefined);
  if (text === undefined) throw bad(path, "a foundry member needs its endpoint, e.g. 'https://{resource}.services.ai.azure.com/anthropic'.");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(path, `'${text.slice(0, 64)}' is not a URL; write https://host[:port][/path].`);
  }
  if (url.search || url.hash || url.username || url.password) throw bad(path, 'no query, fragment or credentials in the URL: the key goes in credentials.');
  const refusal = policy.endpointRefusal(url);
  if (refusal) throw bad(path, `${refusal}.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * A secret field: the value sent, or (sent as REDACTED or left out) the stored one of the same member and credential
 * type, while it goes where it went: `moved` names what changed (the endpoint, the authority) otherwise. Else anyone
 * allowed to write the deployment could point a member at a host of theirs the policy allows and be sent its key.
 */
function secretAt(value: unknown, path: string, stored: string | undefined, moved?: string): string {
  if (value === REDACTED || value === undefined || value === null) {
    if (stored !== undefined && moved === undefined) return stored;
    const why = stored !== undefined ? `${moved} changed, so the stored secret is not sent there: send the secret again` : `'${REDACTED}' keeps a stored secret, and this member has none of this type`;
    throw bad(path, `the secret is required${value === REDACTED || stored !== undefined ? ` (${why})` : ''}.`);
  }
  const text = stringAt(value, path, 4096)!;
  return text;
}

function credentialsAt(value: unknown, path: string, kind: 'anthropic' | 'foundry', stored: PoolCredentialsRecord | undefined, policy: UpstreamPolicy, endpointMoved: string | undefined): PoolCredentialsRecord {
  const c = objectAt(value, path);
  if (!c) throw bad(path, `required: {"type": "key", "key": "..."}${kind === 'foundry' ? ' or {"type": "entra", "tenantId", "clientId", "clientSecret"}' : ''}.`);
  const type = c['type'];
  if (type === 'key') {
    onlyKnown(c, path, ['type', 'key']);
    return { type, key: secretAt(c['key'], `${path}.key`, stored?.type === 'key' ? stored.key : undefined, endpointMoved) };
  }
  if (type === 'entra') {
    if (kind !== 'foundry') throw bad(`${path}.type`, "Entra credentials are for kind 'foundry'; the Anthropic API takes a key.");
    onlyKnown(c, path, ['type', 'tenantId', 'clientId', 'clientSecret', 'authorityHost']);
    const tenantId = stringAt(c['tenantId'], `${path}.tenantId`, 128);
    const clientId = stringAt(c['clientId'], `${path}.clientId`, 128);
    if (!tenantId || !clientId) throw bad(`${path}.${tenantId ? 'clientId' : 'tenantId'}`, 'required for Entra client credentials.');
    const kept = stored?.type === 'entra' && stored.clientId === clientId ? stored.clientSecret : undefined;
    const authority = c['authorityHost'] === undefined || c['authorityHost'] === null ? null : endpointAt(c['authorityHost'], `${path}.authorityHost`, 'foundry', policy);
    // The client secret goes to the authority (and the token to the endpoint): either moved, it is asked for again.
    const moved = kept !== undefined && stored?.type === 'entra' && stored.authorityHost !== authority ? 'the authorityHost' : endpointMoved;
    return { type, tenantId, clientId, clientSecret: secretAt(c['clientSecret'], `${path}.clientSecret`, kept, moved), authorityHost: authority };
  }
  throw bad(`${path}.type`, `use 'key'${kind === 'foundry' ? " or 'entra'" : ''}, not '${String(type).slice(0, 32)}'.`);
}

function memberAt(value: unknown, path: string, stored: readonly PoolMemberRecord[], policy: UpstreamPolicy): PoolMemberRecord {
  if (!isObject(value)) throw bad(path, `expected an object such as ${EXAMPLE.slice(13, -2)}.`);
  onlyKnown(value, path, MEMBER_FIELDS);
  const name = stringAt(value['name'], `${path}.name`, 64);
  if (!name || !MEMBER_NAME.test(name)) throw bad(`${path}.name`, 'required: 1-64 letters, digits, dots, colons, underscores and hyphens, naming the member in the request log and /metrics.');
  const kind = value['kind'];
  if (kind !== 'anthropic' && kind !== 'foundry') throw bad(`${path}.kind`, `use 'anthropic' or 'foundry'${kind === undefined ? '' : `, not '${String(kind).slice(0, 32)}'`}.`);
  const before = stored.find((m) => m.name === name && m.kind === kind);
  const endpoint = endpointAt(value['endpoint'], `${path}.endpoint`, kind, policy);
  return {
    name,
    kind,
    endpoint,
    model: stringAt(value['model'], `${path}.model`, 128) ?? null,
    credentials: credentialsAt(value['credentials'], `${path}.credentials`, kind, before?.credentials, policy, before && before.endpoint !== endpoint ? 'the endpoint' : undefined),
    weight: numberAt(value['weight'], `${path}.weight`, 0.001, 1_000_000, false) ?? 1,
    priority: numberAt(value['priority'], `${path}.priority`, 0, 1000, true) ?? 0,
    rateLimits: limitsAt(value['rateLimits'], `${path}.rateLimits`, ['rpm', 'itpm', 'otpm'], 1, 1_000_000_000_000),
    timeouts: limitsAt(value['timeouts'], `${path}.timeouts`, ['connectMs', 'firstByteMs', 'betweenChunksMs'], 1, 3_600_000),
  };
}

/**
 * The pool a body sets: a PoolRecord, null to remove it (`"pool": null`), undefined when the body does not say.
 * `stored` is the deployment's pool now, whose secrets a member sent back redacted keeps; every endpoint must be one
 * the config's upstream `policy` allows.
 */
export function parsePoolBody(extension: Json | undefined, stored: PoolRecord | null | undefined, policy: UpstreamPolicy): PoolRecord | null | undefined {
  if (!extension || !('pool' in extension)) return undefined;
  const path = 'properties.claudeFoundry.pool';
  const value = extension['pool'];
  if (value === null) return null;
  if (!isObject(value)) throw bad(path, `expected an object such as ${EXAMPLE}, or null to remove the pool.`);
  onlyKnown(value, path, POOL_FIELDS);
  const list = value['members'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_MEMBERS) throw bad(`${path}.members`, `expected 1 to ${MAX_MEMBERS} members, e.g. ${EXAMPLE.slice(12, -1)}.`);
  const members = list.map((m: unknown, i) => memberAt(m, `${path}.members[${i}]`, stored?.members ?? [], policy));
  for (const [i, m] of members.entries()) {
    if (members.findIndex((o) => o.name === m.name) !== i) throw bad(`${path}.members[${i}].name`, `'${m.name}' names another member too; give each a distinct name.`);
  }
  const breaker = objectAt(value['breaker'], `${path}.breaker`);
  if (breaker) onlyKnown(breaker, `${path}.breaker`, ['windowMs', 'minRequests', 'failureRatio', 'openMs']);
  const breakerRecord: PoolRecord['breaker'] = breaker
    ? definedOnly({
        windowMs: numberAt(breaker['windowMs'], `${path}.breaker.windowMs`, 100, 3_600_000, true),
        minRequests: numberAt(breaker['minRequests'], `${path}.breaker.minRequests`, 1, 1_000_000, true),
        failureRatio: numberAt(breaker['failureRatio'], `${path}.breaker.failureRatio`, 0.01, 1, false),
        openMs: numberAt(breaker['openMs'], `${path}.breaker.openMs`, 100, 3_600_000, true),
      })
    : null;
  return {
    members,
    maxAttempts: numberAt(value['maxAttempts'], `${path}.maxAttempts`, 1, 16, true) ?? null,
    deadlineMs: numberAt(value['deadlineMs'], `${path}.deadlineMs`, 1, 3_600_000, true) ?? null,
    affinity: booleanAt(value['affinity'], `${path}.affinity`) ?? true,
    breaker: breakerRecord,
  };
}

function definedOnly<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: number };
}

/** The pool as GET answers it: every field as set, secrets replaced by REDACTED. */
export function poolJson(pool: PoolRecord): Json {
  return {
    ...pool,
    members: pool.members.map((m) => ({
      ...m,
      credentials: m.credentials.type === 'key' ? { type: 'key', key: REDACTED } : { ...m.credentials, clientSecret: REDACTED },
    })),
  };
}
