// Assembles and starts a gateway: config, the store (seeded from the config), the control plane and its snapshot,
// identity, backends, telemetry and the HTTP and HTTPS listeners.
import type { AddressInfo, Server } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { createAuthenticator } from './auth/authenticate.ts';
import { ScenarioBook, withScenarios } from './backends/scenarios/index.ts';
import { poolRoutes } from './backends/pool/status.ts';
import { createSimulator } from './backends/simulator/index.ts';
import { createUpstreamBackends, type UpstreamBackendOptions } from './backends/upstream/backends.ts';
import { type GatewayConfig, loadConfig, type RawConfig } from './config/index.ts';
import { authenticateCaller } from './auth/caller.ts';
import { managementRoutes } from './control/arm/index.ts';
import { resourceManagerRoutes } from './control/arm/resource-manager.ts';
import { ControlPlane } from './control/plane.ts';
import type { ControlSnapshot, ControlState } from './control/snapshot.ts';
import { createDataPlane } from './dataplane/handler.ts';
import { createRouteTable, type Route } from './http/routes.ts';
import { createConnectionGuard, type DebugLog } from './http/connections.ts';
import { createGatewayServer } from './http/server.ts';
import { TlsCertificates, tlsNames, tlsStorage } from './http/tls.ts';
import { writeAdminCredentials } from './identity/admin.ts';
import { type GatewayIdentity, startIdentity } from './identity/index.ts';
import { PublicOrigins } from './identity/origin.ts';
import { portalRoutes } from './portal/routes.ts';
import type { Limiter } from './limits/index.ts';
import { selectLimiter } from './limits/select.ts';
import { logger } from './log/index.ts';
import { drainListeners } from './process/drain.ts';
import { acceptHandedConnections, type HandedConnections } from './process/handoff.ts';
import { healthRoutes, Readiness } from './process/readiness.ts';
import { openConfiguredStore } from './store/index.ts';
import type { Store } from './store/types.ts';
import { armAuthorizer, startTelemetry } from './telemetry/index.ts';

export interface StartOptions {
  /** A config file to read (else $CLAUDE_FOUNDRY_CONFIG, else the defaults). */
  configFile?: string;
  /** Values that win over the file and the environment: `{ port: 0, dataDir }` in tests. */
  overrides?: Partial<RawConfig>;
  env?: NodeJS.ProcessEnv;
  /** Seams for the upstream backends (tests pass a fake Entra credential). */
  upstream?: UpstreamBackendOptions;
  /** The per-deployment rate limiter; defaults to the config's (limits/select.ts): Redis, the cluster primary's or in-process. */
  limiter?: Limiter;
  /**
   * This process is a worker of `serve --workers N` whose primary serves the limits and budgets
   * (`serveClusterLimiter(cluster)` in limits/primary.ts, `serveClusterBudgets(cluster)` in telemetry/budgets-cluster.ts).
   */
  clusterWorker?: boolean;
  /**
   * Under `serve --workers N` the primary listens on these ports (resolved there) and hands each connection to the
   * least busy worker (process/dealer.ts): this worker's servers do not listen, they serve what they are handed.
   */
  handedPorts?: { port: number; httpsPort: number } | undefined;
  /**
   * The clock models' lifecycles are judged by (a retired model's 404, ARM refusing to deploy it) and ARM stamps
   * its records with; tests inject one around a retirement date. Tokens keep the real clock.
   */
  now?: () => number;
  /** The clock the development tenant issues and judges its codes and refresh tokens by; tests move it a day on. */
  identityClock?: () => number;
}

export interface Gateway {
  config: GatewayConfig;
  /** The data plane's view: the current snapshot of resources, deployments and keys. */
  control: ControlState;
  /** Resource groups, accounts and deployments as stored; changed through the ARM API (docs/control-plane.md). */
  plane: ControlPlane;
  /** e.g. http://127.0.0.1:4480 */
  url: string;
  port: number;
  /** The HTTPS listener, e.g. https://127.0.0.1:4443: the development identity provider's authority host. */
  httpsUrl: string;
  httpsPort: number;
  /** Entra ID: the development tenant, the directory, the CA (docs/identity.md). */
  identity: GatewayIdentity;
  /** The base URL the official SDKs take for a resource: `{url}/{resource}/anthropic`. */
  baseURL(resource?: string): string;
  keys(resource?: string): { key1: string; key2: string };
  /** The store: `ping()` resolves while it answers (for readiness); `dialect` says which it is. */
  store: Pick<Store, 'ping' | 'dialect'>;
  /** Live gauges: streams being written right now. */
  stats(): { activeStreams: number };
  /** Scripted scenarios (docs/scenarios.md): each file's rule count and refusal; `change` after each reload. */
  scenarios: Pick<ScenarioBook, 'status'> & NodeJS.EventEmitter;
  /** The request log and metrics (docs/monitoring.md): `flush()` resolves once finished requests are committed. */
  telemetry: { flush(): Promise<void>; metricsText(): string; metricsPort: number | undefined };
  /** `ping()` resolves when the limiter admits exactly (its Redis or its primary answers): for `/readyz`. */
  limiter: Pick<Limiter, 'ping'>;
  /** What `/readyz` checks (the store; others add theirs, e.g. Redis), and whether the gateway is draining. */
  readiness: Readiness;
  /** Every route outside the data plane as declared, each with its authentication (tests check each one's). */
  routes: readonly Route[];
  /** Stops at once: open connections are cut. */
  close(): Promise<void>;
  /**
   * Stops gracefully (SIGTERM): `/readyz` turns 503, the listeners stop accepting, requests and streams in flight
   * run to completion for at most `boundMs` (default: the config's `drainMs`), then everything closes.
   */
  drain(boundMs?: number): Promise<{ cut: number }>;
}

