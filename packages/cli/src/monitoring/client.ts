// The monitoring commands' link to a running gateway: the admin principal's management token (gateway-client.ts)
// and the /monitoring API, with the flags every one of them takes.
import { ArmError, GatewayClient } from '../gateway-client.ts';
import { UsageError } from '../usage.ts';

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
/** The flag that sets each query parameter, so a refused value is reported as the flag the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  from: '--since', to: '--until', status: '--status', limit: '--limit', interval: '--interval', groupBy: '--by',
  deployment: '--deployment', resource: '--resource', principal: '--principal', requestId: '--request-id',
};

export async function query<T>(client: GatewayClient, path: string, params: Record<string, string | undefined>): Promise<T> {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const qs = search.toString();
  try {
    return (await client.manage('GET', `/monitoring/${path}${qs ? `?${qs}` : ''}`)).json as T;
  } catch (err) {
    // A value the API refuses came from a flag: a usage error (exit 2) that names the flag, not the API's parameter.
    const parameter = err instanceof ArmError && err.code === 'InvalidParameter' ? /^The query parameter '(\w+)' (.*)$/s.exec(err.armMessage) : null;
    const flag = parameter ? FLAG_OF[parameter[1]!] : undefined;
    if (parameter && flag) throw new UsageError(`${path}: ${flag} ${parameter[2]}`);
    throw err;
  }
}
