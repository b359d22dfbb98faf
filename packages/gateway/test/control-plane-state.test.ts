// What the control plane keeps and what the data plane enforces: a restart keeps every resource, deployment, key and
// rule; the config seeds without overwriting; a pre-store keys.json is imported once; network rules, public access and
// local auth apply to the next request; a re-created deployment starts afresh; deploymentDefaults pick the backend.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import type { RawConfig } from '../src/config/index.ts';
import { startGateway } from '../src/index.ts';
import { addressAllowed, networkAccess, parseIpRange } from '../src/control/network.ts';
import { type AccountRecord, DATABASE_FILE, openStore, StoreConflict } from '../src/store/index.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/migrations.ts';
import { TEST_RESOURCES, startTestGateway, type TestGateway } from './helpers.ts';
import { SUBSCRIPTION } from './identity-helpers.ts';
import { ACCOUNT, accountPath, adminToken, type Arm, armWith, callResource, deploymentBody, errorOf, keysOf } from './control-helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-control-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A gateway on a data folder that outlives it, so that a second start finds what the first left. */
async function startOn(dataDir: string, overrides: Partial<RawConfig> = {}): Promise<{ gw: TestGateway; arm: Arm }> {
  const gateway = await startGateway({ overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir, resources: TEST_RESOURCES, ...overrides }, env: {} });
  const gw = Object.assign(gateway, { dataDir });
  return { gw, arm: armWith(gw, await adminToken(gw)) };
}

describe('persistence', () => {
  test('a restart keeps resource groups, accounts, deployments, regenerated keys and network rules; the seed overwrites none of it', async () => {
    const dataDir = join(root, `d${dirs++}`);
    let { gw, arm } = await startOn(dataDir);
    const path = accountPath('kept', 'kept-rg');
    const acls = { defaultAction: 'Deny', ipRules: [{ value: '127.0.0.0/8' }, { value: '2001:db8::/32' }] };
    assert.equal((await arm('PUT', `/subscriptions/${SUBSCRIPTION}/resourcegroups/kept-rg?api-version=2021-04-01`, { location: 'eastus2', tags: { owner: 'ci' } })).status, 201);
    assert.equal((await arm('PUT', path, { ...ACCOUNT, tags: { a: '1' }, properties: { customSubDomainName: 'kept-sub', networkAcls: acls } })).status, 201);
    assert.equal((await arm('PUT', `${path}/deployments/fast`, deploymentBody('claude-haiku-4-5', 5, 'DataZoneStandard'))).status, 201);
    const old = await keysOf(arm, path);
    const regenerated = (await arm('POST', `${path}/regenerateKey`, { keyName: 'Key1' })).json() as { key1: string; key2: string };
    // Changes to what the config seeded: a capacity, and a deployment deleted.
    assert.equal((await arm('PATCH', `${accountPath('claude-local')}/deployments/claude-haiku-4-5`, { sku: { capacity: 7 } })).status, 200);
    assert.equal((await arm('DELETE', `${accountPath('claude-local')}/deployments/claude-opus-4-6`)).status, 200);
    const before = (await arm('GET', path)).json() as Record<string, unknown>;
    await gw.close();

    ({ gw, arm } = await startOn(dataDir));
    try {
      const after = (await arm('GET', path)).json() as Record<string, unknown>;
      const stable = (a: Record<string, unknown>) => ({ ...a, properties: { ...(a['properties'] as object), endpoint: null, endpoints: null } });
      assert.deepEqual(stable(after), stable(before));
      assert.deepEqual(await keysOf(arm, path), regenerated);
      assert.equal((await callResource(gw, 'kept', old.key1, 'fast')).status, 401, 'the key replaced before the restart stays replaced');
      assert.equal((await callResource(gw, 'kept-sub', regenerated.key1, 'fast')).status, 200, 'addressed by its custom subdomain');
      const group = (await arm('GET', `/subscriptions/${SUBSCRIPTION}/resourcegroups/kept-rg?api-version=2021-04-01`)).json() as { tags: unknown };
      assert.deepEqual(group.tags, { owner: 'ci' });
      const seeded = (await arm('GET', `${accountPath('claude-local')}/deployments`)).json() as { value: Array<{ name: string; sku: { capacity: number } }> };
      assert.equal(seeded.value.find((d) => d.name === 'claude-haiku-4-5')?.sku.capacity, 7, 'the seed does not overwrite what the store holds');
      assert.ok(seeded.value.some((d) => d.name === 'claude-opus-4-6'), 'a deployment the config declares is created again when absent');
    } finally {
      await gw.close();
    }
  });

  test("keys from an earlier version's keys.json are imported once; a key regenerated later is not undone by it", async () => {
    const dataDir = join(root, `d${dirs++}`);
    const legacy = { key1: 'L'.repeat(84), key2: 'M'.repeat(84) };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'keys.json'), JSON.stringify({ 'claude-local': legacy }));
    let { gw, arm } = await startOn(dataDir);
    assert.deepEqual(gw.keys(), legacy);
    assert.equal((await callResource(gw, 'claude-local', legacy.key2)).status, 200);
    const { key1 } = (await arm('POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key1' })).json() as { key1: string };
    // Deleted and seeded again at the next start: it gets fresh keys, never the imported ones.
    assert.equal((await arm('DELETE', accountPath('claude-local'))).status, 200);
    await gw.close();
    ({ gw, arm } = await startOn(dataDir));
    try {
      const keys = gw.keys();
      assert.notEqual(keys.key1, legacy.key1);
      assert.notEqual(keys.key1, key1);
      assert.ok(existsSync(join(dataDir, 'keys.json')), 'the old file is left where it was');
    } finally {
      await gw.close();
    }
  });

  test('keys fixed in the config seed a new resource; a key regenerated through ARM survives a restart with the same config', async () => {
    const dataDir = join(root, `d${dirs++}`);
    const config = { resources: [{ name: 'fixed', keys: { key1: 'fixed-key-one-0123456789', key2: 'fixed-key-two-0123456789' }, deployments: [{ name: 'claude-haiku-4-5' }] }] };
    let { gw, arm } = await startOn(dataDir, config);
    assert.equal((await callResource(gw, 'fixed', 'fixed-key-one-0123456789', 'claude-haiku-4-5')).status, 200);
    const { key1 } = (await arm('POST', `${accountPath('fixed')}/regenerateKey`, { keyName: 'Key1' })).json() as { key1: string };
    await gw.close();
    ({ gw, arm } = await startOn(dataDir, config));
    try {
      assert.equal((await callResource(gw, 'fixed', 'fixed-key-one-0123456789', 'claude-haiku-4-5')).status, 401);
      assert.equal((await callResource(gw, 'fixed', key1, 'claude-haiku-4-5')).status, 200);
    } finally {
      await gw.close();
    }
  });
});

