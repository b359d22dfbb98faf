// Telemetry: the request log, metrics, pricing, budgets and the monitoring API, assembled. The data plane
// calls `begin` once per request and fills in the trace; when the response closes, `finish` prices it,
// enqueues its record, updates the metrics and the month's spend — a few map updates and an array push.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TokenUsage } from '../backends/types.ts';
import type { GatewayConfig } from '../config/index.ts';
import type { ControlState } from '../control/snapshot.ts';
import type { Resource } from '../control/types.ts';
import type { Correlation } from '../http/respond.ts';
import type { Route } from '../http/routes.ts';
import { logger } from '../log/index.ts';
import { servedModel } from '../models/catalog.ts';
import { monitoringRoutes } from './api.ts';
import { pricesRoute } from './prices.ts';
import type { AuthorizeManagement } from './authorize.ts';
import { BudgetBook } from './budgets.ts';
import { shareBudgets } from './budgets-redis.ts';
import { shareBudgetsInCluster } from './budgets-cluster.ts';
import type { SharedRedis } from '../limits/redis-client.ts';
import { DEFAULT_LOG_RETENTION_DAYS } from './config.ts';
import type { ConnectionStats } from '../http/connections.ts';
import { createGatewayMetrics, type MetricSources } from './gateway-metrics.ts';
import type { RequestLogStore, RetentionPolicy } from './log-store.ts';
import { LogWriter } from './log-writer.ts';
import { createMetricsServer, metricsRoutes } from './metrics-endpoint.ts';
import { otlpConfigured, spanIds, startOtlp, traceparentOf } from './otlp.ts';
import { billedTokens, costOf } from './pricing.ts';
import type { RequestLogRecord } from './record.ts';
import { RequestTrace } from './trace.ts';
import { WorkerLogStore } from './worker-store.ts';
import { unmappedAddress } from '../control/network.ts';

export const LOG_DATABASE_FILE = 'logs.db';
/** service.version on exported telemetry: the gateway package's version. */
const GATEWAY_VERSION = '0.1.0';
/** Hour rollups outlive raw records: budgets and forecasts read whole months from them. */
const HOUR_ROLLUP_DAYS = 400;
const DELETE_BATCH_ROWS = 5000;
const TROUBLE_EVERY_MS = 10_000;

