// Finds the caller's credential: an API key in x-api-key, api-key or `Authorization: Bearer <key>`,
// or an Entra ID token (a JWT) in `Authorization: Bearer`.
import type { IncomingHttpHeaders } from 'node:http';

export type Credential = { kind: 'key'; key: string } | { kind: 'token'; token: string } | { kind: 'none' };

const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value);
}

/** x-api-key wins over api-key, which wins over Authorization, as the real endpoint reads them. */
export function extractCredential(headers: IncomingHttpHeaders): Credential {
  const xApiKey = headers['x-api-key'];
  if (typeof xApiKey === 'string' && xApiKey.length > 0) return { kind: 'key', key: xApiKey.trim() };
  const apiKey = headers['api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return { kind: 'key', key: apiKey.trim() };
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) {
      const value = match[1]!.trim();
      return looksLikeJwt(value) ? { kind: 'token', token: value } : { kind: 'key', key: value };
    }
  }
  return { kind: 'none' };
}
