// Thinking-block signatures: base64 HMAC-SHA256 of the thinking text under the simulator's secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signThinking(secret: Buffer, thinking: string): string {
  return createHmac('sha256', secret).update(thinking, 'utf8').digest('base64');
}

/** True when `signature` is what this secret gives for `thinking` (constant-time comparison). */
export function verifyThinkingSignature(secret: Buffer, thinking: string, signature: string): boolean {
  const expected = Buffer.from(signThinking(secret, thinking), 'base64');
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