export interface TelemetryOptions {
  config: GatewayConfig;
  control: ControlState;
  authorize: AuthorizeManagement;
  /** Milliseconds since the epoch: months, buckets and budgets. */
  now?: () => number;
  /** Where the standard OTEL_* variables are read (the OTLP exporter). */
  env?: NodeJS.ProcessEnv;
  /** A store other than the configured one (tests). */
  store?: RequestLogStore;
  /** The listeners' connection counters (http/connections.ts), for /metrics. */
  connections?: ConnectionStats;
  /** The pool deployments in use, for /metrics. */
  pools?: MetricSources['pools'];
  /** Replicas on one Redis share budgets and their month-to-date spend (budgets-redis.ts). */
  redis?: SharedRedis | undefined;
  /** A `--workers` worker without Redis: budgets shared through the primary (budgets-cluster.ts). */
  clusterWorker?: boolean | undefined;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

const clientIpOf = (address: string | undefined): string | null => (address === undefined ? null : unmappedAddress(address));

export function retentionPolicy(config: GatewayConfig): RetentionPolicy {
  return {
    days: Object.fromEntries(config.resources.map((r) => [r.name, r.monitoring.logRetentionDays])),
    defaultDays: DEFAULT_LOG_RETENTION_DAYS,
    hourRollupDays: HOUR_ROLLUP_DAYS,
    batchRows: DELETE_BATCH_ROWS,
  };
}

export async function startTelemetry(options: TelemetryOptions) {
  const { config, control } = options;
  const now = options.now ?? Date.now;
  const settings = config.monitoring;
  const postgres = config.store.postgres;
  // pg is loaded only when configured: the embedded gateway (npm start) starts as before.
  const store =
    options.store ??
    (postgres !== undefined
      ? await (await import('./postgres/store.ts')).PostgresLogStore.open(postgres)
      : await WorkerLogStore.open(join(config.dataDir, LOG_DATABASE_FILE), retentionPolicy(config), settings.retentionIntervalMs));
  // The SQLite worker runs its own retention; PostgreSQL's runs here, and on one replica at a time (its advisory lock).
  const retention = store.dialect === 'postgres' ? startRetention(store, retentionPolicy(config), settings.retentionIntervalMs) : undefined;
  const contentLimits = new Map(
    config.resources.map((r) => [r.name.toLowerCase(), r.monitoring.contentLogging && !r.monitoring.zeroDataRetention ? settings.contentMaxBytes : 0]),
  );
  const contentLimit = (resource: Resource) => contentLimits.get(resource.name.toLowerCase()) ?? 0;

  let lastTrouble = 0;
  let unreported = 0;
  const writer = new LogWriter(store, {
    capacity: settings.queueCapacity,
    flushRecords: settings.flushRecords,
    flushIntervalMs: settings.flushIntervalMs,
    // PostgreSQL may be away for a while: keep what failed, up to the capacity, and write it when it is back.
    keepFailed: store.dialect === 'postgres',
    // One stderr line per 10 s at most, however many records are dropped.
    onTrouble: (what, detail) => {
      unreported++;
      const t = Date.now();
      if (t - lastTrouble < TROUBLE_EVERY_MS) return;
      lastTrouble = t;
      logger().warn({ detail, count: unreported }, `request log records ${what}`);
      unreported = 0;
    },
  });
  const metrics = createGatewayMetrics(settings.maxSeries, {
    queueDepth: () => writer.depth,
    queueCapacity: () => writer.capacity,
    dropped: () => writer.dropped,
    written: () => writer.written,
    writeFailures: () => writer.failed,
    connections: options.connections,
    pools: options.pools,
  });
  // Off unless an OTEL_EXPORTER_OTLP_*ENDPOINT is set: then the SDK is loaded, never otherwise.
  const env = options.env ?? process.env;
  const otlp = otlpConfigured(env) ? await startOtlp(env, GATEWAY_VERSION) : undefined;
  const live = control.current.resources();
  // Rows logged before records carried an instance go to the live resource they belong to (its own, since its creation).
  await store.adopt(live.map((r) => ({ name: r.name, instance: r.instance, createdAt: r.createdAt })));
  const budgets = new BudgetBook(store, now);
  await budgets.load(live.map((r) => r.instance));
  const sharedBudgets = options.redis
    ? await shareBudgets(budgets, options.redis, { resources: live.map((r) => r.instance) })
    : options.clusterWorker
      ? shareBudgetsInCluster(budgets, store)
      : undefined;

  function record(trace: RequestTrace, status: number, aborted: boolean, durationMs: number, usage: TokenUsage | undefined): RequestLogRecord {
    const deployment = trace.deployment;
    const tokens = billedTokens(usage);
    const model = deployment ? servedModel(deployment) : undefined;
    const costPico = model && deployment ? Number(costOf(tokens, model, deployment.sku)) : 0;
    let errorCode = trace.errorCode ?? null;
    if (errorCode === null && aborted) errorCode = 'client_closed';
    // An upstream's own error status passed through: no catalogue code, so its status names it.
    if (errorCode === null && status >= 400) errorCode = `http_${status}`;
    const principal = trace.principal;
    const r: RequestLogRecord = {
      time: trace.time,
      resource: trace.resource?.name ?? '',
      instance: trace.resource?.instance ?? '',
      deployment: deployment?.name ?? null,
      model: deployment?.model ?? null,
      backend: deployment?.backend ?? null,
      upstream: trace.route.upstream ?? null,
      attempts: trace.route.attempts.length > 0 ? trace.route.attempts.join(', ') : null,
      operation: trace.operation ?? null,
      principal: principal ? (principal.kind === 'key' ? principal.keyName : principal.objectId) : null,
      appId: principal?.kind === 'entra' ? (principal.appId ?? null) : null,
      clientIp: clientIpOf(trace.clientIp),
      userAgent: trace.userAgent?.slice(0, 512) ?? null,
      status,
      errorCode,
      stream: trace.stream,
      ttfbMs: trace.firstByte === undefined ? null : round(trace.firstByte - trace.start),
      ttftMs: trace.firstToken === undefined ? null : round(trace.firstToken - trace.start),
      durationMs: round(durationMs),
      overheadMs: round(Math.max(0, durationMs - trace.backendWaitMs)),
      inputTokens: tokens.input,
      outputTokens: tokens.output,
      cacheWrite5mTokens: tokens.cacheWrite5m,
      cacheWrite1hTokens: tokens.cacheWrite1h,
      cacheReadTokens: tokens.cacheRead,
      costPico,
      requestId: trace.ids.requestId,
      apimRequestId: trace.ids.apimRequestId,
      clientRequestId: trace.ids.clientRequestId ?? null,
    };
    if (trace.content) r.content = { request: trace.content.request, response: trace.content.response, truncated: trace.content.truncated };
    return r;
  }

  function complete(trace: RequestTrace, status: number, aborted: boolean, durationMs: number, usage: TokenUsage | undefined): void {
    const r = record(trace, status, aborted, durationMs, usage);
    writer.enqueue(r);
    metrics.observe(r);
    if (otlp && trace.spans) otlp.observe(r, trace.spans, trace.backendStart === undefined ? undefined : trace.backendStart - trace.start);
    if (trace.resource) budgets.add(trace.resource.instance, r.costPico);
  }

  /** The response closed: after its last byte, after an error, or because the client went away. */
  function finish(trace: RequestTrace, res: ServerResponse): void {
    trace.answered();
    const durationMs = performance.now() - trace.start;
    const aborted = !res.writableFinished;
    const status = res.headersSent ? res.statusCode : 499;
    const pending = trace.pendingUsage;
    if (!pending) return complete(trace, status, aborted, durationMs, trace.usage?.current);
    pending.then(
      (usage) => complete(trace, status, aborted, durationMs, usage),
      () => complete(trace, status, aborted, durationMs, trace.usage?.current),
    );
  }

  function begin(req: IncomingMessage, res: ServerResponse, ids: Correlation): RequestTrace {
    const ua = req.headers['user-agent'];
    const trace = new RequestTrace(ids, req.socket.remoteAddress, typeof ua === 'string' ? ua : undefined, contentLimit);
    res.once('close', () => finish(trace, res));
    if (otlp) {
      // The upstream call is our span's child: the upstream sees it in the traceparent it is sent.
      trace.spans = spanIds(req.headers);
      req.headers['traceparent'] = traceparentOf(trace.spans);
    }
    return trace;
  }

  const render = () => metrics.render();
  const routes: Route[] = [
    ...metricsRoutes(render, settings.metricsToken, settings.metricsPort !== undefined),
    ...monitoringRoutes({ control, store, budgets, authorize: options.authorize, now }),
    pricesRoute(now),
  ];

  let metricsServer: ReturnType<typeof createMetricsServer> | undefined;
  if (settings.metricsPort !== undefined) {
    metricsServer = createMetricsServer(render, settings.metricsToken);
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen(settings.metricsPort, settings.metricsHost, () => resolve());
    }).catch(async (err: unknown) => {
      sharedBudgets?.close();
      retention?.stop();
      metrics.close();
      await writer.close();
      await store.close();
      throw err;
    });
  }

  return {
    begin,
    /** The 403 of an enforced budget that is used up; a map lookup otherwise. */
    checkBudget: (resource: Resource) => budgets.admit(resource.instance),
    routes,
    store,
    writer,
    budgets,
    metricsText: render,
    /** Takes a deleted deployment's series out of /metrics. */
    forgetDeployment: metrics.forget,
    metricsPort: metricsServer ? (metricsServer.address() as AddressInfo).port : undefined,
    /** Resolves once every record of a finished request is committed. */
    flush: () => writer.drain(),
    async close(): Promise<void> {
      sharedBudgets?.close();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      retention?.stop();
      metrics.close();
      await writer.close();
      await store.close();
      await otlp?.close();
    },
  };
}

/** The retention job on the main thread (PostgreSQL's store is asynchronous): first after 10 s, then every interval. */
function startRetention(store: RequestLogStore, policy: RetentionPolicy, intervalMs: number): { stop(): void } {
  let running = false;
  let stopped = false;
  const sweep = () => {
    if (running || stopped) return;
    running = true;
    store.sweep(Date.now(), policy).then(
      () => (running = false),
      (err: unknown) => {
        running = false;
        if (!stopped) logger().error({ err }, 'request log retention failed');
      },
    );
  };
  const first = setTimeout(sweep, Math.min(10_000, intervalMs));
  const every = setInterval(sweep, intervalMs);
  first.unref();
  every.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
    },
  };
}

export type Telemetry = Awaited<ReturnType<typeof startTelemetry>>;
export { RequestTrace } from './trace.ts';
export { armAuthorizer, type AuthorizeManagement } from './authorize.ts';
