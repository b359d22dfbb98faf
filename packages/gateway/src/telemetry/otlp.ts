// The OTLP exporter: the GenAI metrics (genai.ts) and one span per request, sent to an OpenTelemetry collector
// over OTLP/HTTP by the official SDK. Off unless an OTEL_EXPORTER_OTLP_*ENDPOINT variable is set; then, and
// only then, the SDK is imported, so a gateway without it loads none of it and pays one `undefined` check per request.
// The exporters read the standard variables themselves (endpoint, headers, timeout, compression).
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { BUCKETS, GEN_AI, errorType, inputTokensWithCache, timePerOutputTokenSeconds } from './genai.ts';
import type { RequestLogRecord } from './record.ts';

/** W3C trace context for one request: its trace, the server span, and the child span of the upstream call. */
export interface SpanIds {
  traceId: string;
  parentSpanId: string | undefined;
  serverSpanId: string;
  upstreamSpanId: string;
  sampled: boolean;
}

const CLOSE_WAIT_MS = 2000;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Is the exporter configured? Any of the standard endpoint variables, unless OTEL_SDK_DISABLED=true. */
export function otlpConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/**
 * The request's trace context: continues an incoming `traceparent` (an invalid one is ignored, as W3C says),
 * else starts a trace. The upstream gets `traceparent` naming the upstream span, so its spans nest under ours.
 */
export function spanIds(headers: IncomingHttpHeaders): SpanIds {
  const m = TRACEPARENT.exec(String(headers['traceparent'] ?? '').trim().toLowerCase());
  const valid = m && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!);
  const hex = randomBytes(24).toString('hex');
  return {
    traceId: valid ? m[1]! : hex.slice(0, 32),
    parentSpanId: valid ? m[2]! : undefined,
    serverSpanId: hex.slice(32, 48),
    upstreamSpanId: randomBytes(8).toString('hex'),
    sampled: valid ? (Number.parseInt(m[3]!, 16) & 1) === 1 : true,
  };
}

export const traceparentOf = (ids: SpanIds) => `00-${ids.traceId}-${ids.upstreamSpanId}-${ids.sampled ? '01' : '00'}`;

export interface OtlpExporter {
  /** A finished request: its metrics, and its spans when sampled. `backendStart` is when the backend was first called (performance.now). */
  observe(r: RequestLogRecord, ids: SpanIds, backendStartMs: number | undefined): void;
  close(): Promise<void>;
}

/**
 * A signal's URL as the OTLP exporter spec derives it: OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT as it is, else
 * OTEL_EXPORTER_OTLP_ENDPOINT plus the signal's path (default http://localhost:4318). Read from the gateway's
 * environment; headers, timeout and compression the exporters read from the process's own OTEL_* variables.
 */
function endpoint(env: NodeJS.ProcessEnv, signal: 'METRICS' | 'TRACES', path: string): string {
  const own = env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]?.trim();
  const url = own || `${(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim() || 'http://localhost:4318').replace(/\/+$/, '')}/${path}`;
  try {
    new URL(url);
  } catch {
    throw new Error(`OTEL_EXPORTER_OTLP_${own ? `${signal}_` : ''}ENDPOINT is not a URL: '${url}' (for example http://127.0.0.1:4318)`);
  }
  return url;
}

