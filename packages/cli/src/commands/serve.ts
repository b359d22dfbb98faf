// `npx claude-foundry serve`: starts the gateway and prints how to call it.
import { defaultDeployments, startGateway, type Gateway } from '@claude-foundry/gateway';
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
  -h, --help         this text`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('serve', args, {
    config: { type: 'string' },
    port: { type: 'string' },
    'https-port': { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
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

  const gateway = await startGateway({ ...(values.config ? { configFile: values.config } : {}), overrides });
  process.stdout.write(banner(gateway));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('claude-foundry: shutting down\n');
  await gateway.close();
  return 0;
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
  Ports        HTTP ${gateway.port}, HTTPS ${gateway.httpsPort} (choose others with --port and --https-port)
  Scenarios    ${gateway.scenarios.status().map((f) => `${f.file} (${f.rules} rule${f.rules === 1 ? '' : 's'})`).join(', ')}, reloaded on change (docs/scenarios.md)
  HTTPS        ${gateway.httpsUrl} (its CA: ${gateway.identity.caPath})
  Entra ID     development tenant ${gateway.identity.tenantId}, authority host ${gateway.httpsUrl}
  CLI admin    ${gateway.identity.adminCredentialsPath}

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
