// The last Owner of a subscription cannot be removed, also when two replicas remove two Owners at the same moment:
// the check runs against the store inside the delete's transaction, not against each replica's snapshot (where each
// would still see the other's Owner and both would succeed). Two gateways on one store (SQLite in one data folder,
// and one PostgreSQL database), each owner removed through a different one, many times over: exactly one of each
// pair succeeds and one Owner is always left.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { armWith, errorOf, MANAGEMENT_SCOPE } from './control-helpers.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { assign, devToken, ROLES, subscriptionScope } from './identity-helpers.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

const TRIES = 12;
const ROOT_OWNER = { clientId: randomUUID(), clientSecret: `root-${randomUUID()}` };
// Only the config file assigns at "/": the caller that removes the Owners, itself no Owner of the subscription.
const IDENTITY = { servicePrincipals: [{ displayName: 'root-owner', ...ROOT_OWNER }], roleAssignments: [{ principalId: ROOT_OWNER.clientId, role: 'Owner', scope: '/' }] };
const V = '?api-version=2022-04-01';

const owners = (gw: TestGateway) =>
  gw.identity.directory.current.assignments().filter((a) => a.roleDefinitionId === ROLES.owner && a.scope.toLowerCase() === subscriptionScope().toLowerCase());
/** True when the replica's snapshot holds exactly these Owners of the subscription. */
const ownersAre = (gw: TestGateway, names: string[]) => owners(gw).map((o) => o.name).sort().join() === [...names].sort().join();

async function within(ms: number, what: string, check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two replicas racing to remove the subscription's two Owners, TRIES times; each try adds one Owner beside the survivor. */
async function race(a: TestGateway, b: TestGateway): Promise<void> {
  // The admin principal and the admin user are Owners of every subscription, and the admin's Owner can never be
  // removed: take both out through the store, as an offline edit would, so two removable Owners can be the last.
  for (const o of owners(a)) await a.identity.directory.store.roleAssignments.delete(o.name);
  await a.identity.directory.reload();
  let survivor = (await assign(a, randomUUID(), ROLES.owner, subscriptionScope(), 'User')).name;
  const armA = armWith(a, await devToken(a, ROOT_OWNER.clientId, ROOT_OWNER.clientSecret, MANAGEMENT_SCOPE));
  const armB = armWith(b, await devToken(b, ROOT_OWNER.clientId, ROOT_OWNER.clientSecret, MANAGEMENT_SCOPE));
  for (let i = 0; i < TRIES; i++) {
    const added = (await assign(a, randomUUID(), ROLES.owner, subscriptionScope(), 'User')).name;
    // Both replicas see both Owners: each snapshot alone would allow either removal.
    await within(2000, 'both Owners seen by both replicas', () => ownersAre(a, [survivor, added]) && ownersAre(b, [survivor, added]));
    const [first, second] = i % 2 === 0 ? [survivor, added] : [added, survivor];
    const path = (name: string) => `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments/${name}${V}`;
    const [ra, rb] = await Promise.all([armA('DELETE', path(first)), armB('DELETE', path(second))]);
    const statuses = [ra.status, rb.status].sort();
    assert.deepEqual(statuses, [200, 409], `try ${i}: ${ra.status} ${ra.text} / ${rb.status} ${rb.text}`);
    const refused = ra.status === 409 ? ra : rb;
    assert.equal(errorOf(refused).code, 'LastOwnerRoleAssignment');
    assert.match(errorOf(refused).message, /is the last Owner of subscription/);
    survivor = ra.status === 409 ? first : second;
    const stored = (await a.identity.directory.store.roleAssignments.list()).filter((r) => r.roleDefinitionId === ROLES.owner && r.scope === subscriptionScope());
    assert.deepEqual(stored.map((r) => r.name), [survivor], `try ${i}: one Owner left in the store`);
  }
  // A removal of what the other replica removed meanwhile answers 204, as ARM does for nothing to delete.
  const gone = (await assign(a, randomUUID(), ROLES.owner, subscriptionScope(), 'User')).name;
  await within(2000, 'the new Owner seen by b', () => ownersAre(b, [survivor, gone]));
  await a.identity.directory.store.roleAssignments.delete(gone);
  const late = await armB('DELETE', `${subscriptionScope()}/providers/Microsoft.Authorization/roleAssignments/${gone}${V}`);
  assert.ok(late.status === 204 || late.status === 200, `${late.status} ${late.text}`);
  await within(2000, 'one Owner left, seen by both', () => ownersAre(a, [survivor]) && ownersAre(b, [survivor]));
}

describe('two replicas on one SQLite data folder', () => {
  let a: TestGateway;
  let b: TestGateway;
  before(async () => {
    a = await startTestGateway({ identity: IDENTITY });
    b = await startTestGateway({ identity: IDENTITY, dataDir: a.dataDir });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });
  test(`removing the last two Owners at once through two replicas: one succeeds, one 409 (${TRIES} tries)`, () => race(a, b));
});

describe('two replicas on one PostgreSQL database', () => {
  let pg: PostgresServer;
  let a: TestGateway;
  let b: TestGateway;
  before(async () => {
    pg = await startPostgres();
    const store = { postgres: pg.createDatabase('last_owner') };
    const env = { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') };
    a = await startTestGateway({ identity: IDENTITY, store }, { env });
    b = await startTestGateway({ identity: IDENTITY, store }, { env });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    pg?.stop();
  });
  test(`removing the last two Owners at once through two replicas: one succeeds, one 409 (${TRIES} tries)`, () => race(a, b));
});
