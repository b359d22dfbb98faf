// The one id generator: Anthropic-style prefixed ids (req_, msg_, toolu_) and GUIDs for Azure ids.
import { randomBytes, randomUUID } from 'node:crypto';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// Random bytes are drawn in blocks so that a request costs no syscall of its own.
let pool = Buffer.alloc(0);
let poolOffset = 0;

function nextByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

function base58(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    // 58 * 4 = 232 < 256: rejecting bytes >= 232 keeps the alphabet uniform.
    let byte = nextByte();
    while (byte >= 232) byte = nextByte();
    out += BASE58[byte % 58];
  }
  return out;
}

/** Milliseconds since the epoch in 8 base58 digits: fixed width, and the alphabet is in ASCII order, so they sort by time. */
function base58Time(ms: number): string {
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = BASE58[ms % 58] + out;
    ms = Math.floor(ms / 58);
  }
  return out;
}

/**
 * `req_011C…`: the shape of Anthropic request ids (20 base58 characters after the prefix). The first 8
 * are the time, the other 12 random (70 bits): ids made later sort later, so the request log's index on
 * them grows at its end instead of at random places (a random key costs SQLite a page per insert).
 */
export function newRequestId(): string {
  return `req_011C${timePrefix(Date.now()).base58}${base58(12)}`;
}

/** The time parts of the last millisecond an id was made in: under load many ids share one. */
let prefixMs = -1;
let prefix = { base58: '', hex: '' };

function timePrefix(ms: number): { base58: string; hex: string } {
  if (ms !== prefixMs) {
    const hex = ms.toString(16).padStart(12, '0');
    prefix = { base58: base58Time(ms), hex: `${hex.slice(0, 8)}-${hex.slice(8)}-7` };
    prefixMs = ms;
  }
  return prefix;
}

/** `msg_01…`: the shape of Anthropic message ids. */
export function newMessageId(): string {
  return `msg_01${base58(22)}`;
}

/** `toolu_01…`: the shape of Anthropic tool-use ids. */
export function newToolUseId(): string {
  return `toolu_01${base58(22)}`;
}

/** A replica's id in the shared rate limiter's loans (limits/redis.ts): 12 random base58 characters (70 bits). */
export function newReplicaId(): string {
  return base58(12);
}

/** A GUID, as Azure uses for object ids and tenant ids. */
export function newGuid(): string {
  return randomUUID();
}

/**
 * A time-ordered GUID (RFC 9562 version 7: 48 bits of Unix milliseconds, then 74 random bits), for
 * `apim-request-id`: still a GUID to any client, and cheap to index in the request log (see newRequestId).
 */
export function newTimeOrderedGuid(): string {
  return `${timePrefix(Date.now()).hex}${randomUUID().slice(15)}`;
}

/** Deterministic base58 text from a seed digest, for ids the simulator must repeat. */
export function base58FromBytes(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE58[bytes[i % bytes.length]! % 58];
  return out;
}
