// API keys for resources: generated when an account is created or a key regenerated, kept in the store.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An 84-character alphanumeric key, the length of current Azure AI Services keys. */
export function generateKey(): string {
  const bytes = randomBytes(84 * 2);
  let out = '';
  for (const byte of bytes) {
    if (byte >= 248) continue; // 62 * 4 = 248: keep the alphabet uniform
    out += ALPHABET[byte % 62];
    if (out.length === 84) break;
  }
  return out.length === 84 ? out : generateKey();
}
