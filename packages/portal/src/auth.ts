// Sign-in through the gateway's development Entra tenant: the authorization-code flow with PKCE, as MSAL runs it
// for a single-page app. The verifier and state wait in sessionStorage across the redirect; the tokens are kept in
// memory only (a reload signs in again, the tenant's session being the password form). The sign-in asks for
// offline_access, so the page also holds a refresh token: with it the page gets a token for another resource (the
// data plane, for the playground) and renews each token before it expires, without a new sign-in, for the refresh
// token's 24 hours (Entra's lifetime for a SPA's).
export interface PortalConfig {
  tenantId: string;
  clientId: string;
}

const PENDING = 'claude-foundry.portal.pending';
export const ARM_SCOPE = 'https://management.azure.com/.default';
/** What the data plane accepts (the Cognitive Services audience), as @azure/identity's users ask for it. */
export const DATA_PLANE_SCOPE = 'https://cognitiveservices.azure.com/.default';
const SIGN_IN_SCOPE = `${ARM_SCOPE} openid profile offline_access`;
/** A token is renewed when it has less than this left: MSAL's default refresh offset (5 minutes). */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

interface Held {
  token: string;
  expiresAt: number;
}
interface TokenAnswer {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  error_description?: string;
}

let config: PortalConfig | undefined;
/** Access tokens by scope, and the refresh token that renews them: memory only. */
const held = new Map<string, Held>();
const renewing = new Map<string, Promise<string>>();
let refreshToken: string | undefined;
let userName: string | undefined;

export const redirectUri = () => `${location.origin}/portal/`;

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export async function loadConfig(): Promise<PortalConfig> {
  const res = await fetch('/portal/config.json');
  if (!res.ok) throw new Error(`The portal's configuration could not be loaded (${res.status}).`);
  return (await res.json()) as PortalConfig;
}

export async function signIn(portal: PortalConfig): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    client_id: portal.clientId, response_type: 'code', redirect_uri: redirectUri(), scope: SIGN_IN_SCOPE, state,
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`/${portal.tenantId}/oauth2/v2.0/authorize?${params}`);
}

/** On return from the sign-in page: trades the code for a token. False when the page was not a sign-in return. */
export async function completeSignIn(portal: PortalConfig): Promise<boolean> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  if (!code) return false;
  history.replaceState(null, '', `/portal/${location.hash}`);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING);
  if (!pending || pending.state !== query.get('state')) throw new Error('The sign-in answer does not match a sign-in this page started; sign in again.');
  config = portal;
  const token = await tokenRequest(ARM_SCOPE, { grant_type: 'authorization_code', redirect_uri: redirectUri(), code, code_verifier: pending.verifier });
  const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { upn?: string };
  userName = claims.upn;
  return true;
}

/** One call to the token endpoint; keeps the access token under `scope` and the (rotated) refresh token. */
async function tokenRequest(scope: string, form: Record<string, string>): Promise<string> {
  if (!config) throw new Error('Sign in first.');
  const res = await fetch(`/${config.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...form }),
  });
  const body = (await res.json()) as TokenAnswer;
  if (!res.ok || !body.access_token) throw new Error(body.error_description ?? `The token endpoint answered ${res.status}.`);
  held.set(scope, { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 0) * 1000 });
  // Entra returns a new refresh token with each; the old one is dropped, as its docs ask.
  if (body.refresh_token) refreshToken = body.refresh_token;
  return body.access_token;
}

/**
 * An access token for `scope` (ARM's unless said): the one held while it has more than 5 minutes left, else a new one
 * from the refresh token (one request at a time per scope). Throws the tenant's message when the refresh token can
 * no longer be used (after its 24 hours, or a password reset): the user signs in again.
 */
export function accessToken(scope = ARM_SCOPE): Promise<string> {
  const now = Date.now();
  const current = held.get(scope);
  if (current && current.expiresAt - now > RENEW_BEFORE_MS) return Promise.resolve(current.token);
  if (!refreshToken) {
    if (current && current.expiresAt > now) return Promise.resolve(current.token);
    return Promise.reject(new Error('Your sign-in has expired: sign in again.'));
  }
  let pending = renewing.get(scope);
  if (!pending) {
    pending = tokenRequest(scope, { grant_type: 'refresh_token', refresh_token: refreshToken, scope: `${scope} offline_access` }).finally(() => renewing.delete(scope));
    renewing.set(scope, pending);
  }
  return pending;
}

/** Whether the user is signed in (holds an ARM token). */
export const token = () => held.get(ARM_SCOPE)?.token;
export const user = () => userName;
export function signOut(): void {
  held.clear();
  refreshToken = undefined;
  userName = undefined;
}
