// The development IdP's refresh tokens are the store's, not a process's: driven by MSAL Node's PublicClientApplication
// as the portal signs in. On PostgreSQL, two real `serve` replicas: a token issued by A is redeemed on B, still after
// B restarts, and a password reset committed by another process refuses it on both within a second. On SQLite, `serve --workers 2` (the
// primary hands each connection to either worker): every redemption succeeds whichever worker it lands on, a restart
// keeps them, and a reset committed by another process refuses them on both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PORTAL_CLIENT_ID } from '../src/identity/authorize.ts';
import { hashSecret } from '../src/identity/secrets.ts';
import type { Gateway } from '../src/index.ts';
import { openConfiguredStore, openStore, type Store } from '../src/store/index.ts';
import { type ServedGateway, serveChild, startAll, stopChild } from './child-helpers.ts';
import { raw, type RawResponse } from './helpers.ts';
import { cachedRefreshToken, COGNITIVE, msalSignIn, payload, portalApp } from './msal-helpers.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-refresh-replicas-'));
const secretKey = randomBytes(32).toString('base64');
const running: ServedGateway[] = [];
let pg: PostgresServer | undefined;

after(async () => {
  await Promise.all(running.map((r) => stopChild(r.child, 'SIGTERM')));
  pg?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function serve(config: string, name: string, extra: string[] = []): Promise<ServedGateway> {
  const started = await serveChild({ config, dataDir: join(root, name), what: name, env: { CLAUDE_FOUNDRY_SECRET_KEY: secretKey }, extra });
  running.push(started);
  return started;
}

const tenantOf = (r: ServedGateway) => ({ port: r.port, httpsUrl: r.httpsUrl, tenantId: r.tenantId, caPem: r.caPem });
const adminPassword = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'admin-user.json'), 'utf8')) as { password: string }).password;

const form = (r: ServedGateway, body: Record<string, string>) =>
  raw({ port: r.port } as Gateway, { path: `/${r.tenantId}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
const refresh = (r: ServedGateway, refreshToken: string) => form(r, { grant_type: 'refresh_token', client_id: PORTAL_CLIENT_ID, refresh_token: refreshToken, scope: COGNITIVE });

/**
 * A new password for the user, committed to the store by another process, as the directory's reset does (the
 * development tenant has no HTTP API for a user's password yet): the test opens the store itself.
 */
async function resetPassword(open: () => Promise<Store>, objectId: string): Promise<void> {
  const store = await open();
  try {
    await store.servicePrincipals.setSecretHash(objectId, await hashSecret(randomBytes(16).toString('hex')));
  } finally {
    await store.close();
  }
}

function refusedAsReset(res: RawResponse): boolean {
  return res.status === 400 && /AADSTS50173: .*password was reset/.test(res.text);
}

/** Signs the admin user in on `on` through MSAL; its refresh token and object ID. */
async function signIn(on: ServedGateway, dataDir: string): Promise<{ refreshToken: string; objectId: string }> {
  const app = portalApp(tenantOf(on));
  const signedIn = await msalSignIn(tenantOf(on), app, 'admin', adminPassword(dataDir));
  return { refreshToken: cachedRefreshToken(app), objectId: String(payload(signedIn.accessToken)['oid']) };
}

describe('replicas on one PostgreSQL store', () => {
  let config: string;
  let url: string;
  before(async () => {
    pg = await startPostgres();
    config = join(root, 'postgres.json');
    url = pg.createDatabase('refresh');
    writeFileSync(config, JSON.stringify({ store: { postgres: url }, resources: [{ name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-6' }] }] }));
  });

  test('a refresh token from A is redeemed on B (MSAL), and again after B restarts; a password reset committed elsewhere refuses it on A and B within a second', async (t) => {
    let [a, b] = await startAll([serve(config, 'pg-a'), serve(config, 'pg-b')], (r) => stopChild(r.child));
    const { refreshToken, objectId } = await signIn(a!, join(root, 'pg-a'));
    assert.equal(pg!.sql('SELECT count(*) FROM refresh_tokens', 'refresh'), '1');
    assert.equal(pg!.sql(`SELECT count(*) FROM refresh_tokens WHERE token_hash = '${refreshToken.replace(/'/g, '')}'`, 'refresh'), '0', 'the token itself is not stored');

    // MSAL on B, with the token A issued: a data-plane token for the same user.
    const onB = portalApp(tenantOf(b!));
    const redeemed = await onB.acquireTokenByRefreshToken({ refreshToken, scopes: [COGNITIVE] });
    assert.equal(payload(redeemed!.accessToken)['oid'], objectId);
    assert.equal(payload(redeemed!.accessToken)['aud'], 'https://cognitiveservices.azure.com');

    await stopChild(b!.child, 'SIGTERM');
    b = await serve(config, 'pg-b');
    const again = await refresh(b, refreshToken);
    assert.equal(again.status, 200, `survives B's restart: ${again.text}`);
    const rotated = (again.json() as { refresh_token: string }).refresh_token;

    await resetPassword(() => openConfiguredStore({ dataDir: join(root, 'pg-reset'), store: { postgres: url } }, { CLAUDE_FOUNDRY_SECRET_KEY: secretKey }), objectId);
    const started = Date.now();
    for (;;) {
      const answers = await Promise.all([refresh(b, refreshToken), refresh(a!, rotated)]);
      if (answers.every(refusedAsReset)) break;
      assert.ok(Date.now() - started < 1000, `still redeemed a second after the reset: ${answers.map((r) => r.status).join(' ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    t.diagnostic(`refused on both ${Date.now() - started} ms after the reset`);
    for (const r of [a!, b]) await stopChild(r.child, 'SIGTERM');
  });
});

describe('serve --workers 2 on one SQLite data folder', () => {
  test('every redemption succeeds whichever worker it lands on, a restart keeps the tokens, a reset committed by another process refuses them on both', async () => {
    const config = join(root, 'sqlite.json');
    writeFileSync(config, JSON.stringify({ resources: [{ name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-6' }] }] }));
    let gw = await serve(config, 'workers', ['--workers', '2']);
    const { refreshToken, objectId } = await signIn(gw, join(root, 'workers'));
    // Each call is a new connection, closed before the next: the least-connections primary hands them to the workers in turn, so with tokens in one worker's memory half would fail.
    const tokens = [refreshToken];
    for (let i = 0; i < 8; i++) {
      const res = await refresh(gw, tokens[i % tokens.length]!);
      assert.equal(res.status, 200, `redemption ${i}: ${res.text}`);
      tokens.push((res.json() as { refresh_token: string }).refresh_token);
    }
    await stopChild(gw.child, 'SIGTERM');
    gw = await serve(config, 'workers', ['--workers', '2']);
    for (const token of tokens.slice(0, 4)) assert.equal((await refresh(gw, token)).status, 200, 'kept across the restart');
    await resetPassword(async () => openStore(join(root, 'workers'), { CLAUDE_FOUNDRY_SECRET_KEY: secretKey }), objectId);
    // Both workers read the grant with the user's secret as stored now: refused at once, whichever serves.
    for (const token of tokens.slice(0, 6)) assert.ok(refusedAsReset(await refresh(gw, token)));
    await stopChild(gw.child, 'SIGTERM');
  });
});