/** A standard OTEL_* interval variable in milliseconds; a bad value stops the start with what to write instead. */
function millis(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, not '${text}'`);
  return value;
}

export async function startOtlp(env: NodeJS.ProcessEnv, serviceVersion: string): Promise<OtlpExporter> {
  const [api, { MeterProvider, PeriodicExportingMetricReader }, { TracerProvider, BatchSpanProcessor }, { resourceFromAttributes }, { OTLPMetricExporter }, { OTLPTraceExporter }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
      import('@opentelemetry/exporter-trace-otlp-http'),
    ]);
  const resource = resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || 'claude-foundry', 'service.version': serviceVersion });
  const interval = millis(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000);
  const spanDelay = millis(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000);
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: endpoint(env, 'METRICS', 'v1/metrics') }), exportIntervalMillis: interval, exportTimeoutMillis: Math.min(30_000, interval) });
  const meters = new MeterProvider({ resource, readers: [reader] });
  // The span ids were chosen when the request arrived (the upstream already saw them in traceparent): the
  // generator hands them to the SDK as each span is started.
  const next = { traceId: '', spanId: '' };
  const tracers = new TracerProvider({
    resource,
    idGenerator: { generateTraceId: () => next.traceId, generateSpanId: () => next.spanId },
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint(env, 'TRACES', 'v1/traces') }), scheduledDelayMillis: spanDelay })],
  });
  const meter = meters.getMeter('claude-foundry', serviceVersion);
  const tracer = tracers.getTracer('claude-foundry', serviceVersion);
  const m = GEN_AI.metrics;
  const histogram = (name: string, unit: string, description: string, buckets: readonly number[]) =>
    meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: [...buckets] } });
  const duration = histogram(m.serverRequestDuration, 's', 'GenAI server request duration.', BUCKETS.durationSeconds);
  const clientDuration = histogram(m.clientOperationDuration, 's', "GenAI operation duration as the gateway, the backend's client, waited on it.", BUCKETS.durationSeconds);
  const ttft = histogram(m.serverTimeToFirstToken, 's', 'Time to generate the first token.', BUCKETS.timeToFirstTokenSeconds);
  const tpot = histogram(m.serverTimePerOutputToken, 's', 'Time per output token generated after the first token.', BUCKETS.timePerOutputTokenSeconds);
  const tokens = histogram(m.tokenUsage, '{token}', 'Number of input and output tokens used.', BUCKETS.tokens);
  const A = GEN_AI.attributes;

  function observe(r: RequestLogRecord, ids: SpanIds, backendStartMs: number | undefined): void {
    if (r.operation !== 'messages') return;
    const error = errorType(r);
    const attrs: Record<string, string> = {
      [A.operationName]: GEN_AI.operationChat,
      [A.providerName]: GEN_AI.providerAnthropic,
      'azure.resource': r.resource,
    };
    if (r.deployment !== null) attrs[A.requestModel] = r.deployment;
    if (r.model !== null) attrs[A.responseModel] = r.model;
    const withError = error === undefined ? attrs : { ...attrs, [A.errorType]: error };
    duration.record(r.durationMs / 1000, withError);
    clientDuration.record((r.durationMs - r.overheadMs) / 1000, withError);
    if (r.ttftMs !== null) ttft.record(r.ttftMs / 1000, attrs);
    const perToken = timePerOutputTokenSeconds(r);
    if (perToken !== undefined) tpot.record(perToken, attrs);
    if (r.status < 400) {
      tokens.record(inputTokensWithCache(r), { ...attrs, [A.tokenType]: GEN_AI.tokenInput });
      tokens.record(r.outputTokens, { ...attrs, [A.tokenType]: GEN_AI.tokenOutput });
    }
    if (!ids.sampled) return;
    const spanAttrs = {
      ...withError,
      'gen_ai.usage.input_tokens': inputTokensWithCache(r),
      'gen_ai.usage.output_tokens': r.outputTokens,
      'http.response.status_code': r.status,
      'azure.request_id': r.apimRequestId,
    };
    const end = r.time + r.durationMs;
    const parent = ids.parentSpanId
      ? api.trace.setSpanContext(api.context.active(), { traceId: ids.traceId, spanId: ids.parentSpanId, traceFlags: 1, isRemote: true })
      : api.ROOT_CONTEXT;
    next.traceId = ids.traceId;
    next.spanId = ids.serverSpanId;
    const server = tracer.startSpan(`${GEN_AI.operationChat} ${r.deployment ?? ''}`.trim(), { kind: api.SpanKind.SERVER, startTime: r.time, attributes: spanAttrs }, parent);
    if (error !== undefined) server.setStatus({ code: api.SpanStatusCode.ERROR });
    if (backendStartMs !== undefined) {
      next.spanId = ids.upstreamSpanId;
      const upstream = tracer.startSpan(
        `${GEN_AI.operationChat} ${r.model ?? ''}`.trim(),
        { kind: api.SpanKind.CLIENT, startTime: r.time + backendStartMs, attributes: { ...withError, 'claude_foundry.backend': r.backend ?? '' } },
        api.trace.setSpan(api.ROOT_CONTEXT, server),
      );
      upstream.end(end);
    }
    server.end(end);
  }

  return {
    observe,
    /** Sends what is pending; a collector that does not answer holds the shutdown up for at most CLOSE_WAIT_MS. */
    async close() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS).unref()));
      await Promise.race([Promise.allSettled([meters.shutdown(), tracers.shutdown()]), waited]);
      clearTimeout(timer);
    },
  };
}
