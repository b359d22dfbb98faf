// The monitoring commands end to end: their real binary against a real gateway, as a user types them.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELLO, messages, startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { DIALECTS, postgresDatabase } from '../../gateway/test/log-stores.ts';
import { stopChild } from '../../gateway/test/child-helpers.ts';

const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));
// The gateway is found from its data folder (admin-credentials.json), not from the environment.
const { CLAUDE_FOUNDRY_URL: _url, ...ENV }: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
const run = promisify(execFile);

// On both request-log stores: logs.db, and PostgreSQL as replicas share it.
for (const dialect of DIALECTS) describe(`usage, cost, logs and budget (request log on ${dialect})`, () => {
  let gw: TestGateway;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--data-dir', gw.dataDir], { env: ENV, timeout: 20_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    gw = await startTestGateway(dialect === 'postgres' ? { store: { postgres: await postgresDatabase() } } : {});
    for (let i = 0; i < 3; i++) await messages(gw);
    await messages(gw, { ...HELLO, model: 'claude-haiku-4-5', stream: true });
    await messages(gw, { ...HELLO, model: 'missing' });
    await new Promise((r) => setTimeout(r, 20));
    await gw.telemetry.flush();
  });
  after(() => gw.close());

  test('usage draws a sparkline and a table with totals; --json gives the API answer', async () => {
    const r = await cli('usage', '--interval', 'minute', '--since', '10m', '--by', 'deployment');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Tokens per minute, .* UTC {2}[▁▂▃▄▅▆▇█]+$/m);
    assert.match(r.stdout, /claude-sonnet-4-6 +3 /);
    assert.match(r.stdout, /^total +5 /m);
    const json = JSON.parse((await cli('usage', '--json', '--since', '10m')).stdout) as { totals: { requests: number } };
    assert.equal(json.totals.requests, 5);
  });

  test('cost prints the month so far, the forecast and a bar per day', async () => {
    const r = await cli('cost');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^claude-local {2}\d{4}-\d\d: \$0\.\d{6} so far, forecast \$\d+\.\d{6} by month end \(run rate \$\d+\.\d{6}\/h\); no budget$/m);
    assert.match(r.stdout, /█/);
  });

  test('logs lists the requests newest first, filters by status, and --follow prints new ones as they come', async () => {
    const all = await cli('logs');
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split('\n');
    assert.equal(lines.length, 6, all.stdout);
    assert.match(lines[1]!, / 404 +deployment_not_found /);
    const only404 = JSON.parse((await cli('logs', '--status', '4xx', '--json')).stdout) as { value: unknown[] };
    assert.equal(only404.value.length, 1);

    const child = spawn(process.execPath, [BIN, 'logs', '--follow', '--every', '0.2', '--json', '--data-dir', gw.dataDir, '--since', '10m'], { env: ENV });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    let code: number | null;
    try {
      // The first lines wait for the CLI to start, which takes far longer than 8 s on a loaded machine; the follow stays timed.
      await waitFor(() => out.split('\n').filter(Boolean).length >= 5, 60_000);
      const fresh = await messages(gw, HELLO, { 'x-ms-client-request-id': 'followed-call' });
      await waitFor(() => out.includes(String(fresh.headers['request-id'])), 8000);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      code = await exited;
    } finally {
      // A wait that failed leaves `logs --follow` running: it would hold the test process open.
      await stopChild(child);
    }
    assert.equal(code, 0);
    const last = JSON.parse(out.trim().split('\n').at(-1)!) as { clientRequestId: string };
    assert.equal(last.clientRequestId, 'followed-call');
  });

  test('logs query runs KQL: a table, a timechart drawn in the terminal, --json; a query it does not understand is exit 1 naming the column', async () => {
    const t = await cli('logs', 'query', 'RequestLogs | summarize requests = count() by ModelDeploymentName | order by requests desc');
    assert.equal(t.code, 0, t.stderr);
    // Three requests in before(), one more from the --follow test when it runs first.
    assert.match(t.stdout, /^ModelDeploymentName +requests\nclaude-sonnet-4-6 +[34]\n/);
    assert.match(t.stdout, /^claude-haiku-4-5 +1$/m);
    const chart = await cli('logs', 'query', 'RequestLogs | summarize count() by bin(TimeGenerated, 1m) | render timechart');
    assert.equal(chart.code, 0, chart.stderr);
    assert.match(chart.stdout, /^count_ \(max \d+\)$/m);
    assert.match(chart.stdout, /│[ ▁▂▃▄▅▆▇█]+$/m);
    assert.match(chart.stdout, /└─+\n +\d{4}-\d\d-\d\d \d\d:\d\d … /);
    const json = JSON.parse((await cli('logs', 'query', 'RequestLogs | where ResultSignature == 404 | project ErrorCode', '--json')).stdout) as { tables: Array<{ rows: unknown[][] }> };
    assert.deepEqual(json.tables[0]!.rows, [['deployment_not_found']]);
    const bad = await cli('logs', 'query', 'RequestLogs | where Nope == 1');
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stderr, /Unknown column 'Nope'.*column 21/);
    assert.equal((await cli('logs', 'query')).code, 2);
  });

  test('budget set, list and delete; a bad amount is a usage error (exit 2)', async () => {
    const set = await cli('budget', 'set', 'claude-local', '25', '--thresholds', '50,90');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Budget of claude-local: \$25\.000000 a month, alerts at 50%, 90%; \$0\.\d{6} used in \d{4}-\d\d\./);
    const list = await cli('budget', 'list');
    assert.match(list.stdout, /claude-local +25\.000000 +0\.\d{6} +[\d.]+% .* 50% 90% +no/);
    assert.equal((await cli('budget', 'set', 'claude-local', 'lots')).code, 2);
    assert.equal((await cli('budget', 'delete', 'claude-local')).code, 0);
    const gone = await cli('budget', 'delete', 'claude-local');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^claude-foundry: 404: The resource 'claude-local' has no budget\.\n$/);
  });

  test('a gateway that is not running is exit 3 with one line saying what to do', async () => {
    const r = await cli('usage', '--url', 'http://127.0.0.1:9');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });
});

async function waitFor(ready: () => boolean, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
