// `npx claude-foundry serve`: starts the gateway and prints how to call it.
import cluster from 'node:cluster';
import { defaultDeployments, handedPorts, loadConfig, logger, onStopRequest, reportReady, startGateway, superviseWorkers, type Gateway, type StartOptions } from '@claude-foundry/gateway';
import { VERSION } from '../version.ts';
import { callSnippets } from '../snippets.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry serve [options]

Starts the Foundry endpoint on 127.0.0.1:4480 (HTTPS on 4443) with the resource 'claude-local' and the
current Sonnet, Opus and Haiku of the model catalog (today ${defaultDeployments().join(', ')}) on the
built-in simulator. Keys and state are kept in ./.data.

Options:
  --config <file>    a JSON config file (default: $CLAUDE_FOUNDRY_CONFIG)
  --port <n>         the HTTP port (default 4480; 0 picks a free one)
  --https-port <n>   the HTTPS port (default 4443, or a free one when --port is 0)
  --host <addr>      the address to listen on (default 127.0.0.1)
  --data-dir <dir>   where keys and state are kept (default ./.data)
  --workers <n>      worker processes sharing the ports (default 1; 'auto': one per core; docs/scale-out.md)
  --drain-ms <ms>    on SIGTERM or Ctrl+C, how long requests in flight may finish (default 30000; a second
                     signal stops at once)
  -h, --help         this text`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    config: { type: 'string' },
    port: { type: 'string' },
    'https-port': { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    workers: { type: 'string' },
    'drain-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --port must be a whole number from 0 to 65535, not '${values.port}'.`);
    overrides['port'] = port;
  }
  if (values['https-port'] !== undefined) {
    const port = Number(values['https-port']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`serve: --https-port must be a whole number from 0 to 65535, not '${values['https-port']}'.`);
    overrides['httpsPort'] = port;
  }
  if (values.host !== undefined) overrides['host'] = values.host;
  if (values['data-dir'] !== undefined) overrides['dataDir'] = values['data-dir'];
  if (values.workers !== undefined) {
    const n = Number(values.workers);
    if (values.workers !== 'auto' && !(/^\d+$/.test(values.workers) && n >= 1 && n <= 1024)) {
      throw new UsageError(`serve: --workers must be a whole number from 1 to 1024, or 'auto' for one per core, not '${values.workers}'.`);
    }
    overrides['workers'] = values.workers === 'auto' ? 'auto' : n;
  }
  if (values['drain-ms'] !== undefined) {
    const ms = Number(values['drain-ms']);
    if (!/^\d+$/.test(values['drain-ms']) || ms > 3_600_000) throw new UsageError(`serve: --drain-ms must be a whole number of milliseconds from 0 to 3600000, not '${values['drain-ms']}'.`);
    overrides['drainMs'] = ms;
  }
  const start = { ...(values.config ? { configFile: values.config } : {}), overrides };

  if (cluster.isPrimary) {
    // The config is checked here, once, before any worker is forked.
    const { workers, drainMs, host, port, httpsPort } = loadConfig({ file: start.configFile, overrides });
    if (workers > 1) {
      return superviseWorkers({ workers, listen: { host, port, httpsPort }, log: logger(), onReady: (text) => process.stdout.write(text), onStop: (now) => process.stdout.write(stopping(now, drainMs)) });
    }
  }
  try {
    return await run(start);
  } finally {
    // A worker's channel to the primary would keep it alive, after a failed start too. Through the cluster's own
    // disconnect, which leaves the exit code as set (a bare process.disconnect() makes the worker exit 0).
    if (cluster.isWorker && process.connected) cluster.worker!.disconnect();
  }
}

