// Validates Microsoft Entra ID access tokens: RS256 only, an issuer of a trusted tenant in either of Entra's
// forms, a signature by a key that tenant publishes, exp/nbf within the allowed clock skew, and an audience
// the caller accepts. Every refusal is a TokenRejected whose message says what is wrong, and nothing more.
import type { KeyObject } from 'node:crypto';
import { type TrustedTenant } from './config.ts';
import { RemoteJwks } from './jwks.ts';
import { type Claims, decodeJwt, TokenRejected, verifyRs256 } from './jwt.ts';

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
}

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

export function createTokenValidator(options: TokenValidatorOptions) {
  const dev = options.developmentTenant;
  const remote = new Map<string, RemoteJwks>();
  for (const tenant of options.trustedTenants) {
    const jwksOptions = { clock: options.clock, minRefreshMs: options.jwksMinRefreshSeconds * 1000, ...(options.fetch ? { fetch: options.fetch } : {}) };
    remote.set(tenant.tenantId, new RemoteJwks(tenant.jwksUri, jwksOptions));
  }
  const skew = options.clockSkewSeconds;

  async function signingKey(tenantId: string, kid: string): Promise<KeyObject | undefined> {
    if (dev && tenantId === dev.tenantId) return dev.publicKey(kid);
    return remote.get(tenantId)?.key(kid);
  }

  /** `audiences`: what this endpoint accepts (compared after normalizeAudience). */
  async function validate(token: string, audiences: readonly string[]): Promise<ValidatedToken> {
    const jwt = decodeJwt(token);
    const alg = jwt.header['alg'];
    if (alg !== 'RS256') {
      const named = typeof alg === 'string' ? `'${alg.slice(0, 20)}'` : 'no algorithm';
      throw new TokenRejected('algorithm', `The access token is signed with ${named}; only RS256-signed Microsoft Entra ID tokens are accepted.`);
    }
    const kid = jwt.header['kid'];
    if (typeof kid !== 'string' || kid.length === 0) throw new TokenRejected('malformed', "The access token's header has no 'kid' (signing key ID).");
    const claims: Claims = jwt.payload;
    const tenantId = tenantOfIssuer(claims['iss']);
    if (!(dev?.tenantId === tenantId || remote.has(tenantId))) {
      throw new TokenRejected('untrusted_tenant', `The access token was issued by tenant '${tenantId}', which this gateway does not trust.`);
    }
    if (claims['tid'] !== undefined && String(claims['tid']).toLowerCase() !== tenantId) {
      throw new TokenRejected('claims', "The access token's 'tid' claim does not match its issuer's tenant.");
    }
    const key = await signingKey(tenantId, kid);
    if (!key) throw new TokenRejected('signing_key', `The access token's signing key '${kid.slice(0, 60)}' is not published by tenant '${tenantId}'.`);
    if (!verifyRs256(jwt, key)) throw new TokenRejected('signature', "The access token's signature is invalid.");

    const now = options.clock() / 1000;
    const exp = claims['exp'];
    if (typeof exp !== 'number') throw new TokenRejected('claims', "The access token has no 'exp' (expiry) claim.");
    if (now > exp + skew) throw new TokenRejected('expired', `The access token expired at ${iso(exp)} (the time is now ${iso(Math.floor(now))}). Get a new token.`);
    const nbf = claims['nbf'];
    if (typeof nbf === 'number' && now + skew < nbf) {
      throw new TokenRejected('not_yet_valid', `The access token is not valid before ${iso(nbf)} (the time is now ${iso(Math.floor(now))}). Check the clocks of the issuer and of this gateway.`);
    }
    const audienceClaim = claims['aud'];
    const presented = typeof audienceClaim === 'string' ? [audienceClaim] : stringList(audienceClaim);
    const accepted = new Set(audiences.map(normalizeAudience));
    const audience = presented.find((a) => accepted.has(normalizeAudience(a)));
    if (!audience) {
      throw new TokenRejected(
        'audience',
        `The access token has been obtained for the wrong audience or resource '${(presented[0] ?? '').slice(0, 120)}'. It should match one of the allowed audiences: ${audiences.filter((a) => a.startsWith('http')).join(', ')}.`,
      );
    }
    const oid = claims['oid'];
    if (typeof oid !== 'string' || oid.length === 0) throw new TokenRejected('claims', "The access token has no 'oid' (object ID) claim, so no role assignment can apply to it.");
    const version = claims['ver'] === '2.0' ? '2.0' : '1.0';
    const appId = version === '2.0' ? claims['azp'] : claims['appid'];
    // Groups overage (`_claim_names.groups`): the groups are not in the token and no directory is queried.
    return {
      tenantId,
      objectId: oid.toLowerCase(),
      appId: typeof appId === 'string' ? appId : undefined,
      groups: stringList(claims['groups']).map((g) => g.toLowerCase()),
      roles: stringList(claims['roles']),
      audience,
      version,
      expiresAt: exp * 1000,
    };
  }

  return { validate };
}

export type TokenValidator = ReturnType<typeof createTokenValidator>;
