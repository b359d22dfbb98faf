// The validated-token cache (identity/validate.ts): a token is verified once and then remembered by its hash until
// it expires, within a bound; the audience is still checked on every use, and an expired token is refused even
// when remembered. The development tenant's key lookup counts verifications (one per cache miss).
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { signJwt, TokenRejected } from '../src/identity/jwt.ts';
import { createTokenValidator } from '../src/identity/validate.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tenantId = randomUUID();
const AUD = 'https://cognitiveservices.azure.com';

function setup(cacheSize: number) {
  let now = Date.now();
  let verifications = 0;
  const validator = createTokenValidator({
    developmentTenant: { tenantId, publicKey: () => (verifications++, publicKey) },
    trustedTenants: [],
    clockSkewSeconds: 300,
    jwksMinRefreshSeconds: 300,
    clock: () => now,
    cacheSize,
  });
  const token = (lifetime = 3600) => {
    const t = Math.floor(now / 1000);
    const oid = randomUUID();
    return signJwt({ alg: 'RS256', kid: 'k' }, { aud: AUD, iss: `https://sts.windows.net/${tenantId}/`, iat: t, nbf: t, exp: t + lifetime, oid, tid: tenantId }, privateKey);
  };
  return { validator, token, verifications: () => verifications, advance: (ms: number) => (now += ms) };
}

test('a token is verified once, then served from the cache; the audience is checked on every use', async () => {
  const { validator, token, verifications } = setup(10);
  const a = token();
  await validator.validate(a, [AUD]);
  await validator.validate(a, [AUD]);
  assert.equal(verifications(), 1);
  await assert.rejects(validator.validate(a, ['https://management.azure.com']), (err: unknown) => err instanceof TokenRejected && err.reason === 'audience');
  assert.equal((await validator.validate(a, [AUD])).audience, AUD);
});

test('the cache is bounded: the oldest token is forgotten first and verified again', async () => {
  const { validator, token, verifications } = setup(2);
  const [a, b, c] = [token(), token(), token()];
  for (const t of [a, b, c]) await validator.validate(t, [AUD]);
  assert.equal(verifications(), 3);
  await validator.validate(c, [AUD]);
  assert.equal(verifications(), 3, 'the newest is remembered');
  await validator.validate(a, [AUD]);
  assert.equal(verifications(), 4, 'the oldest was evicted');
});

test('a remembered token is refused once it expires (beyond the skew), with the expiry message', async () => {
  const { validator, token, advance } = setup(10);
  const a = token(600);
  await validator.validate(a, [AUD]);
  advance((600 + 301) * 1000);
  await assert.rejects(validator.validate(a, [AUD]), (err: unknown) => err instanceof TokenRejected && err.reason === 'expired' && /expired at/.test(err.message));
});
