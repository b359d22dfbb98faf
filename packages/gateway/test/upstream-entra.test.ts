// Entra tokens for Foundry upstreams: cached while they have time left, refreshed in the background
// ahead of expiry, one fetch for many callers, and clear errors when no token can be had.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { azureIdentityCredential, type EntraAuth, EntraTokens } from '../src/backends/foundry/entra.ts';
import { GatewayError } from '../src/errors/index.ts';

const AUTH: EntraAuth = { kind: 'entra', credential: 'default', scope: 'https://cognitiveservices.azure.com/.default' };
const MINUTE = 60_000;

function fakeCredential(lifetimeMs: number, clock: () => number) {
  const calls: string[] = [];
  let fail = false;
  return {
    calls,
    failNext: () => (fail = true),
    factory: () => ({
      getToken: async (scope: string | string[]) => {
        calls.push(String(scope));
        if (fail) {
          fail = false;
          throw new Error('AADSTS7000215: Invalid client secret provided.');
        }
        return { token: `t${calls.length}`, expiresOnTimestamp: clock() + lifetimeMs };
      },
    }),
  };
}

describe('Entra tokens for a Foundry upstream', () => {
  test('one fetch serves concurrent callers, and the token is reused while more than 5 minutes are left', async () => {
    let now = 0;
    const credential = fakeCredential(60 * MINUTE, () => now);
    const tokens = new EntraTokens(credential.factory, () => now);
    assert.deepEqual(await Promise.all([tokens.token(AUTH, 'x'), tokens.token(AUTH, 'x'), tokens.token(AUTH, 'x')]), ['t1', 't1', 't1']);
    now += 54 * MINUTE;
    assert.equal(await tokens.token(AUTH, 'x'), 't1');
    assert.deepEqual(credential.calls, ['https://cognitiveservices.azure.com/.default']);
  });

  test('within 5 minutes of expiry the old token is still sent while a new one is fetched; an expired one is never sent', async () => {
    let now = 0;
    const credential = fakeCredential(60 * MINUTE, () => now);
    const tokens = new EntraTokens(credential.factory, () => now);
    await tokens.token(AUTH, 'x');
    now += 57 * MINUTE;
    assert.equal(await tokens.token(AUTH, 'x'), 't1', 'still valid: sent, and a refresh starts');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await tokens.token(AUTH, 'x'), 't2');
    now += 61 * MINUTE;
    assert.equal(await tokens.token(AUTH, 'x'), 't3', 'expired: waits for a new one');
  });

  test('a credential that fails gives a 502 naming the scope and the reason, and the next request tries again', async () => {
    const credential = fakeCredential(60 * MINUTE, Date.now);
    const tokens = new EntraTokens(credential.factory);
    credential.failNext();
    const err = await tokens.token(AUTH, "The upstream of deployment 'd'").catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 502);
    assert.equal(err.message, "The upstream of deployment 'd' could not get an Entra token for https://cognitiveservices.azure.com/.default: AADSTS7000215: Invalid client secret provided.");
    assert.equal(await tokens.token(AUTH, 'x'), 't2');
  });

  test('@azure/identity is loaded only when needed; its credentials are built from the settings, or its absence is explained', async () => {
    let installed = true;
    try {
      import.meta.resolve('@azure/identity');
    } catch {
      installed = false;
    }
    const bySecret: EntraAuth = { kind: 'entra', credential: 'clientSecret', scope: AUTH.scope, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: 'c0ffee00-0000-0000-0000-000000000000', clientSecret: { reveal: () => 's' } };
    if (installed) {
      for (const auth of [AUTH, bySecret]) {
        const credential = await azureIdentityCredential(auth);
        assert.equal(typeof credential.getToken, 'function');
        assert.equal(credential.constructor.name, auth.credential === 'default' ? 'DefaultAzureCredential' : 'ClientSecretCredential');
      }
      return;
    }
    const err = await azureIdentityCredential(AUTH).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 502);
    assert.match(err.message, /needs the @azure\/identity package: run `npm install @azure\/identity`/);
  });
});
