// Issue 13: a seeded fuzz of the request bodies the ARM, Graph-like and monitoring routes read — random JSON built
// from their shapes, mutations of valid bodies, non-JSON — sent as the admin (Owner, so authorization passes and the
// body checks are what answers). No answer may be a 5xx, and every 4xx must leave the stored state as it was.
// Bounded: a fixed count of requests and a time cap; the seed is printed so a failure can be replayed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ACCOUNT, accountPath, adminToken, deploymentBody, deploymentPath } from './control-helpers.ts';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { newPrincipal, ROLES, subscriptionScope, SUBSCRIPTION } from './identity-helpers.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x13c0ffee);
const COUNT = 600;
const TIME_CAP_MS = 8_000;

let gw: TestGateway;
let token: string;
let principalId: string;

before(async () => {
  gw = await startTestGateway();
  token = await adminToken(gw);
  principalId = (await newPrincipal(gw, 'fuzz-target')).objectId;
  const put = (path: string, body: unknown) => send('PUT', path, JSON.stringify(body));
  assert.equal((await put(`${accountPath('fuzz-acct')}?api-version=2025-09-01`, ACCOUNT)).status, 201);
  assert.equal((await put(`${deploymentPath('fuzz-acct', 'fuzz-dep')}?api-version=2025-09-01`, deploymentBody())).status, 201);
});
after(() => gw.close());

function send(method: string, path: string, body: string) {
  return raw(gw, { method, path, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
}

/** mulberry32: small, seeded, good enough to spread inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const STRINGS = ['', ' ', 'S0', 'AIServices', 'eastus2', 'Allow', 'Deny', 'GlobalStandard', 'Anthropic', 'claude-sonnet-4-6', '250', '-1', '1e400', 'NaN',
  '0.000000000001', '__proto__', 'constructor', '🙂'.repeat(40), 'x'.repeat(5000), '%E0%A4%A', '../../etc', '10.0.0.0/8', '::1/200', '\u0000', 'null', randomUUID()];
const NUMBERS = [0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 100, 1000, 1001, 10_000_000];

function randomJson(depth = 0): unknown {
  const kind = depth > 3 ? pick(['s', 'n', 'b', 'z']) : pick(['s', 'n', 'b', 'z', 'a', 'o']);
  if (kind === 's') return pick(STRINGS);
  if (kind === 'n') return pick(NUMBERS);
  if (kind === 'b') return random() < 0.5;
  if (kind === 'z') return null;
  if (kind === 'a') return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [pick(['properties', 'sku', 'name', 'value', '__proto__', 'x']), randomJson(depth + 1)]));
}

/** A copy of `value` with one place changed: a key removed or added, or a value replaced by random JSON. */
function mutate(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || depth > 4 || random() < 0.25) return randomJson(depth);
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || random() < 0.3) copy.push(randomJson(depth + 1));
    else copy[Math.floor(random() * copy.length)] = mutate(copy[Math.floor(random() * copy.length)], depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = random();
  if (roll < 0.2 && keys.length > 0) delete copy[pick(keys)];
  else if (roll < 0.35) copy[pick(['extra', '__proto__', 'properties', 'tags'])] = randomJson(depth + 1);
  else if (keys.length > 0) {
    const key = pick(keys);
    copy[key] = mutate(copy[key], depth + 1);
  }
  return copy;
}

interface Target {
  method: string;
  path: () => string;
  valid: () => unknown;
}

const V = (version: string) => `?api-version=${version}`;
const TARGETS: Target[] = [
  { method: 'PUT', path: () => `/subscriptions/${SUBSCRIPTION}/resourcegroups/fuzz-rg${V('2021-04-01')}`, valid: () => ({ location: 'eastus2', tags: { a: 'b' } }) },
  { method: 'PUT', path: () => `${accountPath('fuzz-acct')}${V('2025-09-01')}`, valid: () => ({ ...ACCOUNT, properties: { publicNetworkAccess: 'Enabled', networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '10.0.0.0/8' }] }, disableLocalAuth: false } }) },
  { method: 'PATCH', path: () => `${accountPath('fuzz-acct')}${V('2025-09-01')}`, valid: () => ({ tags: { env: 'fuzz' }, properties: { publicNetworkAccess: 'Enabled' } }) },
  { method: 'PUT', path: () => `${deploymentPath('fuzz-acct', 'fuzz-dep')}${V('2025-09-01')}`, valid: () => deploymentBody('claude-sonnet-4-6', 5) },
  { method: 'PATCH', path: () => `${deploymentPath('fuzz-acct', 'fuzz-dep')}${V('2025-09-01')}`, valid: () => ({ sku: { name: 'GlobalStandard', capacity: 6 } }) },
  { method: 'POST', path: () => `${accountPath('fuzz-acct')}/regenerateKey${V('2025-09-01')}`, valid: () => ({ keyName: 'Key2' }) },
  {
    method: 'PUT',
    path: () => `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}${V('2022-04-01')}`,
    valid: () => ({ properties: { roleDefinitionId: `${subscriptionScope()}/providers/Microsoft.Authorization/roleDefinitions/${ROLES.reader}`, principalId, principalType: 'ServicePrincipal', description: 'fuzz' } }),
  },
  { method: 'POST', path: () => '/v1.0/servicePrincipals', valid: () => ({ displayName: 'fuzz', groups: [randomUUID()], appRoles: ['x'] }) },
  { method: 'PUT', path: () => '/monitoring/budgets/fuzz-acct', valid: () => ({ amountUsd: '250', thresholds: [50, 80, 100], enforce: false }) },
];

