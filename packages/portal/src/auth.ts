// Sign-in through the gateway's development Entra tenant: the authorization-code flow with PKCE, as MSAL runs it
// for a single-page app. The verifier and state wait in sessionStorage across the redirect; the access token is
// kept in memory only (a reload signs in again, the tenant's session being the password form).
export interface PortalConfig {
  tenantId: string;
  clientId: string;
}

const PENDING = 'claude-foundry.portal.pending';
const SCOPE = 'https://management.azure.com/.default openid profile';

let accessToken: string | undefined;
let userName: string | undefined;

export const redirectUri = () => `${location.origin}/portal/`;

const base64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export async function loadConfig(): Promise<PortalConfig> {
  const res = await fetch('/portal/config.json');
  if (!res.ok) throw new Error(`The portal's configuration could not be loaded (${res.status}).`);
  return (await res.json()) as PortalConfig;
}

export async function signIn(config: PortalConfig): Promise<void> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    client_id: config.clientId, response_type: 'code', redirect_uri: redirectUri(), scope: SCOPE, state,
    code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`/${config.tenantId}/oauth2/v2.0/authorize?${params}`);
}

/** On return from the sign-in page: trades the code for a token. False when the page was not a sign-in return. */
export async function completeSignIn(config: PortalConfig): Promise<boolean> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  if (!code) return false;
  history.replaceState(null, '', `/portal/${location.hash}`);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING);
  if (!pending || pending.state !== query.get('state')) throw new Error('The sign-in answer does not match a sign-in this page started; sign in again.');
  const res = await fetch(`/${config.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, redirect_uri: redirectUri(), code, code_verifier: pending.verifier }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new Error(body.error_description ?? `The token endpoint answered ${res.status}.`);
  accessToken = body.access_token;
  const claims = JSON.parse(atob(accessToken.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { upn?: string };
  userName = claims.upn;
  return true;
}

export const token = () => accessToken;
export const user = () => userName;
export function signOut(): void {
  accessToken = undefined;
  userName = undefined;
}
