// The gateway's Prometheus metrics: OpenTelemetry's GenAI semantic conventions in Prometheus form (dots to
// underscores, unit suffix: gen_ai.server.request.duration → gen_ai_server_request_duration_seconds), Azure
// Monitor's names for Foundry model deployments, and claude_foundry_* for the rest. Labels come only from
// configured resources and deployments, the catalog, status codes and the error catalogue: bounded by configuration.
import { AZURE_MONITOR, BUCKETS, GEN_AI, errorType, inputTokensWithCache, streamType, timePerOutputTokenSeconds, timeToResponseMs } from './genai.ts';
import type { ConnectionStats } from '../http/connections.ts';
import { Counter, Registry } from './metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { type RequestLogRecord, statusClass } from './record.ts';

const OVERHEAD_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * The GenAI labels of a chat series: built only when a series is first bound, never per request.
 * gen_ai.request.model is what the request named (the deployment, on Foundry); gen_ai.response.model the model that answered.
 */
const chatOf = (resource: string, deployment: string, model: string) => [resource, deployment, GEN_AI.operationChat, GEN_AI.providerAnthropic, deployment, model];

/** An OpenTelemetry attribute or metric name as a Prometheus name. */
export const promName = (otel: string) => otel.replace(/\./g, '_');

export interface MetricSources {
  queueDepth(): number;
  queueCapacity(): number;
  dropped(): number;
  written(): number;
  writeFailures(): number;
  connections?: ConnectionStats | undefined;
  /** The pool deployments in use (backends/pool/), read when scraped. */
  pools?: (() => Iterable<PoolMetricsSource>) | undefined;
}

/** What /metrics reads of one pool: its counters and each member's. */
export interface PoolMetricsSource {
  resource: string;
  deployment: string;
  failovers: number;
  affinity: { keyed: number; kept: number };
  members: ReadonlyArray<{ name: string; inFlight: number; served: number; failures: number; throttled: number; available(now: number): boolean }>;
}

const STATE_LABELS = ['resource', 'deployment', 'upstream'];

function registerPoolMetrics(registry: Registry, pools: () => Iterable<PoolMetricsSource>): void {
  const each = (read: (m: PoolMetricsSource['members'][number]) => number) =>
    function* () {
      for (const pool of pools()) for (const m of pool.members) yield [[pool.resource, pool.deployment, m.name], read(m)] as const;
    };
  const perPool = (read: (p: PoolMetricsSource) => number) =>
    function* () {
      for (const pool of pools()) yield [[pool.resource, pool.deployment], read(pool)] as const;
    };
  registry.observedFamily('claude_foundry_pool_upstream_available', 'Whether a pool member takes requests now (1), or rests after a retry-after or an open breaker (0).', 'gauge', STATE_LABELS, each((m) => (m.available(Date.now()) ? 1 : 0)));
  registry.observedFamily('claude_foundry_pool_upstream_in_flight', 'Requests a pool member is serving now.', 'gauge', STATE_LABELS, each((m) => m.inFlight));
  registry.observedFamily('claude_foundry_pool_upstream_served_total', 'Requests a pool member answered (not failed over).', 'counter', STATE_LABELS, each((m) => m.served));
  registry.observedFamily('claude_foundry_pool_upstream_failures_total', 'Attempts a pool member failed: 429, 529, 5xx, connect errors and timeouts.', 'counter', STATE_LABELS, each((m) => m.failures));
  registry.observedFamily('claude_foundry_pool_upstream_throttled_total', 'Answers of 429 from a pool member.', 'counter', STATE_LABELS, each((m) => m.throttled));
  registry.observedFamily('claude_foundry_pool_failovers_total', 'Attempts moved to another member after a failure.', 'counter', ['resource', 'deployment'], perPool((p) => p.failovers));
  registry.observedFamily('claude_foundry_pool_affinity_requests_total', 'Requests with a cache-affinity key.', 'counter', ['resource', 'deployment'], perPool((p) => p.affinity.keyed));
  registry.observedFamily('claude_foundry_pool_affinity_kept_total', 'Requests with a cache-affinity key first sent to the member their key ranks first.', 'counter', ['resource', 'deployment'], perPool((p) => p.affinity.kept));
}

