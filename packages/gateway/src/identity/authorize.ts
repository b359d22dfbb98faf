// The authorization-code flow with PKCE for the portal, as Entra runs it for a single-page app: GET `/authorize`
// shows a sign-in page, POST `/authorize` checks the user's name and password and redirects to the registered
// redirect URI with a code; the token endpoint (idp.ts) trades the code and its `code_verifier` for a user token.
// A code lives ten minutes (Entra's documented lifetime), is redeemed once, and is bound to the client, the
// redirect URI, the PKCE challenge and the resource asked for. Pending codes are kept in the store (only their SHA-256),
// so the sign-in page's POST and the token request may reach different replicas or workers.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { collect } from '../http/body.ts';
import { correlationHeaders, type Correlation } from '../http/respond.ts';
import type { RouteContext } from '../http/routes.ts';
import type { Directory } from './directory.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import { hasScope, MAX_FORM_BYTES, missing, oauth, resourceOf } from './oauth.ts';
import type { PublicOrigins } from './origin.ts';
import { hashSecret, verifySecret } from './secrets.ts';
import { signInPage, SIGN_IN_CSP } from './sign-in-page.ts';
import { findUser } from './users.ts';

/** The portal's app registration: a public client (no secret), so PKCE is required. */
export const PORTAL_CLIENT_ID = '5b0c8f5e-3c1d-4f0e-9a55-c1a0d3f0a417';
/** Where the portal may receive codes, on any of the gateway's own origins. */
export const PORTAL_REDIRECT_PATH = '/portal/';
const CODE_LIFETIME_MS = 10 * 60 * 1000;
/** A user's pending codes kept at most (the newest): sign-ins cost a password check each, so this is generous. */
const MAX_PENDING_CODES_PER_USER = 100;

/** What a code was issued for, kept as the code's details in the store. */
interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource: string;
  /** `offline_access` (a refresh token) and `openid` (an ID token) asked for at sign-in. */
  offline: boolean;
  openid: boolean;
  nonce: string | null;
}

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  scope: string;
  challenge: string;
  resource: string;
  nonce: string | undefined;
}

/** What a code or refresh token carries besides the user: whether to return a refresh token and an ID token. */
export interface Redemption {
  user: DirectoryPrincipal;
  clientId: string;
  resource: string;
  offline: boolean;
  openid: boolean;
  nonce: string | undefined;
}

export interface AuthorizeDeps {
  directory: Directory;
  origins: PublicOrigins;
  clock: () => number;
}

// Unknown user names still cost one scrypt check, so the answer's timing does not tell which names exist.
const decoy = hashSecret(randomBytes(16).toString('hex'));

const digest = (code: string) => createHash('sha256').update(code).digest('base64url');

export class AuthorizationCodes {
  readonly #deps: AuthorizeDeps;

  constructor(deps: AuthorizeDeps) {
    this.#deps = deps;
  }

