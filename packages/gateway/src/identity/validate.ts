// Validates Microsoft Entra ID access tokens. jose verifies the JWS and the registered claims (RS256 only, `crit`,
// the JWK's `alg`, numeric `exp`/`nbf`/`iat` within the clock skew, `iat` not in the future); on top of it, Azure's
// policy: an issuer of a trusted tenant in either of Entra's forms, `tid` matching it, a lifetime no longer than
// Entra can issue, an `oid`, and an audience the endpoint accepts. Every refusal is a TokenRejected whose message
// says what is wrong, and nothing more. A validated token is remembered (by its SHA-256) until it expires, so a
// client reusing its token pays a hash and a map lookup per request instead of an RSA verification.
import { createHash, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { type TrustedTenant } from './config.ts';
import { RemoteJwks } from './jwks.ts';
import { type Claims, TokenRejected } from './jwt.ts';

export interface ValidatedToken {
  tenantId: string;
  objectId: string;
  /** `appid` (v1) or `azp` (v2). */
  appId: string | undefined;
  groups: string[];
  roles: string[];
  audience: string;
  version: '1.0' | '2.0';
  expiresAt: number;
}

export interface TokenValidatorOptions {
  /** The development tenant, whose keys are local. */
  developmentTenant?: { tenantId: string; publicKey: (kid: string) => KeyObject | undefined } | undefined;
  trustedTenants: readonly TrustedTenant[];
  clockSkewSeconds: number;
  jwksMinRefreshSeconds: number;
  clock: () => number;
  fetch?: typeof fetch;
  /** How many validated tokens are remembered (default 10,000). */
  cacheSize?: number;
}

/**
 * The longest lifetime Entra gives an access token: a token lifetime policy ranges from 10 minutes to 1 day
 * (https://learn.microsoft.com/entra/identity-platform/configurable-token-lifetimes). A longer one is not Entra's.
 */
const MAX_TOKEN_LIFETIME_SECONDS = 86_400;
const DEFAULT_CACHE_SIZE = 10_000;

const V1_ISSUER = /^https:\/\/sts\.windows\.net\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/$/i;
const V2_ISSUER = /^https:\/\/login\.microsoftonline\.com\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/v2\.0$/i;

/** Audiences compare without case and without a trailing slash, so both spellings Entra uses are accepted. */
export function normalizeAudience(aud: string): string {
  return aud.trim().replace(/\/+$/, '').toLowerCase();
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');

function tenantOfIssuer(iss: unknown): string {
  if (typeof iss !== 'string') throw new TokenRejected('issuer', "The access token has no 'iss' (issuer) claim.");
  const match = V1_ISSUER.exec(iss) ?? V2_ISSUER.exec(iss);
  if (!match) {
    throw new TokenRejected(
      'issuer',
      `The access token's issuer '${iss.slice(0, 120)}' is not a Microsoft Entra ID issuer; expected https://sts.windows.net/{tenant}/ or https://login.microsoftonline.com/{tenant}/v2.0.`,
    );
  }
  return match[1]!.toLowerCase();
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Header and payload, decoded without trusting them yet: the issuer says whose keys to verify with. */
function peek(token: string): { header: Claims; claims: Claims } {
  try {
    return { header: decodeProtectedHeader(token) as Claims, claims: decodeJwt(token) as Claims };
  } catch {
    throw new TokenRejected('malformed', 'The access token is not a JSON Web Token: expected three base64url segments of JSON objects separated by dots.');
  }
}

/** jose's refusals in our words (its messages name the claim and the check, never a key or the token). */
function rejection(err: unknown, claims: Claims, now: number, kid: string, tenantId: string): unknown {
  if (err instanceof TokenRejected) return err;
  if (err instanceof errors.JWTExpired) {
    if (err.claim === 'exp' && typeof claims['exp'] === 'number') {
      return new TokenRejected('expired', `The access token expired at ${iso(claims['exp'])} (the time is now ${iso(Math.floor(now))}). Get a new token.`);
    }
    return new TokenRejected('expired', `The access token is too old: ${err.message}. Get a new token.`);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' && err.reason === 'check_failed' && typeof claims['nbf'] === 'number') {
      return new TokenRejected('not_yet_valid', `The access token is not valid before ${iso(claims['nbf'])} (the time is now ${iso(Math.floor(now))}). Check the clocks of the issuer and of this gateway.`);
    }
    return new TokenRejected('claims', `The access token's claims are not valid: ${err.message}.`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected('signature', "The access token's signature is invalid.");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejected('signing_key', `The access token's signing key '${kid.slice(0, 60)}' is not published by tenant '${tenantId}' for RS256.`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new TokenRejected('algorithm', 'Only RS256-signed Microsoft Entra ID tokens are accepted.');
  if (err instanceof errors.JOSEError) return new TokenRejected('malformed', `The access token is not valid: ${err.message}.`);
  return err;
}

interface Remembered {
  token: Omit<ValidatedToken, 'audience'>;
  audiences: string[];
  /** Until when (ms) it may be reused: its `exp` plus the allowed skew. */
  until: number;
}

export function createTokenValidator(options: TokenValidatorOptions) {
  const dev = options.developmentTenant;
  const remote = new Map<string, RemoteJwks>();
  for (const tenant of options.trustedTenants) {
    const jwksOptions = { clock: options.clock, minRefreshMs: options.jwksMinRefreshSeconds * 1000, ...(options.fetch ? { fetch: options.fetch } : {}) };
    remote.set(tenant.tenantId, new RemoteJwks(tenant.jwksUri, jwksOptions));
  }
  const skew = options.clockSkewSeconds;
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const remembered = new Map<string, Remembered>();

  async function keysFor(tenantId: string, kid: string): Promise<KeyObject | JWTVerifyGetKey> {
    const key = dev && tenantId === dev.tenantId ? dev.publicKey(kid) : await remote.get(tenantId)?.lookup(kid);
    if (!key) throw new TokenRejected('signing_key', `The access token's signing key '${kid.slice(0, 60)}' is not published by tenant '${tenantId}'.`);
    return key;
  }

  /** Signature and every claim but the audience, which each endpoint checks against its own list. */
  async function verify(token: string): Promise<Remembered> {
    const { header, claims } = peek(token);
    const alg = header['alg'];
    if (alg !== 'RS256') {
      const named = typeof alg === 'string' ? `'${alg.slice(0, 20)}'` : 'no algorithm';
      throw new TokenRejected('algorithm', `The access token is signed with ${named}; only RS256-signed Microsoft Entra ID tokens are accepted.`);
    }
    const kid = header['kid'];
    if (typeof kid !== 'string' || kid.length === 0) throw new TokenRejected('malformed', "The access token's header has no 'kid' (signing key ID).");
    const tenantId = tenantOfIssuer(claims['iss']);
    if (!(dev?.tenantId === tenantId || remote.has(tenantId))) {
      throw new TokenRejected('untrusted_tenant', `The access token was issued by tenant '${tenantId}', which this gateway does not trust.`);
    }
    if (claims['tid'] !== undefined && String(claims['tid']).toLowerCase() !== tenantId) {
      throw new TokenRejected('claims', "The access token's 'tid' claim does not match its issuer's tenant.");
    }
    const now = options.clock() / 1000;
    let payload: JWTPayload;
    try {
      const keys = await keysFor(tenantId, kid);
      const verifyOptions = {
        algorithms: ['RS256'],
        clockTolerance: skew,
        currentDate: new Date(options.clock()),
        requiredClaims: ['exp', 'iat'],
        // With a maximum age jose also refuses an `iat` in the future; no Entra token outlives a day.
        maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      };
      ({ payload } = typeof keys === 'function' ? await jwtVerify(token, keys, verifyOptions) : await jwtVerify(token, keys, verifyOptions));
    } catch (err) {
      throw rejection(err, claims, now, kid, tenantId);
    }
    const exp = payload.exp!;
    const iat = payload.iat!;
    if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
      throw new TokenRejected('claims', `The access token claims a lifetime of ${Math.round((exp - iat) / 3600)} hours; Microsoft Entra ID issues access tokens valid for at most a day.`);
    }
    const oid = payload['oid'];
    if (typeof oid !== 'string' || oid.length === 0) throw new TokenRejected('claims', "The access token has no 'oid' (object ID) claim, so no role assignment can apply to it.");
    const version = payload['ver'] === '2.0' ? '2.0' : '1.0';
    const appId = version === '2.0' ? payload['azp'] : payload['appid'];
    const aud = payload.aud;
    // Groups overage (`_claim_names.groups`): the groups are not in the token and no directory is queried.
    return {
      token: {
        tenantId,
        objectId: oid.toLowerCase(),
        appId: typeof appId === 'string' ? appId : undefined,
        groups: stringList(payload['groups']).map((g) => g.toLowerCase()),
        roles: stringList(payload['roles']),
        version,
        expiresAt: exp * 1000,
      },
      audiences: typeof aud === 'string' ? [aud] : stringList(aud),
      until: (exp + skew) * 1000,
    };
  }

  function remember(key: string, entry: Remembered): void {
    // Oldest first out: a Map iterates in insertion order.
    if (remembered.size >= cacheSize) remembered.delete(remembered.keys().next().value!);
    remembered.set(key, entry);
  }

  /** `audiences`: what this endpoint accepts (compared after normalizeAudience). */
  async function validate(token: string, audiences: readonly string[]): Promise<ValidatedToken> {
    const key = createHash('sha256').update(token).digest('base64url');
    let entry = remembered.get(key);
    if (entry && options.clock() > entry.until) {
      remembered.delete(key);
      entry = undefined; // verified again, so the refusal says it expired
    }
    if (!entry) {
      entry = await verify(token);
      remember(key, entry);
    }
    const accepted = new Set(audiences.map(normalizeAudience));
    const audience = entry.audiences.find((a) => accepted.has(normalizeAudience(a)));
    if (!audience) {
      throw new TokenRejected(
        'audience',
        `The access token has been obtained for the wrong audience or resource '${(entry.audiences[0] ?? '').slice(0, 120)}'. It should match one of the allowed audiences: ${audiences.filter((a) => a.startsWith('http')).join(', ')}.`,
      );
    }
    return { ...entry.token, audience };
  }

  return { validate };
}

export type TokenValidator = ReturnType<typeof createTokenValidator>;
