// The store's contract, one suite run against each implementation (store.test.ts: SQLite and PostgreSQL): what a
// write keeps, which names are unique, what a transaction commits or rolls back, and how a second process learns of
// a change. `open(name)` opens the store called `name` (a fresh one the first time, the same one again after).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AccountRecord, DeploymentRecord, Store } from '../src/store/index.ts';
import type { PoolMemberRecord } from '../src/store/types.ts';
import { StoreConflict } from '../src/store/index.ts';

export interface ContractTarget {
  open(name: string): Promise<Store>;
  /** The raw value of a column, as stored (to see that secrets are sealed). */
  raw(name: string, sql: string): string;
}

const now = () => new Date().toISOString();

export const assignment = (name: string, scope = '/subscriptions/s') => ({
  name, scope, roleDefinitionId: 'r', principalId: 'p', principalType: 'User' as const, description: null, createdOn: now(), createdBy: null,
});

export function account(name: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    name, subscriptionId: 'sub', resourceGroup: 'rg', location: 'eastus2', kind: 'AIServices', skuName: 'S0', tags: {},
    customSubDomainName: name, publicNetworkAccess: 'Enabled', networkAcls: null, disableLocalAuth: false,
    keys: { key1: `${name}-key-one-0123456789`, key2: `${name}-key-two-0123456789` },
    createdAt: now(), createdBy: null, modifiedAt: now(), modifiedBy: null, ...extra,
  };
}

export function deployment(accountName: string, name: string): DeploymentRecord {
  return {
    account: accountName, name, skuName: 'GlobalStandard', capacity: 1, model: { format: 'Anthropic', name: 'claude-sonnet-4-6', version: '1' },
    backendChoice: 'default', raiPolicyName: null, versionUpgradeOption: null, modelProviderData: null, tags: {},
    createdAt: now(), createdBy: null, modifiedAt: now(), modifiedBy: null,
  };
}