describe('the data plane enforces network rules and local auth at once', () => {
  let gw: TestGateway;
  let arm: Arm;
  const path = accountPath('guarded');
  let key = '';

  before(async () => {
    gw = await startTestGateway();
    arm = armWith(gw, await adminToken(gw));
    assert.equal((await arm('PUT', path, ACCOUNT)).status, 201);
    assert.equal((await arm('PUT', `${path}/deployments/claude-haiku-4-5`, deploymentBody('claude-haiku-4-5'))).status, 201);
    key = (await keysOf(arm, path)).key1;
    assert.equal((await callResource(gw, 'guarded', key, 'claude-haiku-4-5')).status, 200);
  });
  after(() => gw?.close());

  test('defaultAction Deny without the caller\'s 127.0.0.1 → 403 in Azure\'s words, before the key is even looked at; adding it lets it in', async () => {
    assert.equal((await arm('PATCH', path, { properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '10.0.0.0/8' }, { value: '::1' }] } } })).status, 200);
    const denied = await callResource(gw, 'guarded', key, 'claude-haiku-4-5');
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json(), { error: { code: '403', message: 'Access denied due to Virtual Network/Firewall rules.' } });
    assert.equal((await callResource(gw, 'guarded', 'not-a-key', 'claude-haiku-4-5')).status, 403);
    assert.equal((await arm('PATCH', path, { properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '10.0.0.0/8' }, { value: '127.0.0.1' }] } } })).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'claude-haiku-4-5')).status, 200);
    assert.equal((await arm('PATCH', path, { properties: { networkAcls: { defaultAction: 'Allow', ipRules: [] } } })).status, 200);
  });

  test('X-Forwarded-For counts only from a trusted proxy', async () => {
    assert.equal((await arm('PATCH', path, { properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24' }] } } })).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'claude-haiku-4-5', { 'x-forwarded-for': '203.0.113.9' })).status, 403, 'this gateway trusts no proxy');
    const proxied = await startTestGateway({ trustedProxies: ['127.0.0.1'] });
    try {
      const parm = armWith(proxied, await adminToken(proxied));
      const ppath = accountPath('proxied');
      assert.equal((await parm('PUT', ppath, { ...ACCOUNT, properties: { networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '203.0.113.0/24' }] } } })).status, 201);
      assert.equal((await parm('PUT', `${ppath}/deployments/claude-haiku-4-5`, deploymentBody('claude-haiku-4-5'))).status, 201);
      const pkey = (await keysOf(parm, ppath)).key1;
      const via = (xff: string) => callResource(proxied, 'proxied', pkey, 'claude-haiku-4-5', { 'x-forwarded-for': xff }).then((r) => r.status);
      assert.equal(await via('203.0.113.9'), 200);
      assert.equal(await via('198.51.100.7'), 403);
      assert.equal(await via('203.0.113.9, 198.51.100.7'), 403, 'the right-most address a trusted proxy did not add is the caller');
      assert.equal(await via('198.51.100.7, 203.0.113.9, 127.0.0.1'), 200);
      assert.equal((await callResource(proxied, 'proxied', pkey, 'claude-haiku-4-5')).status, 403, 'without the header, the proxy itself is the caller');
    } finally {
      await proxied.close();
    }
    assert.equal((await arm('PATCH', path, { properties: { networkAcls: { defaultAction: 'Allow', ipRules: [] } } })).status, 200);
  });

  test('publicNetworkAccess Disabled → 403 "Public access is disabled"; Enabled again → 200', async () => {
    assert.equal((await arm('PATCH', path, { properties: { publicNetworkAccess: 'Disabled' } })).status, 200);
    const res = await callResource(gw, 'guarded', key, 'claude-haiku-4-5');
    assert.equal(res.status, 403);
    assert.deepEqual(errorOf(res), { code: '403', message: 'Public access is disabled. Please configure private endpoint.' });
    assert.equal((await arm('PATCH', path, { properties: { publicNetworkAccess: 'Enabled' } })).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'claude-haiku-4-5')).status, 200);
  });

  test('disableLocalAuth through ARM → keys get 403 AuthenticationTypeDisabled on the next request', async () => {
    assert.equal((await arm('PATCH', path, { properties: { disableLocalAuth: true } })).status, 200);
    const res = await callResource(gw, 'guarded', key, 'claude-haiku-4-5');
    assert.equal(res.status, 403);
    assert.equal(errorOf(res).code, 'AuthenticationTypeDisabled');
    assert.equal((await arm('PATCH', path, { properties: { disableLocalAuth: false } })).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'claude-haiku-4-5')).status, 200);
  });

  test('a deployment deleted and created again under its name starts with a fresh rate limit', async () => {
    const dep = `${path}/deployments/tiny`;
    assert.equal((await arm('PUT', dep, deploymentBody('claude-haiku-4-5', 1))).status, 201);
    assert.equal((await callResource(gw, 'guarded', key, 'tiny')).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'tiny')).status, 429, 'capacity 1 is one request a minute');
    assert.equal((await arm('DELETE', dep)).status, 200);
    assert.equal((await callResource(gw, 'guarded', key, 'tiny')).status, 404);
    assert.equal((await arm('PUT', dep, deploymentBody('claude-haiku-4-5', 1))).status, 201);
    assert.equal((await callResource(gw, 'guarded', key, 'tiny')).status, 200);
  });

  test('IP rules: IPv4 and IPv6 addresses and ranges, and an IPv4 caller on a dual-stack socket', () => {
    assert.deepEqual(parseIpRange('2001:db8::/32'), { address: '2001:db8::', prefix: 32, family: 'ipv6' });
    assert.equal(parseIpRange('10.0.0.0/33'), undefined);
    assert.equal(parseIpRange('10.0.0.0/'), undefined);
    const access = networkAccess('Enabled', { defaultAction: 'Deny', ipRules: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'], bypass: 'None' });
    assert.ok(addressAllowed(access, '192.0.2.200'));
    assert.ok(addressAllowed(access, '2001:db8:1::5'));
    assert.ok(addressAllowed(access, '198.51.100.7'));
    assert.ok(!addressAllowed(access, '198.51.100.8'));
    assert.ok(!addressAllowed(access, '2001:db9::1'));
    assert.ok(addressAllowed(networkAccess('Enabled', { defaultAction: 'Allow', ipRules: [], bypass: 'None' }), '198.51.100.8'));
  });
});

