// Compact JSON Web Tokens as Microsoft Entra ID issues them (RS256), and why one is refused. Verification is jose's
// (identity/validate.ts); signing here serves the development tenant and tests.
import { createSign, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

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

export function signJwt(header: Claims, payload: Claims, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = createSign('sha256').update(input).sign(privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