/** Runs one gateway (the only one, or a worker) until a signal or the primary stops it. */
async function run(start: StartOptions): Promise<number> {
  let gateway: Gateway | undefined;
  let stopRequested = false;
  let cutNow = false;
  let resolveStop!: (now: boolean) => void;
  const stopped = new Promise<boolean>((resolve) => (resolveStop = resolve));
  // The first request drains; a second one (or the primary's 'now') cuts what is still in flight.
  const stop = (now: boolean) => {
    if (stopRequested) {
      cutNow ||= now;
      if (now) void gateway?.close();
      return;
    }
    stopRequested = true;
    resolveStop(now);
  };
  // A worker listens before it starts: the primary may ask it to stop while it is still starting.
  if (cluster.isWorker) onStopRequest(stop);
  // A worker admits and spends through the primary (exact limits and budgets across workers), or Redis when configured.
  gateway = await startGateway({ ...start, clusterWorker: cluster.isWorker, handedPorts: handedPorts() });
  if (!cluster.isWorker) {
    process.on('SIGINT', () => stop(stopRequested));
    process.on('SIGTERM', () => stop(stopRequested));
  }
  const text = banner(gateway);
  if (cluster.isWorker) reportReady(text);
  else process.stdout.write(text);
  const now = await stopped;
  if (!cluster.isWorker) process.stdout.write(stopping(now, gateway.config.drainMs));
  const { cut } = await (now || cutNow ? gateway.close().then(() => ({ cut: 0 })) : gateway.drain());
  if (cut > 0) logger().warn({ cut }, `${cut} connection${cut === 1 ? '' : 's'} still busy at the drain bound (drainMs) were cut`);
  return 0;
}


/** The admin user's password is printed once, on the start that created it; after that, where it is kept. */
function adminPassword(gateway: Gateway): string {
  const { newPassword, path } = gateway.identity.adminUser;
  return newPassword ? `password ${newPassword}, kept in ${path}` : `password in ${path}`;
}

function stopping(now: boolean, drainMs: number): string {
  return `claude-foundry: shutting down${now ? ' now' : `, letting requests in flight finish for up to ${drainMs / 1000} s (Ctrl+C again to stop now)`}\n`;
}

/** Only under --workers: how many processes share the ports. */
function workersLine(gateway: Gateway): string {
  if (!cluster.isWorker) return '';
  return `\n  Workers      ${gateway.config.workers} processes share these ports (primary pid ${process.ppid}); /healthz names the one that answered`;
}

export function banner(gateway: Gateway): string {
  const resource = gateway.config.resources[0]!;
  const baseURL = gateway.baseURL(resource.name);
  const model = resource.deployments[0]?.name ?? 'claude-sonnet-5-5';
  // Every resource the store holds (those created through the CLI or ARM too), one line each.
  const resources = gateway.control.current.resources().map((r) => {
    const deployments = [...r.deployments.values()];
    const backends = [...new Set(deployments.map((d) => d.backend))].join(', ');
    return `${r.name}: ${deployments.length ? `${deployments.map((d) => d.name).join(', ')} (${backends})` : 'no deployments'}`;
  });
  return `claude-foundry ${VERSION} is serving Claude on Microsoft Foundry, emulated.

  Endpoint     ${baseURL}/v1/messages
  Resources    ${resources.join('\n               ')}
  Data folder  ${gateway.config.dataDir} (choose another with --data-dir)
  Ports        HTTP ${gateway.port}, HTTPS ${gateway.httpsPort} (choose others with --port and --https-port)${workersLine(gateway)}
  Scenarios    ${gateway.scenarios.status().map((f) => `${f.file} (${f.rules} rule${f.rules === 1 ? '' : 's'})`).join(', ')}, reloaded on change (docs/scenarios.md)
  HTTPS        ${gateway.httpsUrl} (its CA: ${gateway.identity.caPath})
  Entra ID     development tenant ${gateway.identity.tenantId}, authority host ${gateway.httpsUrl}
  CLI admin    ${gateway.identity.adminCredentialsPath}
  Portal       ${gateway.url}/portal/ (user ${gateway.identity.adminUser.userName}, ${adminPassword(gateway)})

${callSnippets({ baseURL, apiKey: gateway.keys(resource.name).key1, model })}
To use Microsoft Entra ID tokens instead of keys (docs/identity.md), give a principal a role:

npx claude-foundry principal create --name dev && npx claude-foundry role assign --principal dev --role "Cognitive Services User"

then, in the shell that runs @azure/identity (ClientSecretCredential with authorityHost
${gateway.httpsUrl} and disableInstanceDiscovery: true), trust the gateway's CA and drop the key:
the SDK refuses an API key and a token provider together.

export NODE_EXTRA_CA_CERTS=${gateway.identity.caPath}
unset ANTHROPIC_FOUNDRY_API_KEY

Press Ctrl+C to stop.
`;
}
