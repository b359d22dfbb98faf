// The one id generator: Anthropic-style prefixed ids (req_, msg_, toolu_) and GUIDs for Azure ids.
import { randomBytes, randomUUID } from 'node:crypto';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// Random bytes are drawn in blocks so that a request costs no syscall of its own.
let pool = Buffer.alloc(0);
let poolOffset = 0;

function base58(length: number): string {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) {
    // 58 * 4 = 232 < 256: rejecting bytes >= 232 keeps the alphabet uniform.
    let byte = pool[poolOffset++]!;
    while (byte >= 232) {
      if (poolOffset >= pool.length) {
        pool = randomBytes(4096);
        poolOffset = 0;
      }
      byte = pool[poolOffset++]!;
    }
    out += BASE58[byte % 58];
  }
  return out;
}

/** `req_011C…`: the shape of Anthropic request ids (24 characters after the prefix). */
export function newRequestId(): string {
  return `req_011C${base58(20)}`;
}

/** `msg_01…`: the shape of Anthropic message ids. */
export function newMessageId(): string {
  return `msg_01${base58(22)}`;
}

/** `toolu_01…`: the shape of Anthropic tool-use ids. */
export function newToolUseId(): string {
  return `toolu_01${base58(22)}`;
}

/** A GUID, as Azure uses for `apim-request-id`, object ids and tenant ids. */
export function newGuid(): string {
  return randomUUID();
}

/** Deterministic base58 text from a seed digest, for ids the simulator must repeat. */
export function base58FromBytes(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE58[bytes[i % bytes.length]! % 58];
  return out;
}
