// A real tenant's published signing keys (JWKS), cached. An unknown `kid` triggers a refetch, at most once per
// `minRefreshMs` per tenant, so a stream of forged tokens cannot turn the gateway into a JWKS request flood.
import { createPublicKey, type KeyObject } from 'node:crypto';
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
  #keys = new Map<string, KeyObject>();
  #fetchedAt: number | undefined;
  #attemptedAt: number | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(uri: string, options: JwksOptions) {
    this.#uri = uri;
    this.#options = { maxAgeMs: DAY, timeoutMs: 5_000, fetch: globalThis.fetch, ...options };
  }

  /** The key for `kid`, or undefined when the tenant does not publish it. */
  async key(kid: string): Promise<KeyObject | undefined> {
    const now = this.#options.clock();
    const fresh = this.#fetchedAt !== undefined && now - this.#fetchedAt < this.#options.maxAgeMs;
    const known = this.#keys.get(kid);
    if (known && fresh) return known;
    const mayFetch = this.#attemptedAt === undefined || now - this.#attemptedAt >= this.#options.minRefreshMs;
    if (!mayFetch) return known;
    try {
      await (this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined)));
    } catch (err) {
      // A stale key is better than none while the tenant's endpoint is unreachable.
      if (known) return known;
      if (this.#keys.size === 0) {
        throw new TokenRejected('keys_unavailable', "The signing keys of the token's tenant could not be retrieved; try again later.", { cause: err });
      }
      return undefined;
    }
    return this.#keys.get(kid);
  }

  async #refresh(): Promise<void> {
    this.#attemptedAt = this.#options.clock();
    const res = await this.#options.fetch(this.#uri, { signal: AbortSignal.timeout(this.#options.timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`JWKS ${this.#uri} answered ${res.status}`);
    const body = (await res.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error(`JWKS ${this.#uri} has no keys array`);
    const keys = new Map<string, KeyObject>();
    for (const jwk of body.keys as Array<Record<string, unknown>>) {
      if (jwk['kty'] !== 'RSA' || typeof jwk['kid'] !== 'string' || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
      try {
        keys.set(jwk['kid'], createPublicKey({ key: { kty: 'RSA', n: String(jwk['n']), e: String(jwk['e']) }, format: 'jwk' }));
      } catch {
        // One malformed entry must not hide the others.
      }
    }
    this.#keys = keys;
    this.#fetchedAt = this.#options.clock();
  }
}
