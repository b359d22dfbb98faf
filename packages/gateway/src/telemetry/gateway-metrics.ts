// The gateway's metrics, named after OpenTelemetry's GenAI semantic conventions where they have a name
// (gen_ai.server.request.duration, gen_ai.server.time_to_first_token, gen_ai.client.token.usage, in
// Prometheus form), and claude_foundry_* otherwise. Labels come only from configured resources and
// deployments, a status class, and the error catalogue's codes: bounded by configuration.
import type { ConnectionStats } from '../http/connections.ts';
import { Counter, Registry } from './metrics.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { type RequestLogRecord, statusClass } from './record.ts';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_SECONDS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const OVERHEAD_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
/** OpenTelemetry's advice for gen_ai.client.token.usage. */
const TOKENS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

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
  const requests = registry.counter('claude_foundry_requests_total', 'Data-plane requests by resource, deployment, operation and status class.', [
    'resource', 'deployment', 'gen_ai_operation_name', 'status_class',
  ]);
  const errors = registry.counter('claude_foundry_request_errors_total', 'Failed requests (and streams ended by event: error) by error catalogue code.', [
    'resource', 'deployment', 'error_type',
  ]);
  const rateLimited = registry.counter('claude_foundry_rate_limit_rejections_total', 'Requests answered 429, by error catalogue code.', [
    'resource', 'deployment', 'error_type',
  ]);
  const duration = registry.histogram('gen_ai_server_request_duration_seconds', 'Time from the request to the last byte of the response.', [
    'resource', 'deployment', 'gen_ai_operation_name', 'gen_ai_request_model', 'status_class',
  ], SECONDS);
  const ttft = registry.histogram('gen_ai_server_time_to_first_token_seconds', "Time from the request to a stream's first content delta.", [
    'resource', 'deployment', 'gen_ai_request_model',
  ], TTFT_SECONDS);
  const overhead = registry.histogram('claude_foundry_gateway_overhead_seconds', 'Request duration minus the time spent waiting on the backend.', [
    'resource', 'deployment',
  ], OVERHEAD_SECONDS);
  const tokens = registry.histogram('gen_ai_client_token_usage', 'Tokens per request by type: input, output, cache_creation_5m, cache_creation_1h, cache_read.', [
    'resource', 'deployment', 'gen_ai_request_model', 'gen_ai_token_type',
  ], TOKENS);
  const cost = registry.counter('claude_foundry_cost_usd_total', 'Cost at list price, USD (exact sums are in the usage API).', ['resource', 'deployment']);
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
  }
  if (sources.pools) registerPoolMetrics(registry, sources.pools);
  const stopProcessMetrics = registerProcessMetrics(registry);

  // The series one request touches, found once per label combination and kept: a request then costs one
  // map lookup rather than a label join per metric. Bounded like the series themselves. Optional series are
  // bound when first touched, so a label set that never sees a value (no stream, no cost) has none.
  interface Bound {
    requests: ReturnType<typeof requests.bind>;
    duration: ReturnType<typeof duration.bind>;
    overhead: ReturnType<typeof overhead.bind>;
    ttft?: ReturnType<typeof ttft.bind>;
    input?: ReturnType<typeof tokens.bind>;
    output?: ReturnType<typeof tokens.bind>;
    cost?: ReturnType<typeof cost.bind>;
  }
  const bound = new Map<string, Bound>();
  function bindAll(resource: string, deployment: string, operation: string, model: string, cls: string): Bound {
    return {
      requests: requests.bind([resource, deployment, operation, cls]),
      duration: duration.bind([resource, deployment, operation, model, cls]),
      overhead: overhead.bind([resource, deployment]),
    };
  }

  function observe(r: RequestLogRecord): void {
    const resource = r.resource;
    const deployment = r.deployment ?? '';
    const model = r.model ?? '';
    const operation = r.operation ?? '';
    const cls = statusClass(r.status);
    const key = `${resource}\u0000${deployment}\u0000${operation}\u0000${model}\u0000${cls}`;
    let b = bound.get(key);
    if (!b) {
      b = bindAll(resource, deployment, operation, model, cls);
      if (bound.size < maxSeries) bound.set(key, b);
    }
    Counter.add(b.requests);
    if (r.errorCode !== null) errors.inc([resource, deployment, r.errorCode]);
    if (r.status === 429) rateLimited.inc([resource, deployment, r.errorCode ?? '']);
    duration.record(b.duration, r.durationMs / 1000);
    overhead.record(b.overhead, r.overheadMs / 1000);
    if (r.ttftMs !== null) ttft.record((b.ttft ??= ttft.bind([resource, deployment, model])), r.ttftMs / 1000);
    if (r.operation === 'messages' && r.status < 400) {
      tokens.record((b.input ??= tokens.bind([resource, deployment, model, 'input'])), r.inputTokens);
      tokens.record((b.output ??= tokens.bind([resource, deployment, model, 'output'])), r.outputTokens);
      if (r.cacheWrite5mTokens > 0) tokens.observe([resource, deployment, model, 'cache_creation_5m'], r.cacheWrite5mTokens);
      if (r.cacheWrite1hTokens > 0) tokens.observe([resource, deployment, model, 'cache_creation_1h'], r.cacheWrite1hTokens);
      if (r.cacheReadTokens > 0) tokens.observe([resource, deployment, model, 'cache_read'], r.cacheReadTokens);
    }
    if (r.costPico > 0) Counter.add((b.cost ??= cost.bind([resource, deployment])), r.costPico / 1e12);
  }

  return { observe, render: () => registry.render(), close: stopProcessMetrics };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