describe('deploymentDefaults: the backend of deployments created through ARM', () => {
  test('an upstream default is reported; a retired model is refused as Azure refuses it, whichever backend is asked for', async () => {
    const gw = await startTestGateway({ deploymentDefaults: { backend: 'anthropic', upstream: { baseUrl: 'http://127.0.0.1:9', apiKey: 'sk-test-upstream' } } });
    try {
      const arm = armWith(gw, await adminToken(gw));
      const path = accountPath('claude-local');
      const created = await arm('PUT', `${path}/deployments/haiku-up`, deploymentBody('claude-haiku-4-5'));
      assert.equal(created.status, 201, created.text);
      assert.deepEqual((created.json() as { properties: { claudeFoundry: unknown } }).properties.claudeFoundry, { backend: 'anthropic' });
      assert.equal(gw.control.current.resource('claude-local')?.deployments.get('haiku-up')?.upstream?.model, 'claude-haiku-4-5-20251001');
      const retired = await arm('PUT', `${path}/deployments/opus-old`, deploymentBody('claude-opus-4-1'));
      assert.equal(retired.status, 400);
      assert.equal(errorOf(retired).code, 'ServiceModelDeprecated');
      assert.match(errorOf(retired).message, /^The model 'Format:Anthropic,Name:claude-opus-4-1,Version:20250805' has been deprecated since 08\/05\/2026 00:00:00\./);
      const simulated = await arm('PUT', `${path}/deployments/opus-old`, { ...deploymentBody('claude-opus-4-1'), properties: { model: { format: 'Anthropic', name: 'claude-opus-4-1' }, claudeFoundry: { backend: 'simulator' } } });
      assert.equal(errorOf(simulated).code, 'ServiceModelDeprecated');
      assert.equal((await arm('GET', `${path}/deployments/opus-old`)).status, 404, 'nothing was written');
      // The config's own deployments keep the config's backend.
      const seeded = (await arm('GET', `${path}/deployments/claude-sonnet-4-6`)).json() as { properties: { claudeFoundry: unknown } };
      assert.deepEqual(seeded.properties.claudeFoundry, { backend: 'simulator' });
    } finally {
      await gw.close();
    }
  });
});

