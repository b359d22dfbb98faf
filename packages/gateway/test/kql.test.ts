// KQL over the request log: the subset compiled to parameterized SQL and run on real SQLite and PostgreSQL logs (results
// checked against the records written), values that try SQL injection staying values, errors naming the
// column where the query stops being understood, and POST /monitoring/query behind ARM RBAC on a real gateway.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compileKql } from '../src/telemetry/kql/compile.ts';
import { KqlError } from '../src/telemetry/kql/parse.ts';
import { runKql } from '../src/telemetry/kql/run.ts';
import type { RequestLogRecord } from '../src/telemetry/record.ts';
import type { RequestLogStore } from '../src/telemetry/log-store.ts';
import { type TestGateway, startTestGateway } from './helpers.ts';
import { DIALECTS, openLogStore } from './log-stores.ts';
import { managementToken, messagesTo, monitoring, ROLES } from './telemetry-helpers.ts';

const NOW = Date.UTC(2026, 11, 3, 12);
const HOUR = 3_600_000;
let n = 0;
function record(over: Partial<RequestLogRecord>): RequestLogRecord {
  n++;
  return {
    time: NOW - HOUR, resource: 'alpha', deployment: 'sonnet', model: 'claude-sonnet-4-6', backend: 'simulator', operation: 'messages',
    principal: 'key1', appId: null, clientIp: '10.0.0.1', userAgent: 'Anthropic/JS 0.54.0', status: 200, errorCode: null, stream: false,
    ttfbMs: 5, ttftMs: null, durationMs: 100, overheadMs: 0.5, inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0, cacheReadTokens: 0, costPico: 105_000_000, requestId: `req_${n}`, apimRequestId: `apim-${n}`, clientRequestId: null, upstream: null, attempts: null,
    ...over,
    instance: over.instance ?? over.resource ?? 'alpha',
  };
}

/** Two requests of alpha served by pool members: one failed over, one not. */
const POOLED: Record<number, Partial<RequestLogRecord>> = {
  3: { backend: 'pool', upstream: 'east', attempts: 'west 529, east 200' },
  4: { backend: 'pool', upstream: 'west', attempts: 'west 200' },
};

