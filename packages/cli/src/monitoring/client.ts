// The monitoring commands' link to a running gateway: the admin principal's management token (gateway-client.ts)
// and the /monitoring API, with the flags every one of them takes.
import { GatewayClient } from '../gateway-client.ts';

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `  --json             machine-readable output (one JSON document; JSON lines with --follow)
  --url <url>        the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>   the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help         this text`;

export function connect(values: { url?: string | undefined; 'data-dir'?: string | undefined }): GatewayClient {
  return new GatewayClient({ url: values.url, dataDir: values['data-dir'] });
}

/** GET /monitoring/{path} with the given query, as the admin principal. */
export async function query<T>(client: GatewayClient, path: string, params: Record<string, string | undefined>): Promise<T> {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const qs = search.toString();
  return (await client.manage('GET', `/monitoring/${path}${qs ? `?${qs}` : ''}`)).json as T;
}
