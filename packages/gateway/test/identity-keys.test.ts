// Signing keys: the development tenant's rotation keeps issued tokens valid until they expire, and a real tenant's
// JWKS is refetched on an unknown kid at a bounded rate. The "real tenant" is a local JWKS server on port 0
// standing in for Entra, which cannot be reached from the tests; its fetches are counted.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteJwks } from '../src/identity/jwks.ts';
import { fileKeyRing, SIGNING_KEYS_FILE, SigningKeyRing } from '../src/identity/signing-keys.ts';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, devToken, LocalTenant, newPrincipal, ROLES } from './identity-helpers.ts';

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('the development tenant rotates its signing key', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  test('tokens signed before a rotation stay valid, the JWKS publishes both keys, new tokens use the new key', async () => {
    const p = await newPrincipal(gw);
    await assign(gw, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
    const before = await devToken(gw, p.clientId, p.clientSecret);
    const newKid = await gw.identity.rotateSigningKey();
    const afterRotation = await devToken(gw, p.clientId, p.clientSecret);
    assert.notEqual(kidOf(before), newKid);
    assert.equal(kidOf(afterRotation), newKid);

    const jwks = (await raw(gw, { method: 'GET', path: `/${gw.identity.tenantId}/discovery/v2.0/keys` })).json() as { keys: Array<{ kid: string }> };
    assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid, kidOf(before)]);
    assert.equal((await callWithToken(gw, before)).status, 200);
    assert.equal((await callWithToken(gw, afterRotation)).status, 200);
  });
});

describe('the signing key ring', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps a retired key published for the token lifetime plus the skew, then drops it; the file is 0600 and survives a reload', async () => {
    let now = 1_800_000_000_000;
    const retention = (3599 + 300) * 1000;
    const ring = await SigningKeyRing.open(fileKeyRing(dir), () => now, retention);
    const first = ring.active().kid;
    assert.equal(statSync(join(dir, SIGNING_KEYS_FILE)).mode & 0o777, 0o600);
    const second = await ring.rotate();
    now += retention - 1;
    assert.ok(ring.publicKey(first), 'still published just before the retention ends');
    assert.equal((await SigningKeyRing.open(fileKeyRing(dir), () => now, retention)).jwks().length, 2, 'a restart keeps both keys');
    now += 1;
    assert.equal(ring.publicKey(first), undefined);
    assert.deepEqual(ring.jwks().map((k) => k.kid), [second]);
    assert.equal((await SigningKeyRing.open(fileKeyRing(dir), () => now, retention)).active().kid, second);
  });
});

describe("a real tenant's JWKS", () => {
  let gw: TestGateway;
  let tenant: LocalTenant;
  const oid = randomUUID();
  before(async () => {
    tenant = await new LocalTenant().start();
    gw = await startTestGateway({ identity: { trustedTenants: [{ tenantId: tenant.tenantId, jwksUri: tenant.jwksUri }] } });
    await assign(gw, oid, ROLES.azureAiUser, accountScope('claude-local'), 'User');
  });
  after(async () => {
    await gw.close();
    await tenant.close();
  });

  test('is fetched once and cached; a burst of unknown kids does not refetch it within jwksMinRefreshSeconds', async () => {
    assert.equal((await callWithToken(gw, tenant.sign(tenant.claims(oid)))).status, 200);
    assert.equal((await callWithToken(gw, tenant.sign(tenant.claims(oid)))).status, 200);
    assert.equal(tenant.fetches, 1);

    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, i) => callWithToken(gw, tenant.sign(tenant.claims(oid), { kid: `forged-${i}` }))),
    );
    assert.ok(forged.every((r) => r.status === 401));
    assert.equal(tenant.fetches, 1, 'unknown kids within the refresh interval cause no fetch');
  });
});

describe('RemoteJwks (with an injected clock)', () => {
  function fakeTenant() {
    const keys = [{ kid: 'k1', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }];
    let fetches = 0;
    let down = false;
    const fetchJwks = (async () => {
      fetches++;
      if (down) throw new Error('connect ECONNREFUSED');
      return new Response(JSON.stringify({ keys: keys.map(({ kid, key }) => ({ kty: 'RSA', use: 'sig', kid, ...(key.export({ format: 'jwk' }) as object) })) }));
    }) as typeof fetch;
    return { keys, fetchJwks, fetches: () => fetches, setDown: (v: boolean) => (down = v) };
  }

  test('refetches on an unknown kid once the interval has passed, and so picks up a key the tenant rotated in', async () => {
    let now = 0;
    const t = fakeTenant();
    const jwks = new RemoteJwks('http://tenant/keys', { clock: () => now, minRefreshMs: 300_000, fetch: t.fetchJwks });
    assert.ok(await jwks.lookup('k1'));
    t.keys.push({ kid: 'k2', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey });
    now += 299_000;
    assert.equal(await jwks.lookup('k2'), undefined, 'too soon to refetch');
    assert.equal(t.fetches(), 1);
    now += 1_000;
    assert.ok(await jwks.lookup('k2'));
    assert.equal(t.fetches(), 2);
  });

  test('concurrent lookups share one fetch; when the tenant is down, known keys keep working', async () => {
    let now = 0;
    const t = fakeTenant();
    const jwks = new RemoteJwks('http://tenant/keys', { clock: () => now, minRefreshMs: 1_000, maxAgeMs: 10_000, fetch: t.fetchJwks });
    await Promise.all([jwks.lookup('k1'), jwks.lookup('k1'), jwks.lookup('k1')]);
    assert.equal(t.fetches(), 1);
    t.setDown(true);
    now += 20_000; // keys are stale: a refetch is tried, fails, and the cached key is used
    assert.ok(await jwks.lookup('k1'));
    assert.equal(t.fetches(), 2);
    assert.equal(await jwks.lookup('k9'), undefined);
  });
});