export async function startGateway(options: StartOptions = {}): Promise<Gateway> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const config = loadConfig({ file: options.configFile, overrides: options.overrides, env });
  const scenarios = new ScenarioBook(config.scenarios); // reads its files now; watches them once the gateway listens
  const store = await openConfiguredStore(config, env);
  const opened = await ControlPlane.open(store, config, now).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const { plane } = opened;
  for (const warning of opened.warnings) logger().warn(warning);
  const control = plane.state;
  const selected = await selectLimiter(config.limits, { worker: options.clusterWorker });
  const limiter = options.limiter ?? selected.limiter;
  const closeLimits = () => Promise.all([limiter.close(), selected.limiter.close()]).finally(() => selected.redis?.close());
  // Pool members' own budgets draw on the same limiter as deployments.
  const upstream = createUpstreamBackends({ ...options.upstream, pool: { limiter, ...options.upstream?.pool } });
  const backends = { simulator: withScenarios(createSimulator(), scenarios), ...upstream.backends };
  const origins = new PublicOrigins(config.identity.publicOrigins);
  const identity = await startIdentity({ config, control, store, clock: options.identityClock ?? Date.now, origins }).catch(async (err: unknown) => {
    await closeLimits();
    await store.close();
    throw err;
  });
  followStore(store, [() => plane.reload(), () => identity.directory.reload(), () => identity.keys.reload()]);
  const { directory, validator } = identity;
  const authenticate = createAuthenticator({ control, validator, directory });
  const connections = createConnectionGuard(config.connections, config.trustedProxies, debugLog(env));
  const telemetry = await startTelemetry({ config, control, authorize: armAuthorizer(directory), connections: connections.stats, pools: () => upstream.backends.pool.pools(), env, redis: selected.redis, clusterWorker: options.clusterWorker === true && !selected.redis }).catch(async (err: unknown) => {
    await closeLimits();
    await store.close();
    throw err;
  });
  const dataPlane = createDataPlane({ config, control, authenticate, backends, limiter, telemetry, now });
  const ports = { http: 0, https: 0 };
  const readiness = new Readiness();
  // The store answers a read: the snapshot keeps serving without it, but nothing could change or be created.
  readiness.add('store', () => store.settings.get('readiness'));
  // Exact limits need their Redis, or the cluster primary that holds the workers' buckets, to answer.
  if (selected.redis || options.clusterWorker) readiness.add(selected.redis ? 'redis' : 'limits', () => limiter.ping());
  // Every route outside the data plane, in one table (http/routes.ts): one rule for methods, decoding and authentication.
  const declared = [...healthRoutes(readiness), ...identity.routes, ...managementRoutes({ directory, control }), ...resourceManagerRoutes({ plane, directory, ports, now }), ...telemetry.routes, ...poolRoutes({ control, pools: upstream.backends.pool, authorize: armAuthorizer(directory), now: Date.now }), ...portalRoutes({ tenantId: identity.tenantId })];
  const routes = [
    createRouteTable(declared, {
      authenticate: (req) => authenticateCaller(req, validator, origins, directory),
    }),
  ];
  const namesOf = (snapshot: ControlSnapshot) =>
    tlsNames(snapshot.resources().flatMap((r) => [r.name, ...(r.customSubDomainName ? [r.customSubDomainName] : [])]), config.domains, config.host);
  // One CA for every process on the store (PostgreSQL replicas, or SQLite workers on one data folder), created by the
  // first to start (the others wait for its lock); each check and renewal runs under the store's exclusive lock, so
  // one process renews and the others adopt its CA.
  const tls = await TlsCertificates.open(config.dataDir, namesOf(control.current), Date.now, tlsStorage(config.dataDir, store), (work) => store.exclusive(work)).catch(async (err: unknown) => {
    await telemetry.close();
    await closeLimits();
    await store.close();
    throw err;
  });
  const server = createGatewayServer(dataPlane.handle, { routes, connections, shutdown: readiness });
  const httpsServer = createGatewayServer(dataPlane.handle, { routes, connections, shutdown: readiness, tls: tls.serverOptions() });
  tls.attach(httpsServer as TlsServer); // created with `tls`, so an https (TLS) server
  // A resource created or given a subdomain gets its names in the certificate: a handshake after the change waits for it.
  control.onReplace((next) => void tls.update(namesOf(next)));
  // A CA another process renewed reaches this one with the change that stored (PostgreSQL) or announced (SQLite) it.
  followStore(store, [() => tls.refresh()]);
  // A deleted deployment leaves /metrics: its series, and its pool's members.
  control.onDeploymentDeleted((resource, deployment) => {
    telemetry.forgetDeployment(resource, deployment);
    upstream.backends.pool.forget(resource, deployment);
  });
  let outcome = { cut: 0 };
  let handed: HandedConnections | undefined;
  const closeAll = (boundMs = 0) =>
    drainListeners([server, httpsServer], boundMs, handed)
      .then((drained) => {
        outcome = drained;
      })
      // Requests cut short by the close finish their records first; then the log queue drains.
      .finally(() => {
        connections.close();
        tls.close();
        return telemetry.close().finally(closeLimits);
      })
      .then(
        () => store.close(),
        async (err: unknown) => {
          await store.close();
          throw err;
        },
      );
  try {
    if (options.handedPorts) handed = acceptHandedConnections({ http: server, https: httpsServer });
    else {
      await listen(server, config.port, config.host).catch((err: unknown) => Promise.reject(Object.assign(err as Error, { listener: 'http' })));
      // Which listener failed decides which setting the error names (the CLI says --port or --https-port).
      await listen(httpsServer, config.httpsPort, config.host).catch((err: unknown) => Promise.reject(Object.assign(err as Error, { listener: 'https' })));
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const port = options.handedPorts?.port ?? (server.address() as AddressInfo).port;
  const httpsPort = options.handedPorts?.httpsPort ?? (httpsServer.address() as AddressInfo).port;
  Object.assign(ports, { http: port, https: httpsPort });
  origins.listening(config.host, port, httpsPort);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const httpsUrl = `https://${host}:${httpsPort}`;
  writeAdminCredentials(identity.admin.path, identity.admin, { url, httpsUrl, caPath: tls.caPath });
  scenarios.watch();
  const defaultResource = config.resources[0]!.name;
  let stopping: Promise<void> | undefined;
  // One stop, whichever asks first (a second SIGTERM, or close() after drain()).
  const stop = (boundMs: number) =>
    (stopping ??= closeAll(boundMs).finally(() => {
      scenarios.close();
      return upstream.close();
    }));
  return {
    config,
    control,
    plane,
    url,
    port,
    httpsUrl,
    httpsPort,
    identity: {
      tenantId: identity.tenantId,
      caPath: tls.caPath,
      caPem: tls.caPem,
      adminCredentialsPath: identity.admin.path,
      adminUser: { userName: identity.adminUser.userName, path: identity.adminUser.path, newPassword: identity.adminUser.newPassword },
      directory,
      rotateSigningKey: () => identity.keys.rotate(),
    },
    baseURL: (resource = defaultResource) => `${url}/${resource}/anthropic`,
    keys: (resource = defaultResource) => {
      const found = control.current.resource(resource);
      if (!found) throw new Error(`No resource named ${resource}`);
      return found.keys;
    },
    store: { dialect: store.dialect, ping: () => store.ping() },
    routes: declared,
    stats: () => ({ activeStreams: dataPlane.stats.activeStreams }),
    scenarios,
    telemetry: { flush: () => telemetry.flush(), metricsText: () => telemetry.metricsText(), metricsPort: telemetry.metricsPort },
    limiter: { ping: () => limiter.ping() },
    readiness,
    // During a drain, close() cuts what is still in flight (a second Ctrl+C).
    close: () => {
      if (!stopping) return stop(0);
      for (const s of [server, httpsServer]) s.closeAllConnections();
      handed?.cut();
      return stopping;
    },
    drain: (boundMs = config.drainMs) => {
      readiness.startDraining();
      return stop(boundMs).then(() => outcome);
    },
  };
}

/**
 * Another process's committed change (a replica, or a worker on the same SQLite file) reloads every snapshot the
 * store feeds: the control plane's, the directory's (principals, role assignments, users) and the signing keys. One
 * reload at a time; a change arriving meanwhile reloads once more after it. A failed reload (the store is down) is
 * logged and leaves the last snapshots serving; the next version seen tries again.
 */
function followStore(store: Store, reloads: Array<() => Promise<void>>): void {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) return void (again = true);
    running = true;
    do {
      again = false;
      const failed = (await Promise.allSettled(reloads.map((reload) => reload()))).find((r) => r.status === 'rejected');
      if (failed) logger().warn({ err: String((failed as PromiseRejectedResult).reason) }, "the store's change could not be loaded; the last snapshot keeps serving");
    } while (again);
    running = false;
  };
  store.watch(() => void run());
}

/**
 * Debug lines (client aborts), written only when CLAUDE_FOUNDRY_LOG_LEVEL is debug or trace.
 * LOGGER (issue 14): the one call site to switch to the structured logger's debug() when it lands.
 */
function debugLog(env: NodeJS.ProcessEnv): DebugLog | undefined {
  if (!/^(debug|trace)$/i.test(env['CLAUDE_FOUNDRY_LOG_LEVEL'] ?? '')) return undefined;
  return (fields) => process.stderr.write(`${JSON.stringify({ level: 'debug', ...fields })}\n`);
}

function listen(server: { once: Server['once']; off: Server['off']; listen: Server['listen'] }, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
