// A real tenant's published signing keys (JWKS), cached. An unknown `kid` triggers a refetch, at most once per
// `minRefreshMs` per tenant, so a stream of forged tokens cannot turn the gateway into a JWKS request flood.
// Verification itself is jose's (`createLocalJWKSet` over the fetched set: it checks each JWK's `kty`, `use`,
// `key_ops` and `alg` against the token's header); this class only decides when to fetch.
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { TokenRejected } from './jwt.ts';

export interface JwksOptions {
  clock: () => number;
  minRefreshMs: number;
  /** Keys are refetched when older than this, even without an unknown `kid`. */
  maxAgeMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const DAY = 86_400_000;

export class RemoteJwks {
  readonly #uri: string;
  readonly #options: Required<JwksOptions>;
  #kids = new Set<string>();
  #keySet: JWTVerifyGetKey | undefined;
  #fetchedAt: number | undefined;
  #attemptedAt: number | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(uri: string, options: JwksOptions) {
    this.#uri = uri;
    this.#options = { maxAgeMs: DAY, timeoutMs: 5_000, fetch: globalThis.fetch, ...options };
  }

  /** The tenant's key set (for jose's jwtVerify) when it publishes `kid`, else undefined. */
  async lookup(kid: string): Promise<JWTVerifyGetKey | undefined> {
    const now = this.#options.clock();
    const fresh = this.#fetchedAt !== undefined && now - this.#fetchedAt < this.#options.maxAgeMs;
    const known = this.#kids.has(kid);
    if (known && fresh) return this.#keySet;
    const mayFetch = this.#attemptedAt === undefined || now - this.#attemptedAt >= this.#options.minRefreshMs;
    if (!mayFetch) return known ? this.#keySet : undefined;
    try {
      await (this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined)));
    } catch (err) {
      // A stale key is better than none while the tenant's endpoint is unreachable.
      if (known) return this.#keySet;
      if (this.#kids.size === 0) {
        throw new TokenRejected('keys_unavailable', "The signing keys of the token's tenant could not be retrieved; try again later.", { cause: err });
      }
      return undefined;
    }
    return this.#kids.has(kid) ? this.#keySet : undefined;
  }

  async #refresh(): Promise<void> {
    this.#attemptedAt = this.#options.clock();
    const res = await this.#options.fetch(this.#uri, { signal: AbortSignal.timeout(this.#options.timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`JWKS ${this.#uri} answered ${res.status}`);
    const body = (await res.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error(`JWKS ${this.#uri} has no keys array`);
    // Entries that are not objects are dropped so one bad entry cannot hide the others; jose judges the rest.
    const keys = (body.keys as unknown[]).filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null && !Array.isArray(k));
    this.#keySet = createLocalJWKSet({ keys } as JSONWebKeySet);
    this.#kids = new Set(keys.map((k) => k['kid']).filter((k): k is string => typeof k === 'string'));
    this.#fetchedAt = this.#options.clock();
  }
}
