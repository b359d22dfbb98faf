// Compact JSON Web Tokens as Microsoft Entra ID issues them: RS256 signatures over `header.payload`.
import { createSign, createVerify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface DecodedJwt {
  header: Claims;
  payload: Claims;
  /** `base64url(header).base64url(payload)`, the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

/** Why a token is refused; `expired` and `audience` get their own Azure error codes. */
export type RejectionReason =
  | 'malformed'
  | 'algorithm'
  | 'issuer'
  | 'untrusted_tenant'
  | 'signing_key'
  | 'keys_unavailable'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'audience'
  | 'claims';

/** A token that fails validation; the message is safe to send to the caller. */
export class TokenRejected extends Error {
  readonly reason: RejectionReason;
  constructor(reason: RejectionReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenRejected';
    this.reason = reason;
  }
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function decodeJson(segment: string, what: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejected('malformed', `The access token's ${what} is not base64url-encoded JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenRejected('malformed', `The access token's ${what} is not a JSON object.`);
  }
  return value as Claims;
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || parts[0] === '' || parts[1] === '') {
    throw new TokenRejected('malformed', 'The access token is not a JSON Web Token: expected three base64url segments separated by dots.');
  }
  const [header, payload, signature] = parts as [string, string, string];
  return {
    header: decodeJson(header, 'header'),
    payload: decodeJson(payload, 'payload'),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}

export function signJwt(header: Claims, payload: Claims, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = createSign('sha256').update(input).sign(privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** RSASSA-PKCS1-v1_5 with SHA-256: the only algorithm Entra signs access tokens with. */
export function verifyRs256(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  if (publicKey.asymmetricKeyType !== 'rsa') return false;
  return createVerify('sha256').update(jwt.signingInput).verify(publicKey, jwt.signature);
}
