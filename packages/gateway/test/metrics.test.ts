// The Prometheus endpoint: authenticated by a bearer token on the main listener or served on a listener of
// its own, text that a strict parser of the exposition format accepts, and label sets bounded.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Registry } from '../src/telemetry/metrics.ts';
import { ACCOUNT, accountPath, adminToken, armWith, callResource, deploymentBody, deploymentPath, keysOf } from './control-helpers.ts';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { HELLO, messages, raw, type TestGateway, startTestGateway } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format strictly: every sample belongs to a declared family; histograms are consistent. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.ok(['counter', 'gauge', 'histogram'].includes(meta[3]!), line);
        assert.ok(!types.has(meta[2]!), `one TYPE per family: ${meta[2]}`);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let l = re.exec(body); l; l = re.exec(body)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
      consumed = re.lastIndex;
    }
    assert.equal(consumed, body.length, `labels parse: ${line}`);
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `value: ${line}`);
    const family = types.has(m[1]!) ? m[1]! : m[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample before its TYPE: ${line}`);
    if (types.get(family) === 'histogram') assert.notEqual(family, m[1], `a histogram sample has a suffix: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  // Histograms: buckets cumulative, +Inf equals _count.
  const series = new Map<string, Sample[]>();
  for (const s of samples.filter((s) => s.name.endsWith('_bucket'))) {
    const { le: _le, ...rest } = s.labels;
    const key = `${s.name}${JSON.stringify(rest)}`;
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `cumulative: ${key}`);
    const last = buckets[buckets.length - 1]!;
    assert.equal(last.labels['le'], '+Inf');
    const { le: _le, ...rest } = last.labels;
    const count = samples.find((s) => s.name === last.name.replace(/_bucket$/, '_count') && JSON.stringify(s.labels) === JSON.stringify(rest));
    assert.equal(count?.value, last.value, `+Inf = _count: ${key}`);
  }
  return { types, samples };
}

