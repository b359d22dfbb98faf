// The OAuth pieces the development tenant's endpoints share: its errors, and the resource a scope names.
import { type ErrorCode, GatewayError } from '../errors/index.ts';
import { normalizeAudience } from './validate.ts';

/** First-party resources a client-credentials token can be asked for (scope `{resource}/.default`). */
export const KNOWN_RESOURCES = [
  'https://cognitiveservices.azure.com',
  'https://ai.azure.com',
  'https://management.azure.com',
  'https://management.core.windows.net',
  'https://graph.microsoft.com',
];
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
export const MAX_FORM_BYTES = 64 * 1024;

export const oauth = (code: Extract<ErrorCode, `oauth_${string}`>, message: string) => new GatewayError(code, message);
export const missing = (name: string) => oauth('oauth_invalid_request', `AADSTS900144: The request body must contain the following parameter: '${name}'.`);

/** Whether a space-separated scope parameter names `scope` (OIDC scopes compare without case). */
export const hasScope = (scopeParam: string | null, scope: string) => (scopeParam ?? '').split(/\s+/).some((s) => s.toLowerCase() === scope);

/** `https://x/.default` → the resource it names, as requested (a trailing slash is kept: it becomes `aud`). */
export function resourceOf(scopeParam: string, origins: readonly string[]): string {
  const scopes = scopeParam.split(/\s+/).filter((s) => s.length > 0 && !OIDC_SCOPES.has(s.toLowerCase()));
  if (scopes.length === 0) throw missing('scope');
  const resources = new Set<string>();
  for (const scope of scopes) {
    if (!scope.endsWith('/.default')) {
      throw oauth(
        'oauth_invalid_scope',
        `AADSTS1002012: The provided value for scope ${scope.slice(0, 200)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    resources.add(scope.slice(0, -'/.default'.length));
  }
  if (resources.size > 1) throw oauth('oauth_invalid_scope', 'AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource.');
  const resource = [...resources][0]!;
  const known = [...KNOWN_RESOURCES, ...origins].map(normalizeAudience);
  if (!known.includes(normalizeAudience(resource))) {
    throw oauth(
      'oauth_invalid_resource',
      `AADSTS500011: The resource principal named ${resource.slice(0, 200)} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant. The development tenant issues tokens for ${[...KNOWN_RESOURCES, ...origins].join(', ')} (this gateway's origins are set by identity.publicOrigins).`,
    );
  }
  return resource;
}

