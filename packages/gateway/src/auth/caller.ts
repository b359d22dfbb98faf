// Who is calling a management endpoint (ARM, the Graph-like API, monitoring): a bearer token for Azure Resource
// Manager, Microsoft Graph or one of this gateway's configured public origins, refused in ARM's words otherwise.
// The accepted audiences never come from the request: a token a trusted tenant issued for another service
// (Key Vault, say) is refused whatever Host the caller sends.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/index.ts';
import type { Correlation } from '../http/respond.ts';
import type { DirectorySnapshot } from '../identity/directory-snapshot.ts';
import type { PublicOrigins } from '../identity/origin.ts';
import type { TokenValidator, ValidatedToken } from '../identity/validate.ts';
import { tokenFailure } from './token-errors.ts';

/** ARM's audiences (both spellings Entra issues) and Graph's; the gateway's public origins are added to them. */
const MANAGEMENT_AUDIENCES: readonly string[] = ['https://management.azure.com', 'https://management.core.windows.net', 'https://graph.microsoft.com'];

export interface Caller extends ValidatedToken {
  /** The object ID (unless the directory knows it in another tenant) and the token's groups: whom role assignments can name. */
  principalIds: string[];
}

/** `directory`: the current snapshot, which knows each principal's tenant. `ids`: the request's, for the log line an unexpected validation failure gets. */
export async function authenticateCaller(
  req: IncomingMessage,
  validator: TokenValidator,
  origins: PublicOrigins,
  directory: { readonly current: DirectorySnapshot },
  ids?: Correlation,
): Promise<Caller> {
  const header = req.headers.authorization;
  if (!header) throw new GatewayError('authentication_failed');
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new GatewayError('authentication_failed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
  try {
    const token = await validator.validate(match[1]!, [...MANAGEMENT_AUDIENCES, ...origins.list]);
    return { ...token, principalIds: directory.current.principalIdsOf(token) };
  } catch (err) {
    throw tokenFailure(err, ids);
  }
}

/** ARM's 403, naming the caller, the action and the scope. */
export function authorizationFailed(caller: Caller, action: string, scope: string): GatewayError {
  return new GatewayError(
    'authorization_failed',
    `The client '${caller.objectId}' with object id '${caller.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
