// The development identity provider, served by the gateway as Entra serves a tenant: OIDC discovery, the JWKS,
// and the token endpoint's grants: client credentials (principals), and for the portal's users the authorization code
// (PKCE) and the refresh token, which buys a token for another resource (the data plane) without a new sign-in. With `disableInstanceDiscovery: true`, @azure/identity's
// ClientSecretCredential makes exactly two calls here: GET the v2.0 discovery document, then POST the token form.
import type { IncomingMessage } from 'node:http';
import { collect } from '../http/body.ts';
import { sendJson } from '../http/respond.ts';
import type { Route, RouteContext } from '../http/routes.ts';
import { type AuthorizationCodes, authorizeHandlers, type Redemption } from './authorize.ts';
import type { Directory } from './directory.ts';
import { hasScope, MAX_FORM_BYTES, missing, oauth, resourceOf } from './oauth.ts';
import { type PublicOrigins, requestOrigin } from './origin.ts';
import type { RefreshTokens } from './refresh-tokens.ts';
import { isUser } from './users.ts';
import type { SigningKeyRing } from './signing-keys.ts';
import { clientInfo, mintAccessToken, mintIdToken, mintUserToken, v1Issuer } from './tokens.ts';

export interface IdentityProviderDeps {
  directory: Directory;
  keys: SigningKeyRing;
  clock: () => number;
  /** The gateway's own origins: the only resources besides Azure's it issues tokens for. */
  origins: PublicOrigins;
  /** The authorization-code flow's pending codes (the portal's sign-in). */
  codes: AuthorizationCodes;
  /** The refresh tokens handed to users who asked for offline_access. */
  refreshTokens: RefreshTokens;
}

function discovery(origin: string, tenant: string, version: 'v1' | 'v2'): Record<string, unknown> {
  const base = `${origin}/${tenant}`;
  const v = version === 'v2' ? '/v2.0' : '';
  return {
    token_endpoint: `${base}/oauth2${v}/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery${v}/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    // MSAL accepts a discovery document only if its issuer is on the origin it asked (or Microsoft's own host).
    issuer: version === 'v2' ? `${base}/v2.0` : v1Issuer(tenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2${v}/authorize`,
    device_authorization_endpoint: `${base}/oauth2${v}/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2${v}/logout`,
    claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

function clientCredentials(req: IncomingMessage, form: URLSearchParams): { clientId: string; clientSecret: string | undefined } {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
      } catch {
        throw oauth('oauth_invalid_client', 'AADSTS7000215: Invalid client secret provided. The Basic credentials are not URL-encoded client_id:client_secret.');
      }
    }
  }
  const clientId = form.get('client_id');
  if (!clientId) throw missing('client_id');
  return { clientId, clientSecret: form.get('client_secret') ?? undefined };
}