for (const dialect of DIALECTS) describe(`KQL on a ${dialect} request log`, () => {
  let store: RequestLogStore;
  const rows: RequestLogRecord[] = [];
  before(async () => {
    store = await openLogStore(dialect);
    // alpha: 10 requests an hour ago (durations 100..1000), 2 streams, one 429; beta: 3 two days ago; gamma: 1 (not readable).
    for (let i = 1; i <= 10; i++) {
      rows.push(record({ durationMs: i * 100, time: NOW - HOUR + i * 60_000, stream: i > 8, deployment: i % 2 ? 'sonnet' : 'haiku', principal: `p${i % 3}`,
        ...(i === 5 ? { status: 429, errorCode: 'rate_limited' } : {}), ...POOLED[i], userAgent: i === 7 ? 'claude-cli/1.2 (external, cli)' : 'Anthropic/JS 0.54.0' }));
    }
    for (let i = 0; i < 3; i++) rows.push(record({ resource: 'beta', time: NOW - 48 * HOUR + i * HOUR, deployment: 'opus', outputTokens: 100 }));
    rows.push(record({ resource: 'gamma', deployment: 'secret' }));
    await store.append(rows);
  });
  after(() => store.close());
  const run = (q: string, resources = ['alpha', 'beta']) => runKql(store, q, resources, NOW).then((r) => r.tables[0]!);

  test('where with ago, comparisons, and/or, in, between; project; take', async () => {
    const t = await run('RequestLogs | where TimeGenerated > ago(2h) and (ResultSignature == 429 or DurationMs between (900 .. 1000)) | project CorrelationId, DurationMs, ResultSignature | order by DurationMs asc');
    assert.deepEqual(t.columns.map((c) => c.name), ['CorrelationId', 'DurationMs', 'ResultSignature']);
    assert.deepEqual(t.rows.map((r) => r[1]), [500, 900, 1000]);
    const inList = await run('RequestLogs | where ModelDeploymentName in ("opus", "haiku") | summarize count()');
    assert.deepEqual(inList.rows, [[8]]);
    assert.equal((await run('RequestLogs | take 4')).rows.length, 4);
    assert.deepEqual((await run('RequestLogs | where ModelDeploymentName !in ("opus") | summarize count()')).rows, [[10]]);
    assert.deepEqual((await run('RequestLogs | where not(DurationMs !between (200 .. 300)) | summarize count()')).rows, [[2]]);
  });

  test('has is a whole-term match, contains a substring, both case-insensitive; =~ compares without case', async () => {
    assert.deepEqual((await run('RequestLogs | where UserAgent has "CLI" | summarize count()')).rows, [[1]]);
    assert.deepEqual((await run('RequestLogs | where UserAgent has "cl" | summarize count()')).rows, [[0]], 'not a whole term');
    assert.deepEqual((await run('RequestLogs | where UserAgent contains "ANTHROPIC/js" | summarize count()')).rows, [[12]]);
    assert.deepEqual((await run('RequestLogs | where ModelDeploymentName =~ "OPUS" | summarize count()')).rows, [[3]]);
  });

  test('summarize count, sum, avg, min, max, percentile, dcount by columns and bin(TimeGenerated, 1h); extend; top', async () => {
    const t = await run('RequestLogs | where Resource == "alpha" | summarize count(), total = sum(OutputTokens), avg(DurationMs), min(DurationMs), max(DurationMs), percentile(DurationMs, 90), dcount(ObjectId) by ModelDeploymentName | order by ModelDeploymentName asc');
    assert.deepEqual(t.columns.map((c) => c.name), ['ModelDeploymentName', 'count_', 'total', 'avg_DurationMs', 'min_DurationMs', 'max_DurationMs', 'percentile_DurationMs_90', 'dcount_ObjectId']);
    // haiku: i = 2,4,6,8,10 → 200..1000; sonnet: 1,3,5,7,9 → 100..900. Nearest rank 90 % of 5 → the 5th.
    assert.deepEqual(t.rows, [['haiku', 5, 25, 600, 200, 1000, 1000, 3], ['sonnet', 5, 25, 500, 100, 900, 900, 3]]);
    const byHour = await run('RequestLogs | summarize requests = count() by bin(TimeGenerated, 1h), Resource | order by TimeGenerated asc | render timechart');
    assert.equal(byHour.columns[0]!.type, 'datetime');
    const alphaHours = byHour.rows.filter((r) => r[1] === 'alpha');
    assert.deepEqual(alphaHours.map((r) => r[0]), [new Date(NOW - HOUR).toISOString()], 'bins are whole hours, as ISO 8601');
    assert.deepEqual(alphaHours.map((r) => r[2]), [10]);
    assert.equal((await runKql(store, 'RequestLogs | summarize count() by bin(TimeGenerated, 1h) | render timechart', ['alpha'], NOW)).render, 'timechart');
    const ext = await run('RequestLogs | extend Seconds = DurationMs / 1000 | top 2 by Seconds | project Seconds');
    assert.deepEqual(ext.rows, [[1], [0.9]]);
  });

  test("Upstream and Attempts: a pool's serving member and each member tried", async () => {
    const t = await run('RequestLogs | where isnotempty(Upstream) | project Upstream, Attempts, Backend | order by Upstream asc');
    assert.deepEqual(t.columns.map((c) => [c.name, c.type]), [['Upstream', 'string'], ['Attempts', 'string'], ['Backend', 'string']]);
    assert.deepEqual(t.rows, [['east', 'west 529, east 200', 'pool'], ['west', 'west 200', 'pool']]);
    assert.deepEqual((await run('RequestLogs | where Attempts has "529" | summarize count() by Upstream')).rows, [['east', 1]], 'failed-over requests by the member that served them');
    assert.deepEqual((await run('RequestLogs | where isempty(Upstream) | summarize count()')).rows, [[11]], 'other backends have none');
  });

  test('a caller sees only the resources it may read', async () => {
    const all = await run('RequestLogs | summarize count() by Resource | order by Resource asc');
    assert.deepEqual(all.rows, [['alpha', 10], ['beta', 3]], 'gamma is not readable');
    assert.deepEqual((await run('RequestLogs | where Resource == "gamma" | summarize count()')).rows, [[0]]);
    assert.deepEqual((await run('RequestLogs | summarize count()', [])).rows, [[0]]);
  });

  test('values trying SQL injection stay values: never in the SQL text, matching nothing, the table intact', async () => {
    const evil = [`x' OR '1'='1`, `x"; DROP TABLE request_log; --`, `') UNION SELECT * FROM budgets --`];
    for (const value of evil) {
      const q = `RequestLogs | where ModelDeploymentName == ${JSON.stringify(value)} or UserAgent has ${JSON.stringify(value)} | summarize count()`;
      const compiled = compileKql(q, ['alpha'], NOW, 10, dialect);
      assert.ok(!compiled.sql.includes(value), 'the value is a parameter');
      assert.ok(compiled.params.includes(value));
      assert.deepEqual((await run(q)).rows, [[0]]);
    }
    const singleQuoted = compileKql("RequestLogs | where Resource == 'it\\'s' | take 1", ['alpha'], NOW, 10, dialect);
    assert.ok(singleQuoted.params.includes("it's") && !singleQuoted.sql.includes("it's"), 'no value text in SQL');
    assert.deepEqual((await run('RequestLogs | summarize count()')).rows, [[13]], 'the table is intact');
    // A resource name is bound too: the readable list cannot widen the query.
    assert.deepEqual((await run('RequestLogs | summarize count()', [`alpha' OR 1=1 --`])).rows, [[0]]);
  });

  test('a number compared with a string: SQLite converts and matches the 429; PostgreSQL answers 400 saying why, never a 500', async () => {
    const q = 'RequestLogs | where ResultSignature == "429" | summarize count()';
    if (dialect === 'sqlite') return assert.deepEqual((await run(q)).rows, [[1]]);
    await assert.rejects(run(q), (err: Error & { status?: number }) => err.status === 400 && /The query cannot run: operator does not exist: integer = text/.test(err.message));
  });

  test('errors name what is not understood and the column where it starts', () => {
    const error = (q: string): KqlError => {
      try {
        compileKql(q, ['alpha'], NOW, 10);
      } catch (err) {
        assert.ok(err instanceof KqlError, String(err));
        return err;
      }
      assert.fail(`no error for ${q}`);
    };
    let e = error('RequestLogs | where Model == "x"');
    assert.equal(e.column, 21);
    assert.match(e.message, /Unknown column 'Model'; in scope: TimeGenerated, Resource/);
    e = error('RequestLogs | join (Other) on Id');
    assert.equal(e.column, 15);
    assert.match(e.message, /The operator 'join' is not supported; supported: where, project/);
    e = error('AzureDiagnostics | take 1');
    assert.match(e.message, /Unknown table 'AzureDiagnostics'; the request log is 'RequestLogs'/);
    e = error('RequestLogs | where strcat(Resource, "x") == "y"');
    assert.equal(e.column, 21);
    assert.match(e.message, /'strcat\(\)' is not supported/);
    e = error('RequestLogs | where count() > 1');
    assert.match(e.message, /count\(\) is an aggregation: use it in 'summarize'/);
    e = error('RequestLogs | where ResultSignature == "429');
    assert.match(e.message, /A string is not closed \(at column 40\)/);
    e = error('RequestLogs | take ten');
    assert.match(e.message, /Expected how many rows \(a whole number\), found 'ten'/);
    e = error('RequestLogs | project DurationMs | where Resource == "a"');
    assert.match(e.message, /Unknown column 'Resource'; in scope: DurationMs/);
    e = error('RequestLogs | render piechart');
    assert.match(e.message, /Only 'render timechart' is supported/);
    e = error('RequestLogs | where DurationMs > ago(1x)');
    assert.equal(e.column, 38);
  });
});