describe('the store', () => {
  const account = (name: string, resourceGroup: string, subdomain: string | null = null): AccountRecord => ({
    name, subscriptionId: SUBSCRIPTION, resourceGroup, location: 'eastus2', kind: 'AIServices', skuName: 'S0', tags: {}, customSubDomainName: subdomain,
    publicNetworkAccess: 'Enabled', networkAcls: null, disableLocalAuth: false, keys: { key1: 'k1', key2: 'k2' },
    createdAt: new Date().toISOString(), createdBy: null, modifiedAt: new Date().toISOString(), modifiedBy: null,
  });

  test('enforces unique names and subdomains without case, and deletes an account with its deployments', async () => {
    const store = openStore(join(root, `d${dirs++}`));
    try {
      await store.accounts.put(account('one', 'rg-a', 'one-sub'));
      await store.accounts.put({ ...account('ONE', 'rg-a', 'one-sub'), tags: { replaced: 'yes' } });
      await assert.rejects(store.accounts.put(account('one', 'rg-b')), StoreConflict, 'the same name in another resource group');
      await assert.rejects(store.accounts.put(account('two', 'rg-a', 'ONE-SUB')), StoreConflict, 'a subdomain taken');
      const deployment = { account: 'one', name: 'd', skuName: 'GlobalStandard' as const, capacity: 1, model: { format: 'Anthropic', name: 'claude-haiku-4-5', version: '1' }, backendChoice: 'default' as const, raiPolicyName: null, versionUpgradeOption: null, modelProviderData: null, tags: {}, createdAt: '', createdBy: null, modifiedAt: '', modifiedBy: null };
      await store.deployments.put(deployment);
      await assert.rejects(store.deployments.put({ ...deployment, account: 'missing' }), StoreConflict);
      assert.deepEqual((await store.accounts.list()).map((a) => [a.name, a.tags]), [['one', { replaced: 'yes' }]]);
      assert.equal(await store.accounts.delete('One'), true);
      assert.deepEqual(await store.deployments.list(), []);
    } finally {
      store.close();
    }
  });

  test('a database of the previous schema is migrated at start and seeded, what it held kept', async () => {
    const dataDir = join(root, `d${dirs++}`);
    mkdirSync(dataDir, { recursive: true });
    const db = new DatabaseSync(join(dataDir, DATABASE_FILE));
    db.exec(`PRAGMA application_id = ${0x43464459}; ${MIGRATIONS[0]!.sql} PRAGMA user_version = 1;`);
    db.prepare("INSERT INTO settings (key, value) VALUES ('kept', 'yes')").run();
    db.close();
    const { gw, arm } = await startOn(dataDir);
    try {
      assert.equal((await arm('GET', accountPath('claude-local'))).status, 200);
      const check = new DatabaseSync(join(dataDir, DATABASE_FILE), { readOnly: true });
      assert.equal((check.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, SCHEMA_VERSION);
      assert.deepEqual({ ...(check.prepare("SELECT value FROM settings WHERE key = 'kept'").get() as object) }, { value: 'yes' });
      check.close();
    } finally {
      await gw.close();
    }
  });
});
