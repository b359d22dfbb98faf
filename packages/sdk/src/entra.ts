// Microsoft Entra ID tokens for `azureADTokenProvider`: from any TokenCredential, cached, refreshed before expiry.
import { AnthropicError } from '@anthropic-ai/sdk/core/error';
import type { AzureADTokenProvider } from './options.ts';

/** The token `TokenCredential.getToken()` resolves to (the shape of `@azure/core-auth`'s `AccessToken`). */
export interface AccessToken {
  token: string;
  /** When the token expires, in ms since the epoch. */
  expiresOnTimestamp: number;
  /** When the issuer suggests refreshing, in ms since the epoch. */
  refreshAfterTimestamp?: number | undefined;
}

/** Any `@azure/identity` credential, or an object of the same shape. */
export interface TokenCredential {
  getToken(scopes: string | string[], options?: object): Promise<AccessToken | null>;
}

export interface EntraTokenProviderOptions {
  /** Defaults to `https://cognitiveservices.azure.com/.default`; `https://ai.azure.com/.default` works too. */
  scope?: string | string[] | undefined;
  /** How long before expiry to fetch a new token: defaults to 5 minutes. */
  refreshBeforeExpiryMs?: number | undefined;
}

export const DEFAULT_ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';
const FIVE_MINUTES = 5 * 60_000;

/**
 * Returns an `azureADTokenProvider` that asks `credential` for a token (by default a `DefaultAzureCredential`
 * from the optional `@azure/identity` package, loaded on first use), reuses it until `refreshBeforeExpiryMs`
 * before it expires, and shares one request among concurrent callers. If a refresh fails while the cached token
 * is still valid, the cached token is used and the next call tries again.
 */
export function getEntraTokenProvider(credential?: TokenCredential, options: EntraTokenProviderOptions = {}): AzureADTokenProvider {
  const scope = options.scope ?? DEFAULT_ENTRA_SCOPE;
  const margin = options.refreshBeforeExpiryMs ?? FIVE_MINUTES;
  let source: Promise<TokenCredential> | undefined = credential ? Promise.resolve(credential) : undefined;
  let cached: (AccessToken & { refreshAt: number }) | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async (): Promise<string> => {
    source ??= defaultAzureCredential();
    const from = await source;
    let token: AccessToken | null;
    try {
      token = await from.getToken(scope);
    } catch (err) {
      throw new AnthropicError(`Microsoft Entra ID gave no token for ${String(scope)}: ${messageOf(err)}`, { cause: err });
    }
    if (!token || typeof token.token !== 'string' || !token.token) {
      throw new AnthropicError(`Microsoft Entra ID gave no token for ${String(scope)}: the credential's getToken() returned ${JSON.stringify(token)}.`);
    }
    cached = { ...token, refreshAt: refreshTime(token, margin, Date.now()) };
    return token.token;
  };

  return async () => {
    const now = Date.now();
    const current = cached;
    if (current && now < current.refreshAt) return current.token;
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    if (current && now < current.expiresOnTimestamp) {
      // Early refresh: a failure must not fail a request that the current token can still authorize.
      return inFlight.catch(() => current.token);
    }
    return inFlight;
  };
}

/** `margin` before expiry, or the issuer's `refreshAfterTimestamp` if sooner; half the remaining life for a token shorter than `margin`. */
function refreshTime(token: AccessToken, margin: number, now: number): number {
  let at = token.expiresOnTimestamp - margin;
  if (token.refreshAfterTimestamp !== undefined) at = Math.min(at, token.refreshAfterTimestamp);
  return at > now ? at : now + Math.max(0, (token.expiresOnTimestamp - now) / 2);
}

// A variable specifier keeps bundlers and `tsc` from requiring the optional peer dependency up front.
const AZURE_IDENTITY = '@azure/identity';

/** @internal Loads `DefaultAzureCredential` from `specifier`; exported for tests. */
export async function defaultAzureCredential(specifier: string = AZURE_IDENTITY): Promise<TokenCredential> {
  let identity: { DefaultAzureCredential?: new () => TokenCredential };
  try {
    identity = (await import(specifier)) as typeof identity;
  } catch (err) {
    throw new AnthropicError(
      `getEntraTokenProvider() without a credential uses DefaultAzureCredential from ${specifier}, which is not installed: run \`npm install @azure/identity\`, or pass a credential, e.g. getEntraTokenProvider(new AzureCliCredential()).`,
      { cause: err },
    );
  }
  if (typeof identity.DefaultAzureCredential !== 'function') {
    throw new AnthropicError(`${specifier} does not export DefaultAzureCredential; pass a credential to getEntraTokenProvider().`);
  }
  return new identity.DefaultAzureCredential();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
