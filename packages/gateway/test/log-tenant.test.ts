// A resource name is free again once its account is deleted (Azure's too): the account created next under it, in
// another resource group for another owner, must see nothing of the first one's request log, usage, cost, KQL rows,
// budget, alerts or month-to-date spend, and an enforced budget the first one used up must not refuse it. On
// SQLite and PostgreSQL, with the management SDK for ARM and the Foundry SDK for the data plane.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { PermissionDeniedError } from '@anthropic-ai/foundry-sdk/core/error';
import { raw, startTestGateway, type TestGateway } from './helpers.ts';
import { credential, SUBSCRIPTION } from './identity-helpers.ts';
import pg from 'pg';
import type { RequestLogStore } from '../src/telemetry/log-store.ts';
import { PostgresLogStore } from '../src/telemetry/postgres/store.ts';
import type { RequestLogRecord } from '../src/telemetry/record.ts';
import type { SqliteLogStore } from '../src/telemetry/sqlite-store.ts';
import { DIALECTS, openLogStore, POSTGRES_STORE_ENV, postgresDatabase } from './log-stores.ts';
import { managementToken, monitoring, ROLES } from './telemetry-helpers.ts';

const params = { max_tokens: 16, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };
const NAME = 'reuse';
const METRICS_TOKEN = 'metrics-token-0123456789';

