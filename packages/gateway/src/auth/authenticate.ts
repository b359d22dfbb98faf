// Authentication on the data plane: who is calling, and which resource they may call.
import type { IncomingHttpHeaders } from 'node:http';
import type { ControlSnapshot } from '../control/snapshot.ts';
import type { KeyName, Resource } from '../control/types.ts';
import { GatewayError } from '../errors/index.ts';
import { extractCredential } from './credentials.ts';

export type Principal = { kind: 'key'; keyName: KeyName };

export interface Authenticated {
  resource: Resource;
  principal: Principal;
}

/**
 * `addressed` is the resource named by Host or path, if any. With none, the key decides the resource.
 * A key of resource A presented to resource B is refused exactly like an unknown key.
 */
export function authenticate(snapshot: ControlSnapshot, headers: IncomingHttpHeaders, addressed: Resource | undefined): Authenticated {
  const credential = extractCredential(headers);
  if (credential.kind === 'none') throw new GatewayError('missing_key');
  if (credential.kind === 'token') {
    throw new GatewayError(
      'invalid_token',
      'Microsoft Entra ID tokens are not accepted by this gateway yet; authenticate with one of the resource\'s API keys in the x-api-key header.',
    );
  }
  const found = snapshot.findKey(credential.key);
  if (!found || (addressed && found.resource !== addressed)) throw new GatewayError('invalid_key');
  return { resource: found.resource, principal: { kind: 'key', keyName: found.keyName } };
}
