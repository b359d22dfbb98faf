// Entra tokens for a Foundry upstream: @azure/identity loaded on first use (it is optional), one
// credential per deployment's settings, the token cached and refreshed ahead of its expiry, and one
// fetch in flight however many requests need it. The credentials of a pool member set over ARM connect only
// through the upstream policy's connector (http-client.ts).
import type { UpstreamAuth } from '../../control/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { type UpstreamPolicy, UpstreamRefused } from '../upstream/policy.ts';
import { PolicyHttpClient } from './http-client.ts';

export type EntraAuth = Extract<UpstreamAuth, { kind: 'entra' }>;

/** The part of @azure/identity's TokenCredential used here. */
export interface TokenCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** Makes the credential for `auth`; `policy` is set when the settings came over ARM: every connection it opens must pass it. */
export type CredentialFactory = (auth: EntraAuth, policy: UpstreamPolicy | undefined) => TokenCredential | Promise<TokenCredential>;

/** Refresh in the background once less than this is left. */
const REFRESH_AHEAD_MS = 5 * 60_000;
/** Below this, wait for a new token rather than send one about to expire. */
const MIN_LEFT_MS = 30_000;

/** The options of @azure/identity's credentials used here (TokenCredentialOptions, AuthorityValidationOptions). */
interface CredentialOptions {
  authorityHost?: string;
  httpClient?: PolicyHttpClient;
  disableInstanceDiscovery?: boolean;
}

interface AzureIdentity {
  DefaultAzureCredential: new (options?: CredentialOptions) => TokenCredential;
  ClientSecretCredential: new (tenantId: string, clientId: string, secret: string, options?: CredentialOptions) => TokenCredential;
}

/** Its absence is one message whichever of the two packages is missing. */
async function load<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch {
    throw new GatewayError('bad_gateway', 'Entra authentication to a Foundry upstream needs the @azure/identity package: run `npm install @azure/identity`.');
  }
}

/**
 * DefaultAzureCredential or ClientSecretCredential from @azure/identity, imported only when needed. With a `policy`
 * (settings set over ARM), its requests go through a PolicyHttpClient, and a connection the policy refused is what
 * getToken throws (MSAL would report a bare network error). `extra` is for the tests' local authority.
 */
export async function azureIdentityCredential(auth: EntraAuth, policy?: UpstreamPolicy, extra: CredentialOptions = {}): Promise<TokenCredential> {
  const identity = await load<AzureIdentity>('@azure/identity');
  const options: CredentialOptions = { ...extra, ...(auth.authorityHost === undefined ? {} : { authorityHost: auth.authorityHost }) };
  let client: PolicyHttpClient | undefined;
  if (policy) {
    // A dependency of @azure/identity: present wherever it is.
    const { createHttpHeaders } = await load<typeof import('@azure/core-rest-pipeline')>('@azure/core-rest-pipeline');
    client = options.httpClient = new PolicyHttpClient(policy, createHttpHeaders);
  }
  const credential =
    auth.credential === 'default'
      ? new identity.DefaultAzureCredential(options)
      : new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret.reveal(), options);
  if (!client) return credential;
  const checked = client;
  return {
    async getToken(scopes) {
      checked.refused = undefined;
      try {
        return await credential.getToken(scopes);
      } catch (err) {
        throw checked.refused ?? err;
      }
    },
  };
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

  /** A token for `auth`'s scope: the cached one while it has time left, else a fresh one. `policy`: see CredentialFactory. */
  async token(auth: EntraAuth, label: string, policy?: UpstreamPolicy): Promise<string> {
    let cached = this.#cache.get(auth);
    if (!cached) {
      cached = { credential: Promise.resolve().then(() => this.#factory(auth, policy)) };
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
      // As a refused upstream connection is told: the code, not the address (the connector logged that).
      if (err instanceof UpstreamRefused) throw new GatewayError('bad_gateway', `${label} could not get an Entra token for ${auth.scope}: its authority could not be reached (${err.code}).`);
      throw new GatewayError('bad_gateway', `${label} could not get an Entra token for ${auth.scope}: ${(err as Error).message}`);
    } finally {
      cached.pending = undefined;
    }
  }
}