async function until(check: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

export function storeContract(dialect: string, target: ContractTarget): void {
  let n = 0;
  const fresh = () => `${dialect}_c${n++}`;
  const using = async (work: (store: Store, name: string) => Promise<void>) => {
    const name = fresh();
    const store = await target.open(name);
    try {
      await work(store, name);
    } finally {
      await store.close();
    }
  };

  describe(`the store contract on ${dialect}`, () => {
    test('keeps what was written across a reopen', async () => {
      const name = fresh();
      const store = await target.open(name);
      await store.roleAssignments.insert(assignment('a1'));
      await store.settings.set('k', 'v');
      await store.accounts.put(account('Alpha'));
      await store.close();
      const again = await target.open(name);
      assert.deepEqual((await again.roleAssignments.list()).map((a) => a.name), ['a1']);
      assert.equal(await again.settings.get('k'), 'v');
      assert.deepEqual((await again.accounts.list()).map((a) => [a.name, a.keys.key1]), [['Alpha', 'Alpha-key-one-0123456789']]);
      await again.ping();
      await again.close();
    });

    test('refuses a second assignment of the same role to the same principal at the same scope (scope compared without case)', () =>
      using(async (store) => {
        await store.roleAssignments.insert(assignment('a1', '/subscriptions/S'));
        await assert.rejects(store.roleAssignments.insert(assignment('a2', '/SUBSCRIPTIONS/s')), StoreConflict);
        assert.equal(await store.roleAssignments.delete('a1'), true);
        assert.equal(await store.roleAssignments.delete('a1'), false);
      }));

    test('account names and custom subdomains are unique without case; a name is replaced only in its own resource group', () =>
      using(async (store) => {
        await store.accounts.put(account('alpha'));
        await assert.rejects(store.accounts.put(account('ALPHA', { resourceGroup: 'other' })), /exists in another subscription or resource group/);
        await assert.rejects(store.accounts.put(account('beta', { customSubDomainName: 'Alpha' })), StoreConflict);
        await store.accounts.put(account('ALPHA', { tags: { v: '2' }, keys: { key1: 'new-key-one-0123456789', key2: 'new-key-two-0123456789' } }));
        const [only, ...rest] = await store.accounts.list();
        assert.equal(rest.length, 0);
        assert.equal(only!.name, 'alpha', 'a replaced account keeps the spelling it was created with');
        assert.deepEqual([only!.tags, only!.keys.key1], [{ v: '2' }, 'new-key-one-0123456789']);
        await store.accounts.put(account('gamma'));
        assert.deepEqual((await store.accounts.list()).map((a) => a.name), ['alpha', 'gamma'], 'in creation order');
      }));

    test('resource keys and secrets are sealed at rest, and a secret is created once', () =>
      using(async (store, name) => {
        await store.accounts.put(account('sealed'));
        assert.match(target.raw(name, "SELECT key1 FROM accounts WHERE name = 'sealed'"), /^sealed\.v1\./);
        assert.equal(await store.secrets.get('s'), undefined);
        assert.equal(await store.secrets.create('s', 'first'), 'first');
        assert.equal(await store.secrets.create('s', 'second'), 'first', 'the first writer wins');
        await store.secrets.put('s', 'third');
        assert.equal(await store.secrets.get('s'), 'third');
        assert.match(target.raw(name, "SELECT value FROM secrets WHERE name = 's'"), /^sealed\.v1\./);
      }));

    test("a pool's member secrets (set over ARM) are sealed at rest and opened as written", () =>
      using(async (store, name) => {
        await store.accounts.put(account('pooled'));
        const member = (n: string, credentials: PoolMemberRecord['credentials']): PoolMemberRecord =>
          ({ name: n, kind: 'foundry', endpoint: 'https://east.services.ai.azure.com/anthropic', model: null, credentials, weight: 1, priority: 0, rateLimits: null, timeouts: null });
        const pool = {
          members: [member('east', { type: 'key', key: 'pool-key-secret-0001' }), member('west', { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 'pool-client-secret-0002', authorityHost: null })],
          maxAttempts: null, deadlineMs: null, affinity: true, breaker: null,
        };
        await store.deployments.put({ ...deployment('pooled', 'sonnet'), pool });
        const raw = target.raw(name, "SELECT record_json FROM deployments WHERE name = 'sonnet'");
        assert.ok(!raw.includes('pool-key-secret-0001') && !raw.includes('pool-client-secret-0002'), raw);
        assert.equal(raw.match(/sealed\.v1\./g)?.length, 2);
        assert.deepEqual((await store.deployments.list())[0]!.pool, pool);
      }));

    test('deployments need their account, are unique per account without case, and go with it', () =>
      using(async (store) => {
        await assert.rejects(store.deployments.put(deployment('nobody', 'd')), /does not exist/);
        await store.accounts.put(account('acct'));
        await store.deployments.put(deployment('acct', 'Sonnet'));
        await store.deployments.put({ ...deployment('ACCT', 'sonnet'), capacity: 7 });
        const list = await store.deployments.list();
        assert.deepEqual(list.map((d) => [d.account, d.name, d.capacity]), [['acct', 'Sonnet', 7]]);
        assert.equal(await store.resourceGroups.put({ subscriptionId: 'sub', name: 'rg', location: 'eastus2', tags: {}, createdAt: now() }), true);
        assert.equal(await store.resourceGroups.put({ subscriptionId: 'sub', name: 'RG', location: 'westus', tags: {}, createdAt: now() }), false);
        assert.deepEqual((await store.resourceGroups.list()).map((g) => [g.name, g.location]), [['rg', 'westus']]);
        assert.equal(await store.accounts.delete('ACCT'), true);
        assert.deepEqual(await store.deployments.list(), []);
      }));

    test('a transaction commits all its writes and bumps the version once, or on a throw keeps none of them', () =>
      using(async (store) => {
        const v0 = await store.version();
        await store.transaction(async (tx) => {
          await tx.accounts.put(account('one'));
          await tx.deployments.put(deployment('one', 'd'));
        });
        assert.equal(await store.version(), v0 + 1);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.accounts.put(account('two'));
            throw new Error('changed my mind');
          }),
          /changed my mind/,
        );
        assert.deepEqual((await store.accounts.list()).map((a) => a.name), ['one']);
        assert.equal(await store.version(), v0 + 1);
      }));

    test("refresh grants and authorization codes: one process adds, another finds it (a grant with its user's current secret hash, a code's first use counted once); no version bump; expired swept, a user capped at its newest", async () => {
      const name = fresh();
      const a = await target.open(name);
      const b = await target.open(name);
      try {
        const t0 = 1_000_000;
        const grant = (tokenHash: string, objectId: string, issuedAt: number, expiresAt = t0 + 86_400_000) =>
          ({ tokenHash, objectId, clientId: 'client', credential: 'cred', signedInAt: t0, issuedAt, expiresAt });
        await a.servicePrincipals.insert({ objectId: 'u1', appId: 'app-u1', tenantId: 't', displayName: 'u1', secretHash: 'scrypt$one', groups: [], appRoles: [], tags: [], createdAt: now() });
        const v0 = await a.version();
        await a.refreshGrants.add(grant('h-old', 'u1', t0, t0 + 10), { now: t0, perUser: 3 });
        await a.refreshGrants.add(grant('h-other', 'u2', t0), { now: t0, perUser: 3 });
        assert.equal(await a.version(), v0, 'a grant is no change a snapshot follows');
        assert.deepEqual(await b.refreshGrants.find('h-other'), { ...grant('h-other', 'u2', t0), userSecretHash: null }, 'a user not in the store: null');
        assert.equal((await b.refreshGrants.find('h-old'))?.userSecretHash, 'scrypt$one');
        await b.servicePrincipals.setSecretHash('u1', 'scrypt$two');
        assert.equal((await a.refreshGrants.find('h-old'))?.userSecretHash, 'scrypt$two', 'the secret hash as stored now');
        for (let i = 1; i <= 5; i++) await b.refreshGrants.add(grant(`h${i}`, 'u1', t0 + i), { now: t0 + 20, perUser: 3 });
        assert.equal(await a.refreshGrants.find('h-old'), undefined, 'expired: swept by the next add');
        const kept = [];
        for (let i = 1; i <= 5; i++) if (await a.refreshGrants.find(`h${i}`)) kept.push(i);
        assert.deepEqual(kept, [3, 4, 5], "the user's newest three");
        assert.ok(await a.refreshGrants.find('h-other'), "another user's grant is not counted against it");
        assert.equal(target.raw(name, 'SELECT count(*) FROM refresh_tokens'), '4');

        // Authorization codes: presented on two processes at once, exactly one is the first use.
        const code = (codeHash: string, issuedAt: number, expiresAt = t0 + 600_000) => ({ codeHash, objectId: 'u1', details: '{"clientId":"c"}', issuedAt, expiresAt });
        const v1 = await a.version();
        await a.authorizationCodes.add(code('c-old', t0, t0 + 10), { now: t0, perUser: 2 });
        await a.authorizationCodes.add(code('c1', t0 + 1), { now: t0 + 20, perUser: 2 });
        assert.equal(await a.version(), v1, 'a code is no change either');
        const uses = await Promise.all([a.authorizationCodes.use('c1'), b.authorizationCodes.use('c1')]);
        assert.deepEqual(uses.map((u) => u?.uses).sort(), [1, 2]);
        assert.deepEqual({ ...uses[0]!, uses: 0 }, { ...code('c1', t0 + 1), uses: 0 });
        assert.equal(await b.authorizationCodes.use('c-old'), undefined, 'expired: swept by the next add');
        assert.equal(await b.authorizationCodes.use('nope'), undefined);
        for (let i = 2; i <= 4; i++) await b.authorizationCodes.add(code(`c${i}`, t0 + i), { now: t0 + 20, perUser: 2 });
        assert.equal(target.raw(name, "SELECT count(*) FROM authorization_codes WHERE code_hash IN ('c3', 'c4')"), '2');
        assert.equal(target.raw(name, 'SELECT count(*) FROM authorization_codes'), '2', "the user's newest two");
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('a second process on the same store hears of a commit within a second, and sees it', async () => {
      const name = fresh();
      const a = await target.open(name);
      const b = await target.open(name);
      try {
        const heard: number[] = [];
        b.watch((v) => heard.push(v));
        await a.accounts.put(account('seen'));
        const version = await a.version();
        const ms = await until(() => heard.includes(version), 1000);
        assert.ok(ms < 1000);
        assert.deepEqual((await b.accounts.list()).map((x) => x.name), ['seen']);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