/** Everything a request above could change, as the stores hold it. */
async function state(): Promise<string> {
  const records = gw.plane.records;
  const budgets = await raw(gw, { method: 'GET', path: '/monitoring/budgets', headers: { authorization: `Bearer ${token}` } });
  const directory = gw.identity.directory.current;
  return JSON.stringify({
    records,
    keys: gw.control.current.resources().map((r) => [r.name, r.keys.key1, r.keys.key2]),
    principals: directory.principals().map((p) => [p.objectId, p.groups, p.appRoles, p.secret.kind === 'hash' ? p.secret.hash : '']),
    assignments: directory.assignments().map((a) => [a.name, a.scope, a.roleDefinitionId, a.principalId, a.description]),
    budgets: budgets.text,
  });
}

function bodyFor(target: Target): string {
  const roll = random();
  if (roll < 0.55) return JSON.stringify(mutate(target.valid()));
  if (roll < 0.75) return JSON.stringify(randomJson());
  if (roll < 0.85) return JSON.stringify(target.valid()).slice(0, Math.floor(random() * 20)); // cut short: not JSON
  if (roll < 0.9) return Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString('latin1');
  return JSON.stringify(target.valid());
}

test(`fuzzed ARM, Graph-like and monitoring bodies: no 5xx, state unchanged on every 4xx (seed ${SEED}, ${COUNT} requests)`, async (t) => {
  const deadline = Date.now() + TIME_CAP_MS;
  const statuses = new Map<number, number>();
  let before = await state();
  let sent = 0;
  for (; sent < COUNT && Date.now() < deadline; sent++) {
    const target = pick(TARGETS);
    const body = bodyFor(target);
    const path = target.path();
    const res = await send(target.method, path, body);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const context = `${target.method} ${path} ${body.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)} (seed ${SEED})`;
    assert.ok(res.status < 500, context);
    assert.ok(res.status >= 200, context);
    const after = await state();
    if (res.status >= 400) {
      assert.equal(after, before, `state changed on a 4xx: ${context}`);
      assert.match(String(res.headers['content-type']), /application\/json/, context);
    }
    before = after;
  }
  t.diagnostic(`${sent} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  // The fuzz must reach both the checks (4xx) and the changes (2xx), or it tested nothing.
  const count = (from: number, to: number) => [...statuses].filter(([s]) => s >= from && s < to).reduce((n, [, c]) => n + c, 0);
  assert.ok(count(400, 500) > sent / 4, `few refusals: ${JSON.stringify([...statuses])}`);
  assert.ok(count(200, 300) >= sent / 20, `few successes: ${JSON.stringify([...statuses])}`);
  // A loaded machine may cut the run short at the time cap; below this it proves too little.
  assert.ok(sent >= 50, `only ${sent} requests in ${TIME_CAP_MS} ms`);
});