function scrape(port: number, token?: string): Promise<{ status: number; text: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the metrics endpoint', () => {
  let gw: TestGateway;
  before(async () => {
    // The pool test's member is a local mock: the upstream policy must allow it (security.md).
    gw = await startTestGateway({ monitoring: { metricsToken: TOKEN, metricsPort: 0 }, upstreams: { allow: ['127.0.0.1'], allowHttp: true } });
  });
  after(() => gw.close());

  test('refuses a scrape without the bearer token (401, Azure shape) and serves the text format with it', async () => {
    const none = await raw(gw, { method: 'GET', path: '/metrics' });
    assert.equal(none.status, 401);
    assert.equal((none.json() as { error: { code: string } }).error.code, 'AuthenticationFailed');
    assert.equal((await raw(gw, { method: 'GET', path: '/metrics', headers: { authorization: 'Bearer wrong-token-000000000' } })).status, 401);
    const ok = await scrape(gw.port, TOKEN);
    assert.equal(ok.status, 200);
    assert.equal(ok.type, 'text/plain; version=0.0.4; charset=utf-8');
    parseExposition(ok.text);
  });

  test('after JSON, streamed, failed and rate-limited requests, the text parses and counts them by status class and code', async () => {
    await messages(gw);
    await messages(gw, { ...HELLO, stream: true });
    await messages(gw, { ...HELLO, model: 'nope' });
    await messages(gw, HELLO, { 'x-claude-foundry-simulate': 'fault=429' });
    await new Promise((r) => setTimeout(r, 20));
    const { types, samples } = parseExposition((await scrape(gw.telemetry.metricsPort!, TOKEN)).text);
    for (const name of [
      'gen_ai_server_request_duration_seconds', 'gen_ai_server_time_to_first_token_seconds', 'gen_ai_server_time_per_output_token_seconds',
      'gen_ai_client_operation_duration_seconds', 'gen_ai_client_token_usage', 'claude_foundry_gateway_overhead_seconds', 'TimeToResponse',
    ]) {
      assert.equal(types.get(name), 'histogram', name);
    }
    const value = (name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
    assert.equal(value('claude_foundry_requests_total', { resource: 'claude-local', deployment: 'claude-sonnet-4-6', operation: 'messages', status_class: '2xx' }), 2);
    assert.equal(value('claude_foundry_requests_total', { status_class: '4xx' }), 2);
    assert.equal(value('claude_foundry_rate_limit_rejections_total', { error_type: 'rate_limited' }), 1);
    assert.equal(value('claude_foundry_request_errors_total', { error_type: 'deployment_not_found' }), 1);
    assert.equal(value('gen_ai_server_time_to_first_token_seconds_count', {}), 1, 'one stream');
    assert.equal(value('gen_ai_server_time_per_output_token_seconds_count', {}), 1, 'one successful stream');
    const chat = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'anthropic', gen_ai_request_model: 'claude-sonnet-4-6', gen_ai_response_model: 'claude-sonnet-4-6' };
    assert.equal(value('gen_ai_server_request_duration_seconds_count', { ...chat, error_type: '' }), 2, 'two successes, no error.type');
    assert.equal(value('gen_ai_server_request_duration_seconds_count', { ...chat, error_type: 'rate_limited' }), 1);
    assert.equal(value('gen_ai_server_request_duration_seconds_count', { gen_ai_request_model: 'nope' }), 0, 'an unknown deployment names no model');
    assert.equal(value('gen_ai_client_operation_duration_seconds_count', chat), 3);
    const output = value('gen_ai_client_token_usage_sum', { ...chat, gen_ai_token_type: 'output' });
    assert.ok(output > 0);
    assert.equal(value('gen_ai_client_token_usage_count', { gen_ai_token_type: 'input' }), 2);
    assert.equal(value('ModelRequests', { ModelDeploymentName: 'claude-sonnet-4-6', StatusCode: '200', StreamType: 'Streaming' }), 1);
    assert.equal(value('ModelRequests', { ModelDeploymentName: 'claude-sonnet-4-6', StatusCode: '429', StreamType: 'Non-streaming' }), 1);
    assert.equal(value('OutputTokens', { ModelName: 'claude-sonnet-4-6' }), output);
    assert.equal(value('TotalTokens', {}), value('InputTokens', {}) + value('OutputTokens', {}));
    assert.equal(value('claude_foundry_tokens_total', { token_type: 'output' }), output);
    assert.equal(value('claude_foundry_request_log_dropped_total', {}), 0);
    assert.ok(types.get('claude_foundry_request_log_queue_depth') === 'gauge');
  });

  test("a deleted deployment's series leave /metrics, a pool's members' too, and a deleted resource's; the others stay", async () => {
    const upstream = await MockUpstream.start();
    try {
      const arm = armWith(gw, await adminToken(gw));
      const account = accountPath('metrics-gone');
      assert.equal((await arm('PUT', account, ACCOUNT)).status, 201);
      const { key1 } = await keysOf(arm, account);
      const pool = { members: [{ name: 'mock', kind: 'anthropic', endpoint: upstream.url, credentials: { type: 'key', key: 'sk-ant-metrics-member-key-000' } }] };
      for (const [name, body] of [
        ['simulated', deploymentBody()],
        ['kept', deploymentBody()],
        ['pooled', { ...deploymentBody(), properties: { ...deploymentBody().properties, claudeFoundry: { pool } } }],
      ] as const) {
        assert.equal((await arm('PUT', deploymentPath('metrics-gone', name), body)).status, 201, name);
        assert.equal((await callResource(gw, 'metrics-gone', key1, name)).status, 200, name);
      }
      await new Promise((r) => setTimeout(r, 20));
      const linesOf = async (deployment: string) => (await scrape(gw.telemetry.metricsPort!, TOKEN)).text.split('\n').filter((l) => l.includes(`deployment="${deployment}"`) || l.includes(`ModelDeploymentName="${deployment}"`));
      const families = (lines: string[]) => new Set(lines.map((l) => l.slice(0, l.indexOf('{'))));
      const simulatedBefore = families(await linesOf('simulated'));
      for (const name of ['claude_foundry_requests_total', 'gen_ai_server_request_duration_seconds_count', 'claude_foundry_tokens_total', 'ModelRequests', 'TimeToResponse_count']) {
        assert.ok(simulatedBefore.has(name), `${name} in ${[...simulatedBefore].join(', ')}`);
      }
      assert.ok(families(await linesOf('pooled')).has('claude_foundry_pool_upstream_served_total'));

      assert.equal((await arm('DELETE', deploymentPath('metrics-gone', 'simulated'))).status, 200);
      assert.equal((await arm('DELETE', deploymentPath('metrics-gone', 'pooled'))).status, 200);
      assert.deepEqual(await linesOf('simulated'), []);
      assert.deepEqual(await linesOf('pooled'), []);
      assert.ok((await linesOf('kept')).length > 0, 'a deployment that stays keeps its series');

      // Created again, it starts from nothing rather than from the deleted one's counts.
      assert.equal((await arm('PUT', deploymentPath('metrics-gone', 'simulated'), deploymentBody())).status, 201);
      assert.equal((await callResource(gw, 'metrics-gone', key1, 'simulated')).status, 200);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok((await linesOf('simulated')).some((l) => l.startsWith('claude_foundry_requests_total{') && l.endsWith(' 1')), 'counted once');

      assert.equal((await arm('DELETE', account)).status, 200);
      const left = (await scrape(gw.telemetry.metricsPort!, TOKEN)).text.split('\n').filter((l) => l.includes('resource="metrics-gone"'));
      assert.deepEqual(left, [], 'a deleted resource takes its deployments\' series');
    } finally {
      await upstream.close();
    }
  });

  test('the separate metrics listener serves only /metrics, with the token too when one is set', async () => {
    const port = gw.telemetry.metricsPort!;
    assert.equal((await scrape(port)).status, 401);
    const other = await new Promise<number>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/anthropic/v1/messages', agent: false }, (res) => resolve(res.statusCode ?? 0)).end();
    });
    assert.equal(other, 404);
  });

  test('without a token or a port, /metrics says how to turn it on', async () => {
    const plain = await startTestGateway();
    try {
      const res = await raw(plain, { method: 'GET', path: '/metrics' });
      assert.equal(res.status, 404);
      assert.match((res.json() as { error: { message: string } }).error.message, /metricsToken/);
    } finally {
      await plain.close();
    }
  });
});

test('label sets are capped: past maxSeries, new values share one `other` series', () => {
  const registry = new Registry(3);
  const counter = registry.counter('things_total', 'Things.', ['who']);
  for (let i = 0; i < 100; i++) counter.inc([`caller-${i}`]);
  const lines = registry.render().split('\n').filter((l) => l.startsWith('things_total'));
  assert.deepEqual(lines, ['things_total{who="caller-0"} 1', 'things_total{who="caller-1"} 1', 'things_total{who="caller-2"} 1', 'things_total{who="other"} 97']);
  parseExposition(registry.render());
});
