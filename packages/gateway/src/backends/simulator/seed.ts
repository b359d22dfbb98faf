// The simulator's determinism: a SHA-256 digest of the normalised request and a PRNG seeded from it.
import { createHash } from 'node:crypto';
import type { Deployment } from '../../control/types.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';

/**
 * JSON with object keys sorted and every `cache_control` dropped, so that key order and cache
 * markers (which change billing, not content) do not change the seed or a cache key.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      if (key !== 'cache_control') sorted[key] = (v as Record<string, unknown>)[key];
    }
    return sorted;
  });
}

/**
 * The digest every generated detail derives from. `max_tokens` and `stop_sequences` are left out
 * on purpose: they cut the reply afterwards, so a cut reply is a prefix of the uncut one, as with
 * a real model sampling at temperature 0. So is `thinking.display`, which only hides the thinking.
 */
export function requestDigest(deployment: Deployment, request: MessagesRequest): Buffer {
  const normalised = {
    deployment: deployment.name,
    model: deployment.model,
    system: request.system ?? null,
    messages: request.messages,
    tools: request.tools ?? null,
    tool_choice: request.tool_choice ?? null,
    thinking: request.thinking === undefined ? null : { ...request.thinking, display: undefined },
  };
  return createHash('sha256').update(canonicalJson(normalised)).digest();
}

/** A digest derived from another for one purpose (`tool_use.0`, `thinking`...). */
export function subDigest(digest: Buffer, purpose: string): Buffer {
  return createHash('sha256').update(digest).update(purpose).digest();
}

/** sfc32: a small, fast PRNG; the same seed gives the same sequence everywhere. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: Buffer) {
    const bytes = seed.length >= 16 ? seed : createHash('sha256').update(seed).digest();
    this.#a = bytes.readUInt32LE(0);
    this.#b = bytes.readUInt32LE(4);
    this.#c = bytes.readUInt32LE(8);
    this.#d = bytes.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}
