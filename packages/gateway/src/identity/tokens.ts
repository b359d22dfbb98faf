// Access tokens of the development tenant, shaped as Entra issues app-only tokens for first-party resources
// (Cognitive Services, Azure AI, ARM, Graph): v1.0 claims, `iss` https://sts.windows.net/{tid}/, the client in `appid`.
import { createHash, randomBytes } from 'node:crypto';
import type { DirectoryPrincipal } from './directory-snapshot.ts';
import { signJwt } from './jwt.ts';
import type { SigningKey } from './signing-keys.ts';

/** Entra's common `expires_in` for a fresh app token. */
export const TOKEN_LIFETIME_SECONDS = 3599;
/** Entra back-dates `iat` and `nbf` by five minutes to absorb clock differences. */
const BACKDATE_SECONDS = 300;

export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

export interface MintedToken {
  accessToken: string;
  expiresIn: number;
}

/** Signs a v1.0 token of `tenantId` for `audience` with Entra's registered claims around the given ones. */
function signV1(key: SigningKey, tenantId: string, audience: string, nowMs: number, claims: Record<string, unknown>): MintedToken {
  const now = Math.floor(nowMs / 1000);
  const registered = { aud: audience, iss: v1Issuer(tenantId), iat: now - BACKDATE_SECONDS, nbf: now - BACKDATE_SECONDS, exp: now + TOKEN_LIFETIME_SECONDS };
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid };
  return { accessToken: signJwt(header, { ...registered, ...claims }, key.privateKey), expiresIn: TOKEN_LIFETIME_SECONDS };
}

export function mintAccessToken(key: SigningKey, principal: DirectoryPrincipal, audience: string, nowMs: number): MintedToken {
  const issuer = v1Issuer(principal.tenantId);
  const claims: Record<string, unknown> = {
    aio: randomBytes(48).toString('base64'),
    appid: principal.appId,
    appidacr: '1', // authenticated with a client secret
    idp: issuer,
    idtyp: 'app',
    oid: principal.objectId,
    rh: `1.${randomBytes(24).toString('base64url')}.`,
    sub: principal.objectId,
    tid: principal.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
  };
  if (principal.appRoles.length > 0) claims['roles'] = principal.appRoles;
  if (principal.groups.length > 0) claims['groups'] = principal.groups;
  return signV1(key, principal.tenantId, audience, nowMs, claims);
}

/**
 * A delegated token for a user signed in through the authorization-code flow, shaped as Entra's v1.0 user tokens:
 * `idtyp` user, the user's `oid`, `upn` and `name`, the public client in `appid` with `appidacr` 0, and `scp`.
 */
export function mintUserToken(key: SigningKey, user: DirectoryPrincipal, clientId: string, audience: string, nowMs: number): MintedToken {
  const claims: Record<string, unknown> = {
    amr: ['pwd'],
    appid: clientId,
    appidacr: '0', // a public client: no secret, PKCE
    idtyp: 'user',
    name: user.displayName,
    oid: user.objectId,
    scp: 'user_impersonation',
    sub: user.objectId,
    tid: user.tenantId,
    unique_name: user.displayName,
    upn: user.displayName,
    uti: randomBytes(16).toString('base64url'),
    ver: '1.0',
  };
  if (user.groups.length > 0) claims['groups'] = user.groups;
  return signV1(key, user.tenantId, audience, nowMs, claims);
}

/**
 * The v2.0 ID token Entra returns when the sign-in asked for `openid`: for the client (`aud` its ID), about the user
 * (`oid`, `preferred_username`, `name`, a `sub` pairwise to the app), with the request's `nonce`. `issuer` is the
 * v2.0 discovery document's, on the origin the client asked.
 */
export function mintIdToken(key: SigningKey, user: DirectoryPrincipal, clientId: string, issuer: string, nowMs: number, nonce: string | undefined): string {
  const now = Math.floor(nowMs / 1000);
  const claims: Record<string, unknown> = {
    aud: clientId, iss: issuer, iat: now - BACKDATE_SECONDS, nbf: now - BACKDATE_SECONDS, exp: now + TOKEN_LIFETIME_SECONDS,
    name: user.displayName,
    ...(nonce ? { nonce } : {}),
    oid: user.objectId,
    preferred_username: user.displayName,
    rh: `1.${randomBytes(24).toString('base64url')}.`,
    // Entra's `sub` is pairwise: the same user has another one in another app.
    sub: createHash('sha256').update(`${user.objectId}|${clientId.toLowerCase()}`).digest('base64url').slice(0, 43),
    tid: user.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: '2.0',
  };
  return signJwt({ typ: 'JWT', alg: 'RS256', kid: key.kid }, claims, key.privateKey);
}

/** `client_info` (asked for with `client_info=1`): the user's home account, which MSAL keys its cache by. */
export const clientInfo = (user: DirectoryPrincipal) => Buffer.from(JSON.stringify({ uid: user.objectId, utid: user.tenantId })).toString('base64url');
