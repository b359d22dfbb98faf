// Authentication and authorization on the data plane: an API key of the resource (unless the resource disables
// local auth), or a Microsoft Entra ID token whose principal holds a role granting Claude's data action on it.
import type { IncomingHttpHeaders } from 'node:http';
import type { ControlState } from '../control/snapshot.ts';
import type { KeyName, Resource } from '../control/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { Correlation } from '../http/respond.ts';
import type { DirectorySnapshot } from '../identity/directory-snapshot.ts';
import type { TokenValidator, ValidatedToken } from '../identity/validate.ts';
import { extractCredential } from './credentials.ts';
import { DATA_ACTIONS, type DataOperation } from './data-actions.ts';
import { accountScope } from './scopes.ts';
import { tokenFailure } from './token-errors.ts';

export type Principal =
  | { kind: 'key'; keyName: KeyName }
  | { kind: 'entra'; tenantId: string; objectId: string; appId: string | undefined; groups: readonly string[] };

export interface Authenticated {
  resource: Resource;
  principal: Principal;
}


const PATHS: Readonly<Record<DataOperation, string>> = { messages: 'POST /anthropic/v1/messages', count_tokens: 'POST /anthropic/v1/messages/count_tokens' };

/** Tokens for Cognitive Services or Azure AI, v1 (resource URI) or v2 (the resource app's client ID). */
export const DATA_PLANE_AUDIENCES: readonly string[] = [
  'https://cognitiveservices.azure.com',
  'https://ai.azure.com',
  '7d312290-28c8-473c-a0ed-8e53749b6d6d', // Microsoft Cognitive Services
  '18a66f5f-dbdf-4c17-9dd7-1634712a9cbe', // Azure Machine Learning Services (https://ai.azure.com)
];

export interface AuthenticatorDeps {
  control: ControlState;
  validator: TokenValidator;
  directory: { readonly current: DirectorySnapshot };
}

export function createAuthenticator(deps: AuthenticatorDeps) {
  function byKey(key: string, addressed: Resource | undefined): Authenticated {
    // A resource that refuses keys says so whatever the key, without revealing whether it was valid.
    if (addressed?.disableLocalAuth) throw new GatewayError('local_auth_disabled');
    const found = deps.control.current.findKey(key);
    if (!found || (addressed && found.resource.name.toLowerCase() !== addressed.name.toLowerCase())) throw new GatewayError('invalid_key');
    if (found.resource.disableLocalAuth) throw new GatewayError('local_auth_disabled');
    return { resource: found.resource, principal: { kind: 'key', keyName: found.keyName } };
  }

  async function byToken(token: string, addressed: Resource | undefined, operation: DataOperation, ids: Correlation | undefined): Promise<Authenticated> {
    const resources = deps.control.current.resources();
    const resource = addressed ?? (resources.length === 1 ? resources[0] : undefined);
    if (!resource) {
      throw new GatewayError(
        'resource_not_found',
        'A Microsoft Entra ID token does not name a resource: address it by host ({resource}.services.ai.azure.com) or by path (/{resource}/anthropic/v1/messages).',
      );
    }
    let identity: ValidatedToken;
    try {
      identity = await deps.validator.validate(token, DATA_PLANE_AUDIENCES);
    } catch (err) {
      throw tokenFailure(err, ids);
    }
    const action = DATA_ACTIONS[operation];
    const scope = accountScope(resource.subscriptionId, resource.resourceGroup, resource.name);
    if (!deps.directory.current.allows(deps.directory.current.principalIdsOf(identity), scope, 'dataAction', action)) {
      throw new GatewayError(
        'permission_denied',
        `The principal \`${identity.objectId}\` lacks the required data action \`${action}\` to perform \`${PATHS[operation]}\` operation on resource '${resource.name}'. ` +
          'Assign it a role such as Cognitive Services User or Azure AI User on the resource, its resource group or its subscription. ' +
          'For instructions on granting the necessary permissions, see https://aka.ms/FoundryPermissions.',
      );
    }
    const { tenantId, objectId, appId, groups } = identity;
    return { resource, principal: { kind: 'entra', tenantId, objectId, appId, groups } };
  }

  /**
   * `addressed` is the resource named by Host or path, if any; with none, a key decides the resource. `ids` label any log
   * line. A key is checked synchronously (no promise on the hot path); a token, asynchronously. Failures are thrown.
   */
  return function authenticate(headers: IncomingHttpHeaders, addressed: Resource | undefined, operation: DataOperation, ids?: Correlation): Authenticated | Promise<Authenticated> {
    const credential = extractCredential(headers);
    if (credential.kind === 'none') throw new GatewayError('missing_key');
    if (credential.kind === 'key') return byKey(credential.key, addressed);
    return byToken(credential.token, addressed, operation, ids);
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
