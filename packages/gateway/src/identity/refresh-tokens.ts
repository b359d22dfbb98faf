// Refresh tokens of the development tenant, as Microsoft Entra ID issues them to a single-page app
// (https://learn.microsoft.com/entra/identity-platform/refresh-tokens): issued when the sign-in asked for
// `offline_access`; bound to the user and the client, not to a resource, so one refresh token buys access tokens for
// ARM and for the data plane alike (Entra's multi-resource refresh tokens); each use returns a fresh one; a SPA's
// refresh tokens expire 24 hours after the sign-in and the ones a refresh returns carry that expiry over. Entra
// does not revoke a refresh token when it is used ("Securely delete the old refresh token after acquiring a new
// one"), and neither does this: there is no single-use rotation. A password reset revokes them all, as in Entra.
// Only the SHA-256 of a token is kept, so a copy of the memory or a heap dump holds nothing that can be redeemed.
import { createHash, randomBytes } from 'node:crypto';
import type { Directory } from './directory.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import { missing, oauth } from './oauth.ts';

/** "Refresh tokens sent to a redirect URI registered as spa expire after 24 hours." */
const SPA_REFRESH_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Bounds the memory a flood of sign-ins or refreshes can take; the oldest are forgotten first. */
const MAX_REFRESH_TOKENS = 50_000;

interface Grant {
  clientId: string;
  objectId: string;
  /** The user's password hash when the grant was made, hashed again: a reset since revokes the grant. */
  credential: string;
  /** When the user signed in: the whole chain of refresh tokens dates from it. */
  signedInAt: number;
  expiresAt: number;
}

export interface Redeemed {
  user: DirectoryPrincipal;
  clientId: string;
  /** The refresh token to return with the new access token (same expiry as the one redeemed). */
  refreshToken: string;
  expiresAt: number;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');
/** What identifies the user's current password without being it (the secret hash is hashed again). */
const credentialOf = (user: DirectoryPrincipal) => digest(user.secret.kind === 'hash' ? user.secret.hash : user.objectId);
const iso = (ms: number) => new Date(ms).toISOString();

export class RefreshTokens {
  readonly #grants = new Map<string, Grant>();
  readonly #directory: Directory;
  readonly #clock: () => number;

  constructor(directory: Directory, clock: () => number) {
    this.#directory = directory;
    this.#clock = clock;
  }

  /** A new refresh token for a sign-in that asked for offline_access. */
  issue(user: DirectoryPrincipal, clientId: string): { refreshToken: string; expiresAt: number } {
    const now = this.#clock();
    return this.#store({ clientId, objectId: user.objectId, credential: credentialOf(user), signedInAt: now, expiresAt: now + SPA_REFRESH_TOKEN_LIFETIME_MS });
  }

  /** The token endpoint's `refresh_token` grant: the user, and the rotated token; invalid_grant saying why otherwise. */
  redeem(form: URLSearchParams): Redeemed {
    const presented = form.get('refresh_token');
    if (!presented) throw missing('refresh_token');
    const clientId = form.get('client_id');
    if (!clientId) throw missing('client_id');
    const key = digest(presented);
    const grant = this.#grants.get(key);
    // An unknown token (never issued, altered, or forgotten by a restart) is malformed to Entra.
    if (!grant) throw oauth('oauth_invalid_grant', 'AADSTS9002313: Invalid request. Request is malformed or invalid: the refresh token is not one this tenant issued (or the gateway restarted since). Sign in again.');
    const now = this.#clock();
    if (grant.expiresAt <= now) {
      this.#grants.delete(key);
      throw oauth(
        'oauth_invalid_grant',
        `AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on ${iso(grant.signedInAt)}.`,
      );
    }
    if (clientId.toLowerCase() !== grant.clientId) {
      throw oauth('oauth_invalid_grant', `AADSTS70000: The provided value for the input parameter 'refresh_token' or 'assertion' is not valid: the refresh token was issued to another client, not '${clientId.slice(0, 60)}'.`);
    }
    const user = this.#directory.current.principalByObjectId(grant.objectId);
    if (!user) throw oauth('oauth_invalid_grant', 'AADSTS50034: The user account does not exist in the directory any more.');
    if (credentialOf(user) !== grant.credential) {
      throw oauth('oauth_invalid_grant', "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user's password was reset since the sign-in: sign in again.");
    }
    const { refreshToken } = this.#store({ ...grant });
    return { user, clientId: grant.clientId, refreshToken, expiresAt: grant.expiresAt };
  }

  #store(grant: Grant): { refreshToken: string; expiresAt: number } {
    if (this.#grants.size >= MAX_REFRESH_TOKENS) {
      const now = this.#clock();
      for (const [k, g] of this.#grants) if (g.expiresAt <= now) this.#grants.delete(k);
      // Still full: the oldest go (a Map iterates in insertion order).
      for (const k of this.#grants.keys()) {
        if (this.#grants.size < MAX_REFRESH_TOKENS) break;
        this.#grants.delete(k);
      }
    }
    // Entra's refresh tokens are opaque; these are 48 random bytes, prefixed as Entra's v2 ones are ("1.").
    const refreshToken = `1.${randomBytes(48).toString('base64url')}`;
    this.#grants.set(digest(refreshToken), grant);
    return { refreshToken, expiresAt: grant.expiresAt };
  }
}