export function identityProviderRoutes(deps: IdentityProviderDeps): Route[] {
  const tenantId = deps.directory.tenantId;

  function requireTenant(tenant: string): void {
    if (tenant.toLowerCase() !== tenantId) {
      throw oauth('oauth_invalid_tenant', `AADSTS90002: Tenant '${tenant.slice(0, 60)}' not found. The development tenant of this gateway is '${tenantId}'.`);
    }
  }

  /**
   * A user's tokens, as Entra answers a SPA: the access token for the resource; with offline_access a refresh token
   * and its remaining lifetime; with openid an ID token; with client_info=1 the home account MSAL caches by. A
   * refresh names the resource in its own `scope` (any the tenant serves) and returns a new refresh token.
   */
  async function userTokens(req: IncomingMessage, form: URLSearchParams, grant: 'authorization_code' | 'refresh_token'): Promise<Record<string, unknown>> {
    let redeemed: Redemption;
    let refresh: { refreshToken: string; expiresAt: number } | undefined;
    if (grant === 'authorization_code') {
      redeemed = await deps.codes.redeem(form);
      if (redeemed.offline) refresh = await deps.refreshTokens.issue(redeemed.user, redeemed.clientId);
    } else {
      // The scope is checked first: a refresh for an unknown resource uses nothing up.
      const scope = form.get('scope');
      const resource = resourceOf(scope ?? '', deps.origins.list);
      const { user, clientId, refreshToken, expiresAt } = await deps.refreshTokens.redeem(form);
      redeemed = { user, clientId, resource, offline: true, openid: hasScope(scope, 'openid'), nonce: undefined };
      refresh = { refreshToken, expiresAt };
    }
    const { user, clientId, resource } = redeemed;
    const now = deps.clock();
    const key = deps.keys.active();
    const minted = mintUserToken(key, user, clientId, resource, now);
    return {
      token_type: 'Bearer', scope: `${resource}/user_impersonation`, expires_in: minted.expiresIn, ext_expires_in: minted.expiresIn, access_token: minted.accessToken,
      ...(refresh ? { refresh_token: refresh.refreshToken, refresh_token_expires_in: Math.max(0, Math.floor((refresh.expiresAt - now) / 1000)) } : {}),
      ...(redeemed.openid ? { id_token: mintIdToken(key, user, clientId, `${requestOrigin(req)}/${tenantId}/v2.0`, now, redeemed.nonce) } : {}),
      ...(form.get('client_info') === '1' ? { client_info: clientInfo(user) } : {}),
    };
  }

  async function token({ req, res, ids, params }: RouteContext): Promise<void> {
    requireTenant(params['tenant']!);
    const form = new URLSearchParams((await collect(req, MAX_FORM_BYTES)).toString('utf8'));
    const grant = form.get('grant_type');
    if (!grant) throw missing('grant_type');
    if (grant === 'authorization_code' || grant === 'refresh_token') {
      sendJson(res, 200, JSON.stringify(await userTokens(req, form, grant)), ids, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
      return;
    }
    if (grant !== 'client_credentials') {
      throw oauth('oauth_unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grant.slice(0, 60)}'. The development tenant supports client_credentials, authorization_code and refresh_token.`);
    }
    const { clientId, clientSecret } = clientCredentials(req, form);
    const resource = resourceOf(form.get('scope') ?? '', deps.origins.list);
    const found = deps.directory.current.principalByAppId(clientId);
    // A user signs in through /authorize; its password is no client secret.
    const principal = found && !isUser(found) ? found : undefined;
    if (!principal) {
      throw oauth(
        'oauth_unauthorized_client',
        `AADSTS700016: Application with identifier '${clientId.slice(0, 60)}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    if (!clientSecret) throw oauth('oauth_invalid_client', "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (!(await deps.directory.verifyClientSecret(principal, clientSecret))) {
      throw oauth(
        'oauth_invalid_client',
        `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${principal.appId}'.`,
      );
    }
    const minted = mintAccessToken(deps.keys.active(), principal, resource, deps.clock());
    const body = { token_type: 'Bearer', expires_in: minted.expiresIn, ext_expires_in: minted.expiresIn, access_token: minted.accessToken };
    sendJson(res, 200, JSON.stringify(body), ids, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
  }

  const cache = { 'cache-control': 'max-age=86400, private' };
  const keys = ({ res, ids, params }: RouteContext) => {
    requireTenant(params['tenant']!);
    sendJson(res, 200, JSON.stringify({ keys: deps.keys.jwks() }), ids, cache);
  };
  // The documents name endpoints on the origin the caller used: MSAL accepts an issuer only on the origin it asked.
  const configuration = (version: 'v1' | 'v2') => ({ req, res, ids, params }: RouteContext) => {
    requireTenant(params['tenant']!);
    sendJson(res, 200, JSON.stringify(discovery(requestOrigin(req), tenantId, version)), ids, cache);
  };
  const signIn = authorizeHandlers(deps.codes);
  const tenantChecked = (action: (ctx: RouteContext) => Promise<void> | void) => (ctx: RouteContext) => {
    requireTenant(ctx.params['tenant']!);
    return action(ctx);
  };
  return [
    { path: '/{tenant}/oauth2/v2.0/authorize', auth: 'public', methods: { GET: tenantChecked(signIn.get), POST: tenantChecked(signIn.post) } },
    { path: '/{tenant}/v2.0/.well-known/openid-configuration', auth: 'public', methods: { GET: configuration('v2') } },
    { path: '/{tenant}/.well-known/openid-configuration', auth: 'public', methods: { GET: configuration('v1') } },
    { path: '/{tenant}/discovery/v2.0/keys', auth: 'public', methods: { GET: keys } },
    { path: '/{tenant}/discovery/keys', auth: 'public', methods: { GET: keys } },
    {
      path: '/{tenant}/oauth2/v2.0/token',
      auth: 'public',
      methods: {
        POST: token,
        // Entra's own answer to a GET (a browser opening the URL): 400, not 405.
        GET: () => {
          throw oauth('oauth_invalid_request', 'AADSTS900561: The endpoint only accepts POST requests. Received a GET request.');
        },
      },
    },
  ];
}
