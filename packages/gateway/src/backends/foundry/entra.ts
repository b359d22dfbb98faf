// Entra tokens for a Foundry upstream: @azure/identity loaded on first use (it is optional), one
// credential per deployment's settings, the token cached and refreshed ahead of its expiry, and one
// fetch in flight however many requests need it.
import type { UpstreamAuth } from '../../control/types.ts';
import { GatewayError } from '../../errors/index.ts';

export type EntraAuth = Extract<UpstreamAuth, { kind: 'entra' }>;

/** The part of @azure/identity's TokenCredential used here. */
export interface TokenCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export type CredentialFactory = (auth: EntraAuth) => TokenCredential | Promise<TokenCredential>;

/** Refresh in the background once less than this is left. */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Below this, wait for a new token rather than send one about to expire. */
const MIN_LEFT_MS = 30_000;

interface AzureIdentity {
  DefaultAzureCredential: new (options?: { authorityHost?: string }) => TokenCredential;
  ClientSecretCredential: new (tenantId: string, clientId: string, secret: string, options?: { authorityHost?: string }) => TokenCredential;
}

/** DefaultAzureCredential or ClientSecretCredential from @azure/identity, imported only when needed. */
export async function azureIdentityCredential(auth: EntraAuth): Promise<TokenCredential> {
  const specifier = '@azure/identity';
  let identity: AzureIdentity;
  try {
    identity = (await import(specifier)) as AzureIdentity;
  } catch {
    throw new GatewayError('bad_gateway', 'Entra authentication to a Foundry upstream needs the @azure/identity package: run `npm install @azure/identity`.');
  }
  const options = auth.authorityHost === undefined ? {} : { authorityHost: auth.authorityHost };
  return auth.credential === 'default'
    ? new identity.DefaultAzureCredential(options)
    : new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret.reveal(), options);
}

interface Cached {
  credential: Promise<TokenCredential>;
  token?: { token: string; expiresOnTimestamp: number };
  pending?: Promise<string> | undefined;
}

export class EntraTokens {
  readonly #factory: CredentialFactory;
  readonly #clock: () => number;
  readonly #cache = new WeakMap<EntraAuth, Cached>();

  constructor(factory: CredentialFactory = azureIdentityCredential, clock: () => number = Date.now) {
    this.#factory = factory;
    this.#clock = clock;
  }

  /** A token for `auth`'s scope: the cached one while it has time left, else a fresh one. */
  async token(auth: EntraAuth, label: string): Promise<string> {
    let cached = this.#cache.get(auth);
    if (!cached) {
      cached = { credential: Promise.resolve().then(() => this.#factory(auth)) };
      this.#cache.set(auth, cached);
    }
    const left = cached.token ? cached.token.expiresOnTimestamp - this.#clock() : 0;
    if (left > REFRESH_AHEAD_MS) return cached.token!.token;
    const pending = (cached.pending ??= this.#fetch(auth, cached, label));
    if (left > MIN_LEFT_MS) {
      pending.catch(() => undefined); // a failed background refresh is retried by the next request
      return cached.token!.token;
    }
    return pending;
  }

  async #fetch(auth: EntraAuth, cached: Cached, label: string): Promise<string> {
    try {
      const token = await (await cached.credential).getToken(auth.scope);
      if (!token?.token) throw new Error('the credential returned no token');
      cached.token = token;
      return token.token;
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('bad_gateway', `${label} could not get an Entra token for ${auth.scope}: ${(err as Error).message}`);
    } finally {
      cached.pending = undefined;
    }
  }
}
