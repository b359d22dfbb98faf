// `npx claude-foundry token`: prints an access token from the development tenant, so that an `azureADTokenProvider`
// is one line in development: `() => execFileSync('claude-foundry', ['token', ...]).toString().trim()`.
import { GatewayClient } from '../gateway-client.ts';
import { printJson } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry token [options]

Prints an access token for a service principal of the development tenant (client credentials).

Options:
  --scope <scope>          what the token is for (default https://cognitiveservices.azure.com/.default;
                           also https://ai.azure.com/.default, https://management.azure.com/.default)
  --client-id <id>         the principal's client ID (default $AZURE_CLIENT_ID, else the admin principal)
  --client-secret <s>      its secret (default $AZURE_CLIENT_SECRET)
  --json                   {"accessToken", "expiresIn", "expiresOn", "tokenType"} instead of the bare token
  --url <url>              the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>         the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help               this text

The admin principal is Owner: it manages, but, as in Azure, it cannot call Claude. Create a principal and
give it a role (npx claude-foundry principal create; npx claude-foundry role assign) to get a token that can.`;

export const DEFAULT_SCOPE = 'https://cognitiveservices.azure.com/.default';

export async function token(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('token', args, {
    scope: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    json: { type: 'boolean' },
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const clientId = values['client-id'] ?? process.env['AZURE_CLIENT_ID'];
  const clientSecret = values['client-secret'] ?? process.env['AZURE_CLIENT_SECRET'];
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new UsageError('token: pass both --client-id and --client-secret (or AZURE_CLIENT_ID and AZURE_CLIENT_SECRET), or neither for the admin principal.');
  }
  const scope = values.scope ?? DEFAULT_SCOPE;
  if (!scope.endsWith('/.default')) throw new UsageError(`token: --scope must end with /.default, as client-credential scopes do (got '${scope}').`);
  const client = new GatewayClient({ url: values.url, dataDir: values['data-dir'] });
  const issued = clientId !== undefined && clientSecret !== undefined ? await client.token(scope, clientId, clientSecret) : await client.token(scope);
  if (values.json) {
    printJson({ accessToken: issued.accessToken, expiresIn: issued.expiresIn, expiresOn: new Date(Date.now() + issued.expiresIn * 1000).toISOString(), tokenType: 'Bearer' });
  } else {
    process.stdout.write(`${issued.accessToken}\n`);
  }
  return 0;
}
