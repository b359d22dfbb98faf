// Cost, budgets and who may see them: the monitoring API behind ARM tokens and RBAC, budgets whose thresholds
// record an alert once each, enforcement with APIM's 403, the forecast, and content logging's rules; on both
// request-log stores (logs.db and PostgreSQL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { startGateway } from '../src/gateway.ts';
import { parseUsd } from '../src/telemetry/money.ts';
import { HELLO, messages, TEST_RESOURCES, type TestGateway, startTestGateway } from './helpers.ts';
import { DIALECTS, POSTGRES_STORE_ENV, postgresDatabase } from './log-stores.ts';
import { loggedRecord, managementToken, messagesTo, monitoring, ROLES } from './telemetry-helpers.ts';

for (const dialect of DIALECTS) describe(`the monitoring API (request log on ${dialect})`, () => {
  let gw: TestGateway;
  let reader: string;
  let owner: string;
  before(async () => {
    gw = await startTestGateway({
      ...(dialect === 'postgres' ? { store: { postgres: await postgresDatabase() } } : {}),
      resources: [
        { name: 'spend', deployments: [{ name: 'claude-sonnet-4-6' }] },
        { name: 'private', resourceGroup: 'other-group', contentLogging: true, deployments: [{ name: 'claude-haiku-4-5' }] },
      ],
      monitoring: { contentMaxBytes: 200 },
    }, dialect === 'postgres' ? { env: POSTGRES_STORE_ENV } : {});
    reader = await managementToken(gw, ROLES.reader, '/subscriptions/c1a0de00-5ab5-4000-8000-000000000001/resourceGroups/claude-foundry');
    owner = await managementToken(gw, ROLES.owner);
  });
  after(() => gw.close());

  test('no token is 401, a token without a role is 403 in ARM shape, a Reader reads only where assigned', async () => {
    const none = await monitoring(gw, '/monitoring/usage', undefined);
    assert.equal(none.status, 401);
    assert.equal((none.json() as { error: { code: string } }).error.code, 'AuthenticationFailed');
    const nobody = await managementToken(gw, null);
    const denied = await monitoring(gw, '/monitoring/usage?resource=spend', nobody);
    assert.equal(denied.status, 403);
    assert.match((denied.json() as { error: { code: string; message: string } }).error.message, /Microsoft\.Insights\/metrics\/read/);
    assert.equal((await monitoring(gw, '/monitoring/usage?resource=spend', reader)).status, 200);
    assert.equal((await monitoring(gw, '/monitoring/logs?resource=private', reader)).status, 403, 'private is in another resource group');
    const all = (await monitoring(gw, '/monitoring/cost', reader)).json() as { value: Array<{ resource: string }> };
    assert.deepEqual(all.value.map((v) => v.resource), ['spend'], 'without a resource filter: the resources it may read');
    assert.equal((await monitoring(gw, '/monitoring/usage?interval=week', reader)).status, 400);
  });

  test('a Reader cannot set a budget; an Owner can; thresholds record an alert once each; enforce refuses with 403 QuotaExceeded', async () => {
    assert.equal((await monitoring(gw, '/monitoring/budgets/spend', reader, 'PUT', { amountUsd: '1' })).status, 403);
    const bad = await monitoring(gw, '/monitoring/budgets/spend', owner, 'PUT', { amountUsd: 'lots' });
    assert.equal(bad.status, 400);
    // Each hello costs well under a cent: a budget of one request's cost is crossed by the first.
    const first = await messagesTo(gw, 'spend');
    const cost = (await loggedRecord(gw, reader, String(first.headers['request-id']))).costUsd;
    const set = await monitoring(gw, '/monitoring/budgets/spend', owner, 'PUT', { amountUsd: cost, thresholds: [50, 100], enforce: true });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual((set.json() as { percentUsed: number; spentUsd: string }).spentUsd, cost);
    const refused = await messagesTo(gw, 'spend');
    assert.equal(refused.status, 403);
    const body = refused.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'QuotaExceeded');
    assert.match(body.error.message, /Quota will be replenished in \d+\.\d\d:\d\d:\d\d/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const alerts = (await monitoring(gw, '/monitoring/alerts?resource=spend', reader)).json() as { value: Array<{ threshold: number }> };
    assert.deepEqual(alerts.value.map((a) => a.threshold), [50, 100]);
    const relaxed = await monitoring(gw, '/monitoring/budgets/spend', owner, 'PUT', { amountUsd: '100', thresholds: [50, 100] });
    assert.equal(relaxed.status, 200);
    assert.equal((await messagesTo(gw, 'spend')).status, 200);
    const listed = (await monitoring(gw, '/monitoring/budgets', reader)).json() as { value: Array<{ amountUsd: string; enforce: boolean }> };
    assert.deepEqual(listed.value.map((b) => [b.amountUsd, b.enforce]), [['100', false]]);
    assert.equal((await monitoring(gw, '/monitoring/budgets/spend', owner, 'DELETE')).status, 200);
    assert.equal((await monitoring(gw, '/monitoring/budgets/spend', reader)).status, 404);
  });

  test('cost: month to date, the run rate and the month-end forecast, as exact decimal strings', async () => {
    await gw.telemetry.flush();
    const res = await monitoring(gw, '/monitoring/cost?resource=spend', reader);
    assert.equal(res.status, 200);
    const [spend] = (res.json() as { value: Array<{ monthToDateUsd: string; forecastUsd: string; runRatePerHourUsd: string; series: Array<{ costUsd: string }> }> }).value;
    assert.ok(spend);
    const mtd = parseUsd(spend.monthToDateUsd);
    assert.ok(mtd > 0n);
    assert.equal(spend.series.reduce((n, s) => n + parseUsd(s.costUsd), 0n), mtd, 'the daily series adds up to the month so far');
    assert.ok(parseUsd(spend.forecastUsd) >= mtd);
    assert.equal(parseUsd(spend.runRatePerHourUsd), mtd, 'all of it within the first hour: the rate is that hour’s cost');
  });

  test('follow mode: the cursor a page gives follows on from it exactly; a cursor not given out is 400 naming `after`', async () => {
    const page = await monitoring(gw, '/monitoring/logs?resource=spend', reader);
    assert.equal(page.status, 200, page.text);
    const cursor = (page.json() as { cursor: string }).cursor;
    const fresh = await messagesTo(gw, 'spend');
    assert.equal(fresh.status, 200);
    await new Promise((r) => setTimeout(r, 20));
    await gw.telemetry.flush();
    const next = await monitoring(gw, `/monitoring/logs?resource=spend&after=${encodeURIComponent(cursor)}`, reader);
    const body = next.json() as { value: Array<{ requestId: string }>; cursor: string };
    assert.deepEqual(body.value.map((r) => r.requestId), [String(fresh.headers['request-id'])]);
    const again = await monitoring(gw, `/monitoring/logs?resource=spend&after=${encodeURIComponent(body.cursor)}`, reader);
    assert.deepEqual((again.json() as { value: unknown[] }).value, []);
    for (const bad of ['garbage', 'p!!', `p${Buffer.from('{"snapshot":"1:2:x"}').toString('base64url')}`]) {
      const r = await monitoring(gw, `/monitoring/logs?after=${encodeURIComponent(bad)}`, reader);
      assert.equal(r.status, 400, bad);
      assert.match((r.json() as { error: { message: string } }).error.message, /The query parameter 'after' must be the `cursor` of a previous answer/);
    }
    if (dialect === 'sqlite') {
      const foreign = `p${Buffer.from('{"snapshot":"10:10:"}').toString('base64url')}`;
      const r = await monitoring(gw, `/monitoring/logs?after=${foreign}`, reader);
      assert.equal(r.status, 400);
      assert.match(r.text, /a cursor of a PostgreSQL request log; this gateway logs to SQLite/);
    }
  });

  test('content logging keeps the bodies, cut at contentMaxBytes; other resources never store them', async () => {
    const res = await messagesTo(gw, 'private', { ...HELLO, model: 'claude-haiku-4-5' });
    assert.equal(res.status, 200);
    const everything = await managementToken(gw, ROLES.reader);
    await gw.telemetry.flush();
    const logged = (await monitoring(gw, `/monitoring/logs?requestId=${res.headers['request-id']}&includeContent=true`, everything)).json() as { value: Array<{ content?: { request: string; response: string; truncated: boolean } }> };
    const content = logged.value[0]?.content;
    assert.ok(content);
    assert.equal(content.request, JSON.stringify({ ...HELLO, model: 'claude-haiku-4-5' }));
    assert.equal(content.response.length, 200);
    assert.equal(content.truncated, true);
    const plain = await messagesTo(gw, 'spend');
    await gw.telemetry.flush();
    const unlogged = (await monitoring(gw, `/monitoring/logs?requestId=${plain.headers['request-id']}&includeContent=true`, everything)).json() as { value: Array<{ content?: unknown }> };
    assert.equal(unlogged.value[0]?.content, undefined);
  });
});

