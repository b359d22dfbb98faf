// Two gateways on one SQLite data folder (what `--workers N` runs on the embedded store): a change made through one
// is enforced by the other within a second, found by polling the file's data_version every 250 ms; so is a signing key
// rotated in one of them (the ring is a file in the folder; the rotation is recorded in the store).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accountPath, adminToken, armWith, callResource, keysOf } from './control-helpers.ts';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, callWithToken, devToken, newPrincipal, ROLES } from './identity-helpers.ts';

let a: TestGateway;
let b: TestGateway;
before(async () => {
  a = await startTestGateway();
  b = await startTestGateway({ dataDir: a.dataDir });
});
after(async () => {
  await b.close();
  await a.close();
});

async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

test('a key regenerated through one process is refused by the other within a second', async (t) => {
  const arm = armWith(a, await adminToken(a));
  const before = await keysOf(arm, accountPath('claude-local'));
  assert.equal((await callResource(b, 'claude-local', before.key1)).status, 200);
  assert.equal((await arm('POST', `${accountPath('claude-local')}/regenerateKey`, { keyName: 'Key1' })).status, 200);
  const ms = await within(1000, 'the old key refused by the other process', async () => (await callResource(b, 'claude-local', before.key1)).status === 401);
  t.diagnostic(`refused after ${ms} ms`);
});

test('a role assignment removed in one process is refused by the other within a second', async () => {
  const p = await newPrincipal(a);
  const assignment = await assign(a, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
  await within(1000, 'the principal known to the other process', async () => b.identity.directory.current.principalByObjectId(p.objectId) !== undefined);
  const token = await devToken(b, p.clientId, p.clientSecret);
  await within(1000, 'the role granted in the other process', async () => (await callWithToken(b, token)).status === 200);
  await a.identity.directory.deleteRoleAssignment(assignment.name);
  await within(1000, 'the removed role refused by the other process', async () => (await callWithToken(b, token)).status === 403);
});

test('a signing key rotated in one process is published and honoured by the other within a second', async () => {
  const p = await newPrincipal(a);
  await assign(a, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
  // The other process has loaded these changes (and the ring with them) before the rotation.
  const earlier = await devToken(a, p.clientId, p.clientSecret);
  await within(1000, 'the role granted in the other process', async () => (await callWithToken(b, earlier)).status === 200);
  await new Promise((r) => setTimeout(r, 300));
  const kid = await a.identity.rotateSigningKey();
  const token = await devToken(a, p.clientId, p.clientSecret);
  assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid, kid, 'signed with the new key');
  await within(1000, "the other process's JWKS publishes the new key", async () => {
    const jwks = (await raw(b, { method: 'GET', path: `/${b.identity.tenantId}/discovery/v2.0/keys` })).json() as { keys: Array<{ kid: string }> };
    return jwks.keys[0]?.kid === kid;
  });
  assert.equal((await callWithToken(b, token)).status, 200, 'and accepts its tokens');
});