export function createGatewayMetrics(maxSeries: number, sources: MetricSources) {
  const registry = new Registry(maxSeries);
  const A = GEN_AI.attributes;
  const chatLabels = ['resource', 'deployment', ...[A.operationName, A.providerName, A.requestModel, A.responseModel].map(promName)];
  const requests = registry.counter('claude_foundry_requests_total', 'Data-plane requests by resource, deployment, operation and status class.', [
    'resource', 'deployment', 'operation', 'status_class',
  ]);
  const errors = registry.counter('claude_foundry_request_errors_total', 'Failed requests (and streams ended by event: error) by error catalogue code.', [
    'resource', 'deployment', 'error_type',
  ]);
  const rateLimited = registry.counter('claude_foundry_rate_limit_rejections_total', 'Requests answered 429, by error catalogue code.', [
    'resource', 'deployment', 'error_type',
  ]);
  const duration = registry.histogram(`${promName(GEN_AI.metrics.serverRequestDuration)}_seconds`, 'GenAI server request duration: from the request to the last byte of the response.', [
    ...chatLabels, promName(A.errorType),
  ], BUCKETS.durationSeconds);
  const clientDuration = registry.histogram(`${promName(GEN_AI.metrics.clientOperationDuration)}_seconds`, "GenAI operation duration as the gateway, the backend's client, waited on it.", [
    ...chatLabels, promName(A.errorType),
  ], BUCKETS.durationSeconds);
  const ttft = registry.histogram(`${promName(GEN_AI.metrics.serverTimeToFirstToken)}_seconds`, "Time to generate the first token: from the request to a stream's first content delta.", chatLabels, BUCKETS.timeToFirstTokenSeconds);
  const tpot = registry.histogram(`${promName(GEN_AI.metrics.serverTimePerOutputToken)}_seconds`, 'Time per output token after the first, successful streams.', chatLabels, BUCKETS.timePerOutputTokenSeconds);
  const tokens = registry.histogram(promName(GEN_AI.metrics.tokenUsage), 'Tokens per request: input (cached ones included, as the conventions count them) and output.', [
    ...chatLabels, promName(A.tokenType),
  ], BUCKETS.tokens);
  const tokenTotals = registry.counter('claude_foundry_tokens_total', 'Tokens by billing category: input (uncached), output, cache_creation_5m, cache_creation_1h, cache_read.', [
    'resource', 'deployment', 'token_type',
  ]);
  const overhead = registry.histogram('claude_foundry_gateway_overhead_seconds', 'Request duration minus the time spent waiting on the backend.', [
    'resource', 'deployment',
  ], OVERHEAD_SECONDS);
  const cost = registry.counter('claude_foundry_cost_usd_total', 'Cost at list price, USD (exact sums are in the usage API).', ['resource', 'deployment']);
  const az = AZURE_MONITOR.metrics;
  const azLabels = ['resource', ...AZURE_MONITOR.dimensions];
  const azRequests = registry.counter(az.requests, 'Azure Monitor ModelRequests: Messages requests.', azLabels);
  const azInput = registry.counter(az.inputTokens, 'Azure Monitor InputTokens: prompt tokens, cached ones included.', azLabels);
  const azOutput = registry.counter(az.outputTokens, 'Azure Monitor OutputTokens.', azLabels);
  const azTotal = registry.counter(az.totalTokens, 'Azure Monitor TotalTokens: input and output.', azLabels);
  const azTime = registry.histogram(az.timeToResponse, 'Azure Monitor TimeToResponse, milliseconds: to the first byte of a stream, to the whole answer otherwise.', azLabels, AZURE_MONITOR.timeToResponseMs);
  registry.observed('claude_foundry_request_log_queue_depth', 'Request-log records waiting or being written.', 'gauge', sources.queueDepth);
  registry.observed('claude_foundry_request_log_queue_capacity', 'Most request-log records that may wait.', 'gauge', sources.queueCapacity);
  registry.observed('claude_foundry_request_log_dropped_total', 'Request-log records dropped because the queue was full.', 'counter', sources.dropped);
  registry.observed('claude_foundry_request_log_written_total', 'Request-log records committed to the store.', 'counter', sources.written);
  registry.observed('claude_foundry_request_log_write_failures_total', 'Request-log records the store failed to write.', 'counter', sources.writeFailures);
  const connections = sources.connections;
  if (connections) {
    registry.observed('claude_foundry_connections_open', 'Client connections open on the gateway\'s listeners.', 'gauge', () => connections.open);
    registry.observed('claude_foundry_connections_refused_total', 'Connections refused because their address held connections.maxPerAddress.', 'counter', () => connections.refused);
    registry.observed('claude_foundry_request_headers_timeouts_total', 'Requests answered 408 because their headers were not complete within connections.headersTimeoutMs.', 'counter', () => connections.headersTimeouts);
    registry.observed('claude_foundry_request_body_timeouts_total', 'Requests answered 408 because their body arrived slower than connections.bodyMinBytes per bodyTimeoutMs.', 'counter', () => connections.bodyTimeouts);
    registry.observed('claude_foundry_request_body_discards_cut_total', 'Connections closed because discarding the rest of a refused body took longer than connections.discardMs.', 'counter', () => connections.discardsCut);
    registry.observed('claude_foundry_client_aborts_total', 'Requests whose client closed the connection before the request was complete.', 'counter', () => connections.clientAborts);
    registry.observed('claude_foundry_request_bodies_arriving', 'Requests whose bodies are still arriving, held to connections.bodyMinBytes per bodyTimeoutMs.', 'gauge', () => connections.bodiesArriving);
  }
  if (sources.pools) registerPoolMetrics(registry, sources.pools);
  const stopProcessMetrics = registerProcessMetrics(registry);

  // The series one request touches, found once per label combination and kept: a request then costs one
  // map lookup rather than a label join per metric. Bounded like the series themselves. Optional series are
  // bound when first touched, so a label set that never sees a value (no stream, no cost) has none.
  type H = ReturnType<typeof duration.bind>;
  type C = ReturnType<typeof requests.bind>;
  interface Bound {
    requests: C;
    overhead: H;
    duration?: H;
    clientDuration?: H;
    ttft?: H;
    tpot?: H;
    input?: H;
    output?: H;
    uncached?: C;
    outputTotal?: C;
    cost?: C;
    az?: { requests: C; input: C; output: C; total: C; time: H };
  }
  const bound = new Map<string, Bound>();

  function observe(r: RequestLogRecord): void {
    const resource = r.resource;
    const deployment = r.deployment ?? '';
    const model = r.model ?? '';
    const operation = r.operation ?? '';
    const error = errorType(r) ?? '';
    const key = `${resource}\u0000${deployment}\u0000${operation}\u0000${model}\u0000${r.status}\u0000${error}\u0000${r.stream}`;
    let b = bound.get(key);
    if (!b) {
      b = { requests: requests.bind([resource, deployment, operation, statusClass(r.status)]), overhead: overhead.bind([resource, deployment]) };
      if (bound.size < maxSeries) bound.set(key, b);
    }
    Counter.add(b.requests);
    if (r.errorCode !== null) errors.inc([resource, deployment, r.errorCode]);
    if (r.status === 429) rateLimited.inc([resource, deployment, r.errorCode ?? '']);
    overhead.record(b.overhead, r.overheadMs / 1000);
    if (r.costPico > 0) Counter.add((b.cost ??= cost.bind([resource, deployment])), r.costPico / 1e12);
    if (r.operation !== 'messages') return;
    duration.record((b.duration ??= duration.bind([...chatOf(resource, deployment, model), error])), r.durationMs / 1000);
    clientDuration.record((b.clientDuration ??= clientDuration.bind([...chatOf(resource, deployment, model), error])), (r.durationMs - r.overheadMs) / 1000);
    if (r.ttftMs !== null) ttft.record((b.ttft ??= ttft.bind(chatOf(resource, deployment, model))), r.ttftMs / 1000);
    const perToken = timePerOutputTokenSeconds(r);
    if (perToken !== undefined) tpot.record((b.tpot ??= tpot.bind(chatOf(resource, deployment, model))), perToken);
    let az = b.az;
    if (!az) {
      const labels = [resource, deployment, model, String(r.status), streamType(r)];
      az = b.az = { requests: azRequests.bind(labels), input: azInput.bind(labels), output: azOutput.bind(labels), total: azTotal.bind(labels), time: azTime.bind(labels) };
    }
    Counter.add(az.requests);
    azTime.record(az.time, timeToResponseMs(r));
    if (r.status >= 400) return;
    const input = inputTokensWithCache(r);
    tokens.record((b.input ??= tokens.bind([...chatOf(resource, deployment, model), GEN_AI.tokenInput])), input);
    tokens.record((b.output ??= tokens.bind([...chatOf(resource, deployment, model), GEN_AI.tokenOutput])), r.outputTokens);
    Counter.add(az.input, input);
    Counter.add(az.output, r.outputTokens);
    Counter.add(az.total, input + r.outputTokens);
    Counter.add((b.uncached ??= tokenTotals.bind([resource, deployment, 'input'])), r.inputTokens);
    Counter.add((b.outputTotal ??= tokenTotals.bind([resource, deployment, 'output'])), r.outputTokens);
    if (r.cacheWrite5mTokens > 0) tokenTotals.inc([resource, deployment, 'cache_creation_5m'], r.cacheWrite5mTokens);
    if (r.cacheWrite1hTokens > 0) tokenTotals.inc([resource, deployment, 'cache_creation_1h'], r.cacheWrite1hTokens);
    if (r.cacheReadTokens > 0) tokenTotals.inc([resource, deployment, 'cache_read'], r.cacheReadTokens);
  }

  /** A deleted deployment's series go (Azure Monitor's series label the deployment ModelDeploymentName), with the ones bound to them. */
  function forget(resource: string, deployment: string): void {
    registry.forget({ resource, deployment });
    registry.forget({ resource, [AZURE_MONITOR.dimensions[0]]: deployment });
    const prefix = `${resource}\u0000${deployment}\u0000`;
    for (const key of bound.keys()) if (key.startsWith(prefix)) bound.delete(key);
  }

  return { observe, forget, render: () => registry.render(), close: stopProcessMetrics };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
