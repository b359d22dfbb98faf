// The OTLP exporter, end to end: a real gateway with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local collector
// stand-in (an HTTP server on port 0 that decodes OTLP/HTTP JSON, as the official exporters send it; no real
// collector runs here), requests from the official SDK through an upstream deployment to a mock upstream, and
// the metrics and spans that arrive checked against the GenAI conventions. Off by default: no SDK loaded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface DataPoint {
  attributes: KeyValue[];
  count: string | number;
  sum: number;
  explicitBounds: number[];
}
interface OtlpMetric {
  name: string;
  unit: string;
  histogram?: { dataPoints: DataPoint[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: KeyValue[];
}

/** The collector stand-in: keeps every metric and span posted to /v1/metrics and /v1/traces. */
class CollectorStandIn {
  readonly metrics: OtlpMetric[] = [];
  readonly spans: OtlpSpan[] = [];
  readonly contentTypes = new Set<string>();
  server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      this.contentTypes.add(String(req.headers['content-type']));
      const json = JSON.parse(body) as Record<string, Array<Record<string, Array<Record<string, unknown[]>>>>>;
      if (req.url === '/v1/metrics') for (const rm of json['resourceMetrics'] ?? []) for (const sm of rm['scopeMetrics'] ?? []) this.metrics.push(...(sm['metrics'] as OtlpMetric[]));
      if (req.url === '/v1/traces') for (const rs of json['resourceSpans'] ?? []) for (const ss of rs['scopeSpans'] ?? []) this.spans.push(...(ss['spans'] as OtlpSpan[]));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`the collector stand-in never received ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const attrs = (list: KeyValue[]) => Object.fromEntries(list.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));

describe('OTLP export to a collector stand-in', () => {
  const collector = new CollectorStandIn();
  let mock: MockUpstream;
  let gw: TestGateway;
  const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const PARENT_SPAN = '00f067aa0ba902b7';

  before(async () => {
    const url = await collector.listen();
    mock = await MockUpstream.start();
    gw = await startTestGateway(
      { resources: [{ name: 'otel', deployments: [{ name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: 'sk-ant-test-0123456789abcdef' } }] }] },
      { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_METRIC_EXPORT_INTERVAL: '200', OTEL_BSP_SCHEDULE_DELAY: '50' } },
    );
  });
  after(async () => {
    await gw.close();
    await mock.close();
    collector.server.close();
  });

  test('the GenAI metrics and a chat span with the upstream call as its child arrive; traceparent is continued and propagated upstream', async () => {
    const sdk = new AnthropicFoundry({
      baseURL: gw.baseURL('otel'), apiKey: gw.keys('otel').key1, maxRetries: 0,
      defaultHeaders: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` },
    });
    const message = await sdk.messages.create({ model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
    assert.equal(message.type, 'message');
    const sent = String(mock.last.headers['traceparent']);
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(sent);
    assert.ok(m, `the upstream got a traceparent: ${sent}`);
    assert.equal(m[1], PARENT_TRACE, 'same trace');
    assert.notEqual(m[2], PARENT_SPAN, "the upstream's parent is the gateway's span, not the client's");

    await collector.until(() => collector.spans.length >= 2, 'two spans');
    const server = collector.spans.find((s) => s.name === 'chat sonnet');
    assert.ok(server, `a span named chat {deployment}: ${collector.spans.map((s) => s.name).join(', ')}`);
    assert.equal(server.traceId, PARENT_TRACE);
    assert.equal(server.parentSpanId, PARENT_SPAN);
    assert.equal(server.kind, 2, 'SERVER');
    const child = collector.spans.find((s) => s.parentSpanId === server.spanId);
    assert.ok(child, 'the upstream call is a child span');
    assert.equal(child.spanId, m[2], 'and it is the span the upstream was told of');
    assert.equal(child.kind, 3, 'CLIENT');
    const sa = attrs(server.attributes);
    assert.equal(sa['gen_ai.operation.name'], 'chat');
    assert.equal(sa['gen_ai.provider.name'], 'anthropic');
    assert.equal(sa['gen_ai.request.model'], 'sonnet');
    assert.equal(sa['gen_ai.response.model'], 'claude-sonnet-4-6');

    await collector.until(() => collector.metrics.some((x) => x.name === 'gen_ai.client.token.usage'), 'gen_ai.client.token.usage');
    const metric = (name: string) => collector.metrics.filter((x) => x.name === name).at(-1);
    for (const [name, unit] of [['gen_ai.server.request.duration', 's'], ['gen_ai.client.operation.duration', 's'], ['gen_ai.client.token.usage', '{token}']] as const) {
      const found = metric(name);
      assert.ok(found?.histogram, `${name} is a histogram`);
      assert.equal(found.unit, unit);
    }
    const duration = metric('gen_ai.server.request.duration')!.histogram!.dataPoints[0]!;
    assert.deepEqual(duration.explicitBounds, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    assert.equal(attrs(duration.attributes)['gen_ai.operation.name'], 'chat');
    assert.equal(attrs(duration.attributes)['error.type'], undefined, 'no error.type on a success');
    const usage = metric('gen_ai.client.token.usage')!.histogram!.dataPoints;
    const input = usage.find((p) => attrs(p.attributes)['gen_ai.token.type'] === 'input');
    const output = usage.find((p) => attrs(p.attributes)['gen_ai.token.type'] === 'output');
    const u = message.usage;
    assert.equal(input?.sum, u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0), 'input counts cached tokens too');
    assert.equal(output?.sum, u.output_tokens);
    assert.ok([...collector.contentTypes].every((t) => t.startsWith('application/json')), [...collector.contentTypes].join());
  });
});

test('off by default: a gateway without OTEL_EXPORTER_OTLP_* never loads the OpenTelemetry SDK', async () => {
  const script = `
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@opentelemetry/')) seen.push(specifier); return next(specifier, context); } });
const { mkdtempSync } = await import('node:fs');
const { join } = await import('node:path');
const { tmpdir } = await import('node:os');
const { startGateway } = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)});
const gw = await startGateway({ env: process.env, overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(tmpdir(), 'cf-otel-off-')) } });
const res = await fetch(gw.baseURL() + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys(gw.config.resources[0].name).key1 }, body: JSON.stringify({ model: gw.config.resources[0].deployments[0].name, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }) });
await res.text();
await gw.close();
process.stdout.write(JSON.stringify({ status: res.status, seen }));
`;
  // A file, not --eval: the request-log worker inherits the parent's flags, and --input-type would stop it.
  const dir = mkdtempSync(join(tmpdir(), 'cf-otel-off-script-'));
  const file = join(dir, 'off.mjs');
  writeFileSync(file, script);
  const standIn = new CollectorStandIn();
  const run = async (endpoint: string | undefined) => {
    const env = { ...process.env };
    delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'];
    delete env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    if (endpoint) env['OTEL_EXPORTER_OTLP_ENDPOINT'] = endpoint;
    // Killed if it hangs, so a failing run ends the test instead of holding it open.
    const child = spawn(process.execPath, [file], { env, timeout: 60_000, killSignal: 'SIGKILL' });
    let out = '';
    let errors = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, errors);
    return JSON.parse(out) as { status: number; seen: string[] };
  };
  try {
    const off = await run(undefined);
    assert.equal(off.status, 200);
    assert.deepEqual(off.seen, [], 'no @opentelemetry module resolved');
    // The same script sees the SDK load once an endpoint is set.
    const on = await run(await standIn.listen());
    assert.equal(on.status, 200);
    assert.ok(on.seen.includes('@opentelemetry/sdk-metrics'), on.seen.join());
  } finally {
    standIn.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