  /** The parameters of `/authorize`, checked; a bad redirect URI is never redirected to. */
  parse(params: URLSearchParams): AuthorizeRequest {
    const get = (name: string) => {
      const value = params.get(name);
      if (!value) throw missing(name);
      return value;
    };
    const clientId = get('client_id');
    if (clientId.toLowerCase() !== PORTAL_CLIENT_ID) {
      throw oauth('oauth_unauthorized_client', `AADSTS700016: Application with identifier '${clientId.slice(0, 60)}' was not found in the directory '${this.#deps.directory.tenantId}'. The development tenant's only interactive app is the portal, client ID ${PORTAL_CLIENT_ID}.`);
    }
    const redirectUri = get('redirect_uri');
    const allowed = this.#deps.origins.list.map((o) => `${o}${PORTAL_REDIRECT_PATH}`);
    if (!allowed.includes(redirectUri)) {
      throw oauth('oauth_invalid_request', `AADSTS50011: The redirect URI '${redirectUri.slice(0, 200)}' specified in the request does not match the redirect URIs configured for the application '${PORTAL_CLIENT_ID}': ${allowed.join(', ')}.`);
    }
    if (get('response_type') !== 'code') throw oauth('oauth_invalid_request', "AADSTS900144: response_type must be 'code': the development tenant runs the authorization-code flow with PKCE.");
    const challenge = get('code_challenge');
    if (params.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      throw oauth('oauth_invalid_request', 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption: send code_challenge (base64url SHA-256 of the verifier, 43 characters) with code_challenge_method=S256.');
    }
    const scope = get('scope');
    const resource = resourceOf(scope, this.#deps.origins.list);
    return { clientId: PORTAL_CLIENT_ID, redirectUri, state: params.get('state') ?? '', scope, challenge, resource, nonce: params.get('nonce') ?? undefined };
  }

  async signIn(request: AuthorizeRequest, userName: string, password: string): Promise<string | undefined> {
    const user = findUser(this.#deps.directory, userName);
    const ok = user ? await this.#deps.directory.verifyClientSecret(user, password) : await verifySecret(password, await decoy).then(() => false);
    if (!ok || !user) return undefined;
    return this.#issue(request, user);
  }

  async #issue(request: AuthorizeRequest, user: DirectoryPrincipal): Promise<string> {
    const now = this.#deps.clock();
    const code = randomBytes(32).toString('base64url');
    const pending: PendingCode = {
      clientId: request.clientId, redirectUri: request.redirectUri, challenge: request.challenge,
      resource: request.resource, offline: hasScope(request.scope, 'offline_access'), openid: hasScope(request.scope, 'openid'), nonce: request.nonce ?? null,
    };
    await this.#deps.directory.store.authorizationCodes.add(
      { codeHash: digest(code), objectId: user.objectId, details: JSON.stringify(pending), issuedAt: now, expiresAt: now + CODE_LIFETIME_MS },
      { now, perUser: MAX_PENDING_CODES_PER_USER },
    );
    return code;
  }

  /** The token endpoint's `authorization_code` grant: the user and resource, or invalid_grant saying why. */
  async redeem(form: URLSearchParams): Promise<Redemption> {
    const code = form.get('code');
    if (!code) throw missing('code');
    const clientId = form.get('client_id');
    if (!clientId) throw missing('client_id');
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri) throw missing('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!verifier) throw missing('code_verifier');
    // Any attempt uses the code up (counted in the store, whichever replica it reaches): a stolen code cannot be tried
    // against many verifiers.
    const stored = await this.#deps.directory.store.authorizationCodes.use(digest(code));
    if (!stored || stored.expiresAt <= this.#deps.clock()) {
      throw oauth('oauth_invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (stored.uses > 1) throw oauth('oauth_invalid_grant', 'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code.');
    const pending = JSON.parse(stored.details) as PendingCode;
    if (clientId.toLowerCase() !== pending.clientId) throw oauth('oauth_invalid_grant', `AADSTS70000: The authorization code was issued to another client, not '${clientId.slice(0, 60)}'.`);
    if (redirectUri !== pending.redirectUri) throw oauth('oauth_invalid_grant', `AADSTS70000: The redirect_uri '${redirectUri.slice(0, 200)}' is not the one the authorization code was issued for.`);
    const computed = createHash('sha256').update(verifier).digest();
    const expected = Buffer.from(pending.challenge, 'base64url');
    if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) {
      throw oauth('oauth_invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    }
    const user = this.#deps.directory.current.principalByObjectId(stored.objectId);
    if (!user) throw oauth('oauth_invalid_grant', 'AADSTS50034: The user account does not exist in the directory any more.');
    return { user, clientId: pending.clientId, resource: pending.resource, offline: pending.offline, openid: pending.openid, nonce: pending.nonce ?? undefined };
  }
}

function sendPage(res: ServerResponse, status: number, html: string, ids: Correlation): void {
  res.writeHead(status, {
    ...correlationHeaders(ids),
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': SIGN_IN_CSP,
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/** GET and POST handlers of `/{tenant}/oauth2/v2.0/authorize` (the tenant is checked by the caller). */
export function authorizeHandlers(codes: AuthorizationCodes) {
  const get = ({ res, ids, query }: RouteContext) => {
    const request = codes.parse(query);
    sendPage(res, 200, signInPage(query, undefined), ids);
    void request;
  };
  const post = async ({ req, res, ids }: RouteContext) => {
    const form = new URLSearchParams((await collect(req, MAX_FORM_BYTES)).toString('utf8'));
    const request = codes.parse(form);
    const userName = form.get('username') ?? '';
    const code = userName && form.get('password') ? await codes.signIn(request, userName, form.get('password')!) : undefined;
    if (!code) {
      sendPage(res, 200, signInPage(form, 'AADSTS50126: Your account or password is incorrect.'), ids);
      return;
    }
    const location = new URL(request.redirectUri);
    location.searchParams.set('code', code);
    if (request.state) location.searchParams.set('state', request.state);
    res.writeHead(302, { ...correlationHeaders(ids), location: location.href, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  };
  return { get, post };
}
