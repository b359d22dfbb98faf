// Refresh tokens of the development tenant, as Microsoft Entra ID issues them to a single-page app
// (https://learn.microsoft.com/entra/identity-platform/refresh-tokens): issued when the sign-in asked for
// `offline_access`; bound to the user and the client, not to a resource, so one refresh token buys access tokens for
// ARM and for the data plane alike (Entra's multi-resource refresh tokens); each use returns a fresh one; a SPA's
// refresh tokens expire 24 hours after the sign-in and the ones a refresh returns carry that expiry over. Entra
// does not revoke a refresh token when it is used ("Securely delete the old refresh token after acquiring a new
// one"), and neither does this: there is no single-use rotation. A password reset revokes them all, as in Entra.
// Grants live in the store (store/oauth-grants.ts), so a token issued by one replica or worker is redeemed by any
// other and survives a restart; only the SHA-256 of a token is kept, so a copy of the database or a heap dump holds
// nothing that can be redeemed. A redemption reads the grant with its user's current secret hash, so a password reset
// committed by any replica refuses the user's tokens on every replica at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Directory } from './directory.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import { missing, oauth } from './oauth.ts';

/** "Refresh tokens sent to a redirect URI registered as spa expire after 24 hours." */
const SPA_REFRESH_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
/**
 * A user's grants kept at most (the newest; an older token past it is refused as unknown). A SPA that refreshes two
 * resources hourly makes about 50 in a day; this leaves room for many devices while a flood of sign-ins cannot fill
 * the disk. Expired grants are deleted by every new one.
 */
const MAX_REFRESH_TOKENS_PER_USER = 500;

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
  readonly #directory: Directory;
  readonly #clock: () => number;

  constructor(directory: Directory, clock: () => number) {
    this.#directory = directory;
    this.#clock = clock;
  }

  /** A new refresh token for a sign-in that asked for offline_access. */
  issue(user: DirectoryPrincipal, clientId: string): Promise<{ refreshToken: string; expiresAt: number }> {
    const now = this.#clock();
    return this.#store({ clientId, objectId: user.objectId, credential: credentialOf(user), signedInAt: now, expiresAt: now + SPA_REFRESH_TOKEN_LIFETIME_MS });
  }

  /** The token endpoint's `refresh_token` grant: the user, and the rotated token; invalid_grant saying why otherwise. */
  async redeem(form: URLSearchParams): Promise<Redeemed> {
    const presented = form.get('refresh_token');
    if (!presented) throw missing('refresh_token');
    const clientId = form.get('client_id');
    if (!clientId) throw missing('client_id');
    const grant = await this.#directory.store.refreshGrants.find(digest(presented));
    // An unknown token (never issued, altered, or past its user's cap) is malformed to Entra.
    if (!grant) throw oauth('oauth_invalid_grant', 'AADSTS9002313: Invalid request. Request is malformed or invalid: the refresh token is not one this tenant issued. Sign in again.');
    const now = this.#clock();
    if (grant.expiresAt <= now) {
      throw oauth(
        'oauth_invalid_grant',
        `AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on ${iso(grant.signedInAt)}.`,
      );
    }
    if (clientId.toLowerCase() !== grant.clientId) {
      throw oauth('oauth_invalid_grant', `AADSTS70000: The provided value for the input parameter 'refresh_token' or 'assertion' is not valid: the refresh token was issued to another client, not '${clientId.slice(0, 60)}'.`);
    }
    // The store's word on the user, not this process's snapshot: a reset or a deletion on another replica counts at once.
    const user = grant.userSecretHash === null ? undefined : this.#directory.current.principalByObjectId(grant.objectId);
    if (!user) throw oauth('oauth_invalid_grant', 'AADSTS50034: The user account does not exist in the directory any more.');
    if (digest(grant.userSecretHash!) !== grant.credential) {
      throw oauth('oauth_invalid_grant', "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user's password was reset since the sign-in: sign in again.");
    }
    const { refreshToken } = await this.#store({ clientId: grant.clientId, objectId: grant.objectId, credential: grant.credential, signedInAt: grant.signedInAt, expiresAt: grant.expiresAt });
    return { user, clientId: grant.clientId, refreshToken, expiresAt: grant.expiresAt };
  }

  async #store(grant: Grant): Promise<{ refreshToken: string; expiresAt: number }> {
    // Entra's refresh tokens are opaque; these are 48 random bytes, prefixed as Entra's v2 ones are ("1.").
    const refreshToken = `1.${randomBytes(48).toString('base64url')}`;
    const now = this.#clock();
    await this.#directory.store.refreshGrants.add({ ...grant, tokenHash: digest(refreshToken), issuedAt: now }, { now, perUser: MAX_REFRESH_TOKENS_PER_USER });
    return { refreshToken, expiresAt: grant.expiresAt };
  }
}
