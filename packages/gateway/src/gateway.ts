// Assembles and starts a gateway: config, the store (seeded from the config), the control plane and its snapshot,
// identity, backends, telemetry and the HTTP and HTTPS listeners.
import type { AddressInfo, Server } from 'node:net';
import { createAuthenticator } from './auth/authenticate.ts';
import { ScenarioBook, withScenarios } from './backends/scenarios/index.ts';
import { createSimulator } from './backends/simulator/index.ts';
import { createUpstreamBackends, type UpstreamBackendOptions } from './backends/upstream/backends.ts';
import { type GatewayConfig, loadConfig, type RawConfig } from './config/index.ts';
import { createManagementApi } from './control/arm/index.ts';
import { createResourceManagerApi } from './control/arm/resource-manager.ts';
import { ControlPlane } from './control/plane.ts';
import type { ControlState } from './control/snapshot.ts';
import { createDataPlane } from './dataplane/handler.ts';
import { createGatewayServer } from './http/server.ts';
import { ensureTlsMaterial, tlsNames } from './http/tls.ts';
import { writeAdminCredentials } from './identity/admin.ts';
import { type GatewayIdentity, startIdentity } from './identity/index.ts';
import { createMemoryLimiter, type Limiter } from './limits/index.ts';
import { openStore } from './store/index.ts';
import { armAuthorizer, startTelemetry } from './telemetry/index.ts';

export interface StartOptions {
  /** A config file to read (else $CLAUDE_FOUNDRY_CONFIG, else the defaults). */
  configFile?: string;
  /** Values that win over the file and the environment: `{ port: 0, dataDir }` in tests. */
  overrides?: Partial<RawConfig>;
  env?: NodeJS.ProcessEnv;
  /** Seams for the upstream backends (tests pass a fake Entra credential). */
  upstream?: UpstreamBackendOptions;
  /** The per-deployment rate limiter; defaults to the in-process one. */
  limiter?: Limiter;
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
  /** Live gauges: streams being written right now. */
  stats(): { activeStreams: number };
  /** Scripted scenarios (docs/scenarios.md): each file's rule count and refusal; `change` after each reload. */
  scenarios: Pick<ScenarioBook, 'status'> & NodeJS.EventEmitter;
  /** The request log and metrics (docs/monitoring.md): `flush()` resolves once finished requests are committed. */
  telemetry: { flush(): Promise<void>; metricsText(): string; metricsPort: number | undefined };
  close(): Promise<void>;
}

export async function startGateway(options: StartOptions = {}): Promise<Gateway> {
  const config = loadConfig({ file: options.configFile, overrides: options.overrides, env: options.env ?? process.env });
  const scenarios = new ScenarioBook(config.scenarios); // reads its files now; watches them once the gateway listens
  const store = openStore(config.dataDir);
  const opened = await ControlPlane.open(store, config, Date.now).catch((err: unknown) => {
    store.close();
    throw err;
  });
  const { plane } = opened;
  for (const warning of opened.warnings) process.stderr.write(`claude-foundry: ${warning}\n`);
  const control = plane.state;
  const upstream = createUpstreamBackends(options.upstream);
  const backends = { simulator: withScenarios(createSimulator(), scenarios), ...upstream.backends };
  const identity = await startIdentity({ config, control, store, clock: Date.now }).catch((err: unknown) => {
    store.close();
    throw err;
  });
  const { directory, validator } = identity;
  const authenticate = createAuthenticator({ control, validator, directory });
  const telemetry = await startTelemetry({ config, control, authorize: armAuthorizer(validator, directory), env: options.env ?? process.env }).catch((err: unknown) => {
    store.close();
    throw err;
  });
  const dataPlane = createDataPlane({ config, control, authenticate, backends, limiter: options.limiter ?? createMemoryLimiter(), telemetry });
  const ports = { http: 0, https: 0 };
  const routes = [
    ...identity.routes,
    createManagementApi({ directory, control, validator }),
    createResourceManagerApi({ plane, directory, validator, ports, now: Date.now }),
    ...telemetry.routes,
  ];
  const names = control.current.resources().flatMap((r) => [r.name, ...(r.customSubDomainName ? [r.customSubDomainName] : [])]);
  const tls = ensureTlsMaterial(config.dataDir, tlsNames(names, config.domains, config.host));
  const server = createGatewayServer(dataPlane.handle, { routes });
  const httpsServer = createGatewayServer(dataPlane.handle, { routes, tls: { key: tls.key, cert: tls.cert } });
  const closeAll = () =>
    Promise.all(
      [server, httpsServer].map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            if (!s.listening) return resolve();
            s.close((err) => (err ? reject(err) : resolve()));
            s.closeAllConnections();
          }),
      ),
    )
      // Requests cut short by the close finish their records first; then the log queue drains.
      .finally(() => telemetry.close())
      .then(
        () => store.close(),
        (err: unknown) => {
          store.close();
          throw err;
        },
      );
  try {
    await listen(server, config.port, config.host);
    await listen(httpsServer, config.httpsPort, config.host);
  } catch (err) {
    await closeAll();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const httpsPort = (httpsServer.address() as AddressInfo).port;
  Object.assign(ports, { http: port, https: httpsPort });
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const httpsUrl = `https://${host}:${httpsPort}`;
  writeAdminCredentials(identity.admin.path, identity.admin, { url, httpsUrl, caPath: tls.caPath });
  scenarios.watch();
  const defaultResource = config.resources[0]!.name;
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
      directory,
      rotateSigningKey: () => identity.keys.rotate(),
    },
    baseURL: (resource = defaultResource) => `${url}/${resource}/anthropic`,
    keys: (resource = defaultResource) => {
      const found = control.current.resource(resource);
      if (!found) throw new Error(`No resource named ${resource}`);
      return found.keys;
    },
    stats: () => ({ activeStreams: dataPlane.stats.activeStreams }),
    scenarios,
    telemetry: { flush: () => telemetry.flush(), metricsText: () => telemetry.metricsText(), metricsPort: telemetry.metricsPort },
    close: () =>
      closeAll().finally(() => {
        scenarios.close();
        return upstream.close();
      }),
  };
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