describe('POST /monitoring/query', () => {
  let gw: TestGateway;
  let reader: string;
  before(async () => {
    gw = await startTestGateway({
      resources: [
        { name: 'seen', deployments: [{ name: 'claude-sonnet-4-6' }] },
        { name: 'hidden', resourceGroup: 'other-group', deployments: [{ name: 'claude-haiku-4-5' }] },
      ],
    });
    reader = await managementToken(gw, ROLES.reader, '/subscriptions/c1a0de00-5ab5-4000-8000-000000000001/resourceGroups/claude-foundry');
  });
  after(() => gw.close());

  test('answers in Log Analytics shape over the resources the caller may read; bad queries are 400 naming the column; GET is 405; no token 401', async () => {
    assert.equal((await messagesTo(gw, 'seen')).status, 200);
    assert.equal((await messagesTo(gw, 'seen')).status, 200);
    assert.equal((await messagesTo(gw, 'hidden', { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })).status, 200);
    await new Promise((r) => setTimeout(r, 20));
    await gw.telemetry.flush();
    const res = await monitoring(gw, '/monitoring/query', reader, 'POST', { query: 'RequestLogs | summarize count() by Resource, ModelDeploymentName, OperationName' });
    assert.equal(res.status, 200, res.text);
    const body = res.json() as { tables: Array<{ name: string; columns: Array<{ name: string }>; rows: unknown[][] }>; render: null; truncated: boolean };
    assert.equal(body.tables[0]!.name, 'PrimaryResult');
    assert.deepEqual(body.tables[0]!.rows, [['seen', 'claude-sonnet-4-6', 'Messages_Create', 2]]);
    assert.equal(body.truncated, false);
    const denied = await monitoring(gw, '/monitoring/query?resource=hidden', reader, 'POST', { query: 'RequestLogs | take 1' });
    assert.equal(denied.status, 403);
    const bad = await monitoring(gw, '/monitoring/query', reader, 'POST', { query: 'RequestLogs | where Nope > 1' });
    assert.equal(bad.status, 400);
    assert.match((bad.json() as { error: { message: string } }).error.message, /Unknown column 'Nope'.*at column 21/);
    assert.equal((await monitoring(gw, '/monitoring/query', reader, 'POST', {})).status, 400);
    assert.equal((await monitoring(gw, '/monitoring/query', reader, 'GET')).status, 405);
    assert.equal((await monitoring(gw, '/monitoring/query', undefined, 'POST', { query: 'RequestLogs' })).status, 401);
  });
});

test('datetime() takes a quoted or an unquoted date; a bad one says what to write', async () => {
  const at = Date.UTC(2026, 10, 1);
  assert.deepEqual(compileKql('RequestLogs | where TimeGenerated >= datetime(2026-11-01) | take 1', [], NOW, 1).params.slice(0, 1), [at]);
  assert.deepEqual(compileKql('RequestLogs | where TimeGenerated >= datetime("2026-11-01T00:00:00Z") | take 1', [], NOW, 1).params.slice(0, 1), [at]);
  assert.throws(() => compileKql('RequestLogs | where TimeGenerated >= datetime(yesterday)', [], NOW, 1), /datetime\(\) takes a date such as 2026-11-01/);
});
