// The simulator's prompt cache: prefixes up to cache_control breakpoints, per deployment, with TTLs.
//
// Each breakpoint (tokens/count.ts `breakdown`) closes a prefix of the prompt; a prefix's key is a
// SHA-256 over the deployment name and the canonical JSON of every prompt item in it. On a request:
// - read: the longest unexpired cached prefix that ends at a breakpoint or at one of the
//   LOOKBACK_ITEMS item boundaries before a breakpoint (the API looks back about 20 blocks, which
//   is what lets an automatic breakpoint that moved on to a new turn still hit the previous one);
//   a hit refreshes that prefix's expiry;
// - write: every breakpoint after the hit; the tokens between the hit (or the previous written
//   breakpoint) and each breakpoint are cache creation, 5-minute or 1-hour by that breakpoint's ttl;
// - input: the tokens after the last breakpoint (or after the hit, if later).
// Hence input + creation + read = countInputTokens(request) always.
// Prefixes shorter than the model's minimum cacheable length (catalog `minCacheableTokens`:
// 1,024 tokens, 2,048 on Haiku; the historic documented minimum, unverified for newer models) are
// neither read nor written. The store is an LRU of at most `maxEntries` prefixes.
import { createHash } from 'node:crypto';
import type { Usage } from '../../dataplane/types.ts';
import type { CatalogModel } from '../../models/types.ts';
import { breakdown, prefixTokens, promptItems, type PromptInput, type PromptItem } from '../../tokens/count.ts';
import { canonicalJson } from './seed.ts';

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;
const LOOKBACK_ITEMS = 20;
export const DEFAULT_CACHE_ENTRIES = 10_000;

export type InputUsage = Omit<Usage, 'output_tokens' | 'service_tier'>;

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

export class PromptCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: () => number;
  readonly #maxEntries: number;

  constructor(clock: () => number, maxEntries = DEFAULT_CACHE_ENTRIES) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  #put(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  }

  /** The input side of `usage` for this prompt, reading and writing the cache as the API would. */
  use(deployment: string, prompt: PromptInput, model: CatalogModel): InputUsage {
    const items = promptItems(prompt, model);
    const prefix = prefixTokens(items, model);
    const { total, breakpoints } = breakdown(prompt, model, items);
    const writes = breakpoints.filter((b) => b.tokens >= model.minCacheableTokens);
    const lookups = new Set<number>();
    for (const b of writes) {
      for (let n = b.items; n >= Math.max(1, b.items - LOOKBACK_ITEMS); n--) if (prefix[n - 1]! >= model.minCacheableTokens) lookups.add(n);
    }
    const keys = prefixKeys(deployment, items, [...lookups].sort((a, b) => a - b));
    const now = this.#clock();

    let hit = 0;
    for (const n of [...lookups].sort((a, b) => b - a)) {
      const entry = this.#live(keys.get(n)!, now);
      if (entry === undefined) continue;
      this.#put(keys.get(n)!, { ...entry, expiresAt: Math.max(entry.expiresAt, now + entry.ttlMs) });
      hit = n;
      break;
    }
    const read = hit > 0 ? prefix[hit - 1]! : 0;
    const creation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    let covered = read;
    for (const b of writes) {
      if (b.items <= hit) continue;
      const written = b.tokens - covered;
      if (b.ttl === '1h') creation.ephemeral_1h_input_tokens += written;
      else creation.ephemeral_5m_input_tokens += written;
      covered = b.tokens;
      this.#put(keys.get(b.items)!, { expiresAt: now + TTL_MS[b.ttl], ttlMs: TTL_MS[b.ttl] });
    }
    return {
      input_tokens: total - covered,
      cache_creation_input_tokens: creation.ephemeral_5m_input_tokens + creation.ephemeral_1h_input_tokens,
      cache_read_input_tokens: read,
      cache_creation: creation,
    };
  }
}

/** Keys of the prefixes of these lengths (in items, ascending), from one incremental hash. */
function prefixKeys(deployment: string, items: readonly PromptItem[], lengths: readonly number[]): Map<number, string> {
  const hash = createHash('sha256').update(deployment).update('\n');
  const keys = new Map<number, string>();
  let done = 0;
  for (const length of lengths) {
    for (; done < length; done++) hash.update(canonicalJson(items[done]!.value)).update('\n');
    keys.set(length, hash.copy().digest('base64url'));
  }
  return keys;
}