for (const dialect of DIALECTS) {
  describe(`${dialect}: an account created again under a deleted account's name`, () => {
    let gw: TestGateway;
    let arm: CognitiveServicesManagementClient;
    let owner: string;

    before(async () => {
      const monitoringSettings = { monitoring: { metricsToken: METRICS_TOKEN } };
      gw = await startTestGateway(
        dialect === 'postgres' ? { ...monitoringSettings, store: { postgres: await postgresDatabase() } } : monitoringSettings,
        dialect === 'postgres' ? { env: POSTGRES_STORE_ENV } : {},
      );
      const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
      const agent = new Agent({ ca: gw.identity.caPem });
      arm = new CognitiveServicesManagementClient(credential(gw, admin.clientId, admin.clientSecret), SUBSCRIPTION, {
        endpoint: gw.httpsUrl,
        additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-gateway-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
      });
      owner = await managementToken(gw, ROLES.owner);
    });
    after(() => gw.close());

    /** The account in `group` with a deployment, and a Foundry client on key1. */
    async function create(group: string): Promise<AnthropicFoundry> {
      await arm.accounts.beginCreateAndWait(group, NAME, { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } });
      await arm.deployments.beginCreateOrUpdateAndWait(group, NAME, 'sonnet', {
        sku: { name: 'GlobalStandard', capacity: 10 },
        properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6', version: '20250929' } },
      });
      const { key1 } = await arm.accounts.listKeys(group, NAME);
      return new AnthropicFoundry({ baseURL: `${gw.url}/${NAME}/anthropic`, apiKey: key1!, maxRetries: 0 });
    }

    const read = async (path: string, method = 'GET', body?: unknown) => {
      const res = await monitoring(gw, path, owner, method, body);
      return { status: res.status, body: res.json() as Record<string, unknown> };
    };
    const kqlCount = async () => {
      const res = await read(`/monitoring/query?resource=${NAME}`, 'POST', { query: 'RequestLogs | summarize n = count(), cost = sum(CostUsd)' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return ((res.body['tables'] as Array<{ rows: unknown[][] }>)[0]!.rows[0]![0]) as number;
    };
    const logIds = async () => {
      const res = await read(`/monitoring/logs?resource=${NAME}&from=1h&limit=1000`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body['value'] as Array<{ requestId: string }>).map((r) => r.requestId);
    };
    const usageRequests = async () => (((await read(`/monitoring/usage?resource=${NAME}&from=1h&interval=minute`)).body['totals']) as { requests: number }).requests;
    /** The /metrics lines of the resource. */
    const metricLines = async () =>
      (await raw(gw, { method: 'GET', path: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text.split('\n').filter((l) => l.includes(`resource="${NAME}"`));
    const costOf = async () => ((await read(`/monitoring/cost?resource=${NAME}`)).body['value'] as Array<{ monthToDateUsd: string; budget: unknown; series: unknown[] }>)[0]!;

    test('sees none of the old one\'s records, usage, cost, KQL rows, budget, alerts or spend, and its enforced budget does not refuse the new one', async () => {
      const old = await create('tenant-a');
      const oldIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await old.messages.create({ model: 'sonnet', ...params }).withResponse();
        oldIds.push(response.headers.get('request-id')!);
      }
      // A budget the old account has used up, enforced, with its alerts recorded.
      assert.equal((await read(`/monitoring/budgets/${NAME}`, 'PUT', { amountUsd: '0.000001', thresholds: [50, 100], enforce: true })).status, 200);
      const refused = await old.messages.create({ model: 'sonnet', ...params }).catch((err: unknown) => err);
      assert.ok(refused instanceof PermissionDeniedError, `the old account's budget is enforced: ${String(refused)}`);
      await gw.telemetry.flush();
      // What the old account sees: its own (the check below would pass on an empty log otherwise).
      assert.deepEqual((await logIds()).filter((id) => oldIds.includes(id)).sort(), [...oldIds].sort());
      assert.ok((await usageRequests()) >= 3);
      assert.ok((await kqlCount()) >= 3);
      assert.notEqual((await costOf()).monthToDateUsd, '0');
      assert.equal(((await read(`/monitoring/alerts?resource=${NAME}`)).body['value'] as unknown[]).length, 2);
      assert.ok((await metricLines()).length > 0);

      await arm.accounts.beginDeleteAndWait('tenant-a', NAME);
      const fresh = await create('tenant-b');

      assert.deepEqual(await logIds(), [], 'no record of the old account');
      assert.equal(await usageRequests(), 0, 'no usage of the old account');
      assert.equal(await kqlCount(), 0, 'no KQL row of the old account');
      const cost = await costOf();
      assert.equal(cost.monthToDateUsd, '0', 'the month-to-date spend starts at 0');
      assert.equal(cost.budget, null);
      assert.deepEqual(cost.series, []);
      assert.equal((await read(`/monitoring/budgets/${NAME}`)).status, 404, 'no budget inherited');
      assert.deepEqual((await read(`/monitoring/budgets?resource=${NAME}`)).body['value'], []);
      assert.deepEqual((await read(`/monitoring/alerts?resource=${NAME}`)).body['value'], [], 'no alert inherited');
      assert.deepEqual(await metricLines(), [], 'no /metrics series of the old account');

      // The old account's enforced, used-up budget does not refuse the new one; its own requests are its own.
      const { data, response } = await fresh.messages.create({ model: 'sonnet', ...params }).withResponse();
      assert.equal(data.type, 'message');
      await gw.telemetry.flush();
      assert.deepEqual(await logIds(), [response.headers.get('request-id')]);
      assert.equal(await usageRequests(), 1);
      assert.equal(await kqlCount(), 1);
      assert.notEqual((await costOf()).monthToDateUsd, '0');

      // A budget of its own then works as before: set, enforced, and reported with its own spend only.
      const own = await read(`/monitoring/budgets/${NAME}`, 'PUT', { amountUsd: '100', enforce: true });
      assert.equal(own.status, 200);
      assert.equal(own.body['spentUsd'], (await costOf()).monthToDateUsd);
    });
  });
}

// Rows written before records carried an instance (what log migrations 4 and 2 leave: NULL in request_log,
// '-name' in the rollups, budgets and alerts) go to the live resource only from its creation on.
for (const dialect of DIALECTS) {
  test(`${dialect}: rows from before instances are adopted by the live resource from its creation on; the older account's stay unreadable`, async () => {
    const url = dialect === 'postgres' ? await postgresDatabase() : undefined;
    const store = url !== undefined ? await PostgresLogStore.open(url) : await openLogStore('sqlite');
    const created = Date.UTC(2026, 10, 25, 12, 30); // the second account, mid-hour
    const row = (time: number, requestId: string): RequestLogRecord => ({
      time, resource: 'reuse', instance: 'x', deployment: 'sonnet', model: 'claude-sonnet-4-6', backend: 'simulator', upstream: null, attempts: null,
      operation: 'messages', principal: 'key1', appId: null, clientIp: null, userAgent: null, status: 200, errorCode: null, stream: false, ttfbMs: 1,
      ttftMs: null, durationMs: 2, overheadMs: 1, inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0,
      costPico: 1_000_000, requestId, apimRequestId: `apim-${requestId}`, clientRequestId: null,
    });
    try {
      // The first account: a day before, and 10 minutes before the second one's creation (the same hour).
      await store.append([row(created - 86_400_000, 'old-1'), row(created - 600_000, 'old-2'), row(created + 60_000, 'new-1'), row(created + 3_600_000, 'new-2')]);
      await store.putBudget({ instance: 'x', resource: 'reuse', amountPico: 1n, thresholds: [100], enforce: true, updatedAt: created - 1000 });
      await store.recordAlert({ instance: 'x', resource: 'reuse', month: '2026-11', threshold: 100, spentPico: 5n, amountPico: 1n, time: created - 500 });
      // As the migration leaves them.
      await legacy(store, url);
      const instance = 'b'.repeat(32);
      const q = { from: 0, to: created + 86_400_000, instances: [instance] };
      assert.deepEqual((await store.logs({ ...q, limit: 100, includeContent: false })).records, [], 'nothing is anyone\'s before adoption');
      await store.adopt([{ name: 'reuse', instance, createdAt: created }]);
      await store.adopt([{ name: 'reuse', instance, createdAt: created }]); // again (another start): nothing changes
      assert.deepEqual((await store.logs({ ...q, limit: 100, includeContent: false })).records.map((r) => r.requestId), ['new-2', 'new-1']);
      const requests = async (interval: 'minute' | 'hour' | 'day') => (await store.usage({ ...q, interval, groupBy: [] })).reduce((t, r) => t + r.requests, 0);
      assert.equal(await requests('minute'), 2);
      // The creation's hour and day also hold the first account's old-2: left out rather than mixed in.
      assert.equal(await requests('hour'), 1);
      assert.equal(await requests('day'), 0);
      assert.deepEqual(await store.budgets(), [], "the first account's budget is not the second's");
      assert.deepEqual(await store.alerts([instance], 0), []);
      assert.deepEqual(await store.costSince(0, [instance]), { [instance]: 1_000_000n });
    } finally {
      await store.close();
    }
  });

  test(`${dialect}: a start stopped during the raw rows' batches resumes them at the next start, though the rollups were adopted already`, async () => {
    const url = dialect === 'postgres' ? await postgresDatabase() : undefined;
    const store = url !== undefined ? await PostgresLogStore.open(url) : await openLogStore('sqlite');
    const created = Date.UTC(2026, 10, 25, 12, 0);
    const row = (time: number, requestId: string): RequestLogRecord => ({
      time, resource: 'resumed', instance: 'x', deployment: 'sonnet', model: 'claude-sonnet-4-6', backend: 'simulator', upstream: null, attempts: null,
      operation: 'messages', principal: 'key1', appId: null, clientIp: null, userAgent: null, status: 200, errorCode: null, stream: false, ttfbMs: 1,
      ttftMs: null, durationMs: 2, overheadMs: 1, inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0,
      costPico: 1_000_000, requestId, apimRequestId: `apim-${requestId}`, clientRequestId: null,
    });
    try {
      // Only rows of the live account (all after its creation): once its rollups are adopted no '-name' row is left.
      await store.append([row(created + 60_000, 'r-1'), row(created + 120_000, 'r-2')]);
      await legacy(store, url);
      const instance = 'c'.repeat(32);
      await store.adopt([{ name: 'resumed', instance, createdAt: created }]);
      // As if the process stopped after the rollups' transaction, before the raw rows' batches.
      const undo = `UPDATE request_log SET instance = NULL WHERE resource = 'resumed'`;
      if (url === undefined) (store as SqliteLogStore).querySync(undo, []);
      else {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(undo).finally(() => client.end());
      }
      const q = { from: 0, to: created + 86_400_000, instances: [instance], limit: 100, includeContent: false };
      assert.deepEqual((await store.logs(q)).records, [], 'the raw rows are nobody\'s until resumed');
      await store.adopt([{ name: 'resumed', instance, createdAt: created }]);
      assert.deepEqual((await store.logs(q)).records.map((r) => r.requestId), ['r-2', 'r-1']);
    } finally {
      await store.close();
    }
  });
}

/** Turns the store's rows into what a log written before instances looks like after its migration. */
async function legacy(store: RequestLogStore, url: string | undefined): Promise<void> {
  const statements = [
    'UPDATE request_log SET instance = NULL',
    ...['usage_minute', 'usage_hour', 'usage_day', 'budgets', 'budget_alerts'].map((t) => `UPDATE ${t} SET instance = '-' || lower(resource)`),
  ];
  if (url === undefined) {
    for (const sql of statements) (store as SqliteLogStore).querySync(sql, []);
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}