test('a resource with zero data retention cannot turn content logging on: a config error naming both', () => {
  assert.throws(
    () => loadConfig({ env: {}, overrides: { resources: [{ name: 'zdr', zeroDataRetention: true, contentLogging: true, deployments: [] }] } }),
    /resources\[0\]: contentLogging cannot be turned on for a resource with zeroDataRetention/,
  );
  assert.throws(() => loadConfig({ env: {}, overrides: { resources: [{ name: 'r', logRetentionDays: 0, deployments: [] }] } }), /logRetentionDays/);
});

for (const dialect of DIALECTS) test(`${dialect}: a restart keeps budgets and the month so far: an enforced budget still refuses, decided in memory`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-budget-'));
  const store = dialect === 'postgres' ? { store: { postgres: await postgresDatabase() } } : {};
  const start = async () => Object.assign(await startGateway({ overrides: { port: 0, host: '127.0.0.1', dataDir, resources: TEST_RESOURCES, ...store }, env: dialect === 'postgres' ? POSTGRES_STORE_ENV : {} }), { dataDir });
  try {
    const first = await start();
    assert.equal((await messages(first)).status, 200);
    const owner = await managementToken(first, ROLES.owner);
    assert.equal((await monitoring(first, '/monitoring/budgets/claude-local', owner, 'PUT', { amountUsd: '0.000001', enforce: true })).status, 200);
    await first.close();
    const second = await start();
    try {
      const refused = await messages(second);
      assert.equal(refused.status, 403);
      assert.equal((refused.json() as { error: { code: string } }).error.code, 'QuotaExceeded');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
