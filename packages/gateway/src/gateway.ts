// Assembles and starts a gateway: config, keys, the control snapshot, backends and the HTTP listener.
import type { AddressInfo } from 'node:net';
import { createSimulator } from './backends/simulator/index.ts';
import { type GatewayConfig, loadConfig, type RawConfig } from './config/index.ts';
import { resolveKeys } from './control/keyfile.ts';
import { ControlSnapshot, ControlState } from './control/snapshot.ts';
import type { Deployment, Resource } from './control/types.ts';
import { createDataPlane } from './dataplane/handler.ts';
import { createGatewayServer } from './http/server.ts';

export interface StartOptions {
  /** A config file to read (else $CLAUDE_FOUNDRY_CONFIG, else the defaults). */
  configFile?: string;
  /** Values that win over the file and the environment: `{ port: 0, dataDir }` in tests. */
  overrides?: Partial<RawConfig>;
  env?: NodeJS.ProcessEnv;
}

export interface Gateway {
  config: GatewayConfig;
  control: ControlState;
  /** e.g. http://127.0.0.1:4480 */
  url: string;
  port: number;
  /** The base URL the official SDKs take for a resource: `{url}/{resource}/anthropic`. */
  baseURL(resource?: string): string;
  keys(resource?: string): { key1: string; key2: string };
  /** Live gauges: streams being written right now. */
  stats(): { activeStreams: number };
  close(): Promise<void>;
}

export function buildSnapshot(config: GatewayConfig): ControlSnapshot {
  const keys = resolveKeys(config.dataDir, config.resources);
  const resources: Resource[] = config.resources.map((r) => ({
    name: r.name,
    keys: keys.get(r.name.toLowerCase())!,
    disableLocalAuth: r.disableLocalAuth,
    deployments: new Map<string, Deployment>(r.deployments.map((d) => [d.name, { ...d }])),
  }));
  return new ControlSnapshot(resources);
}

export async function startGateway(options: StartOptions = {}): Promise<Gateway> {
  const config = loadConfig({ file: options.configFile, overrides: options.overrides, env: options.env ?? process.env });
  const control = new ControlState(buildSnapshot(config));
  const dataPlane = createDataPlane({ config, control, backends: { simulator: createSimulator() } });
  const server = createGatewayServer(dataPlane.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const defaultResource = config.resources[0]!.name;
  return {
    config,
    control,
    url,
    port,
    baseURL: (resource = defaultResource) => `${url}/${resource}/anthropic`,
    keys: (resource = defaultResource) => {
      const found = control.current.resource(resource);
      if (!found) throw new Error(`No resource named ${resource}`);
      return found.keys;
    },
    stats: () => ({ activeStreams: dataPlane.stats.activeStreams }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
