// AnthropicFoundry: the core SDK's Anthropic client pointed at a Microsoft Foundry resource, a drop-in for @anthropic-ai/foundry-sdk.
import { Anthropic, type ClientOptions } from '@anthropic-ai/sdk/client';
import type { APIPromise } from '@anthropic-ai/sdk/core/api-promise';
import { AnthropicError } from '@anthropic-ai/sdk/core/error';
import type * as Resources from '@anthropic-ai/sdk/resources/index';
import { VERSION as CORE_VERSION } from '@anthropic-ai/sdk/version';
import { addApimRequestId } from './correlation.ts';
import { type AzureADTokenProvider, type FoundryAuth, resolveFoundryTarget } from './options.ts';
import { UNSUPPORTED_BATCHES, UNSUPPORTED_BETA, UNSUPPORTED_TOP_LEVEL, replaceUnsupported } from './unsupported.ts';
import { VERSION } from './version.ts';

export { BaseAnthropic } from '@anthropic-ai/sdk/client';

/** API Client for interfacing with the Anthropic Foundry API. */
export interface FoundryClientOptions extends ClientOptions {
  /**
   * The name of your Foundry resource: requests go to `https://{resource}.services.ai.azure.com/anthropic/v1/messages`.
   *
   * Defaults to process.env['ANTHROPIC_FOUNDRY_RESOURCE']. `null` skips the variable.
   */
  resource?: string | null | undefined;

  /**
   * A key of your Foundry resource, sent as `x-api-key`.
   *
   * Defaults to process.env['ANTHROPIC_FOUNDRY_API_KEY']. `null` skips the variable.
   */
  apiKey?: string | null | undefined;

  /**
   * A function that returns an access token for Microsoft Entra ID (formerly Azure Active Directory), sent as
   * `Authorization: Bearer <token>`. It is called before every request attempt; see `getEntraTokenProvider()`.
   */
  azureADTokenProvider?: AzureADTokenProvider | undefined;
}

/** `client.messages`: the core resource, with `batches` (not offered by Foundry) typed `never`, as it throws on use. */
export type FoundryMessages = Resources.Messages & { readonly batches: never };

/** `client.beta`: the core resource, with the APIs that Foundry does not offer typed `never`, as they throw on use. */
export type FoundryBeta = Resources.Beta & {
  readonly messages: Resources.Beta['messages'] & { readonly batches: never };
} & { readonly [K in keyof typeof UNSUPPORTED_BETA]: never };

/** API Client for interfacing with the Anthropic Foundry API. */
export class AnthropicFoundry extends Anthropic {
  /** The resource the base URL was built from; null when the client was given a base URL. */
  resource: string | null = null;

  // The types say what the constructor makes true at run time: these APIs throw on any use.
  declare messages: FoundryMessages;
  declare beta: FoundryBeta;
  declare models: never;
  declare organization: never;
  declare userProfiles: never;

  /** @internal Foundry holds no server-side message threads: the tool runner sends the whole history each turn. */
  _supportsMessageThreads = false;

  #auth: FoundryAuth;

  /**
   * API Client for interfacing with the Anthropic Foundry API.
   *
   * @param {string | null} [opts.resource=process.env['ANTHROPIC_FOUNDRY_RESOURCE']] - Your Foundry resource name.
   * @param {string | null} [opts.apiKey=process.env['ANTHROPIC_FOUNDRY_API_KEY']] - A key of the resource.
   * @param {() => Promise<string>} [opts.azureADTokenProvider] - Microsoft Entra tokens, instead of a key.
   * @param {string} [opts.baseURL=process.env['ANTHROPIC_FOUNDRY_BASE_URL']] - e.g. `https://my-resource.services.ai.azure.com/anthropic/`.
   * The other options are the core client's: `timeout`, `maxRetries`, `fetch`, `defaultHeaders`, `middleware`, …
   */
  constructor({ baseURL, apiKey, resource, azureADTokenProvider, dangerouslyAllowBrowser, ...opts }: FoundryClientOptions = {}) {
    // A clone from withOptions() carries the token provider in `apiKey`, where the core keeps it.
    const keyIsProvider = typeof apiKey === 'function' && azureADTokenProvider == null;
    const target = resolveFoundryTarget({
      baseURL,
      resource,
      apiKey: keyIsProvider ? null : apiKey,
      azureADTokenProvider: keyIsProvider ? (apiKey as unknown as AzureADTokenProvider) : azureADTokenProvider,
      unsupported: opts,
    });
    // As the official client does: Entra tokens are no secret to keep from a browser.
    if (typeof azureADTokenProvider === 'function') dangerouslyAllowBrowser = true;

    super({
      ...opts,
      apiKey: target.auth.kind === 'entra' ? target.auth.provider : target.auth.apiKey,
      baseURL: target.baseURL,
      ...(dangerouslyAllowBrowser !== undefined ? { dangerouslyAllowBrowser } : {}),
    });
    this.#auth = target.auth;
    this.resource = target.resource;

    replaceUnsupported(this, 'client', UNSUPPORTED_TOP_LEVEL);
    replaceUnsupported(this.beta, 'client.beta', UNSUPPORTED_BETA);
    replaceUnsupported(this.messages, 'client.messages', { batches: UNSUPPORTED_BATCHES });
    replaceUnsupported(this.beta.messages, 'client.beta.messages', { batches: UNSUPPORTED_BATCHES });
  }

  /** @internal The OpenTelemetry scope of this client's spans. */
  _instrumentationScope() {
    return { platform: 'foundry', version: VERSION };
  }

  /**
   * Create a new client instance re-using the same options given to the
   * current client, including `resource`, with optional overriding.
   */
  override withOptions(options: Partial<FoundryClientOptions>): this {
    // A resource or a base URL, never both: the one given replaces this client's, and `null` keeps the
    // other's environment variable unread.
    const resource = options.resource ?? (options.baseURL ? null : this.resource);
    // Switching to Entra replaces the key the core would otherwise carry over (and the reverse).
    const switchesToEntra = options.azureADTokenProvider != null && options.apiKey === undefined;
    return super.withOptions({
      ...(resource ? { baseURL: null } : {}),
      ...options,
      ...(switchesToEntra ? { apiKey: null } : {}),
      resource,
    } as Partial<FoundryClientOptions>);
  }

  /**
   * Adds `_apim_request_id` beside the core's `_request_id` on every parsed body. `request()` is the one public
   * method that every API call goes through, and `_thenUnwrap` the core's own hook for reshaping a parsed body
   * while keeping `withResponse()`, `asResponse()` and tracing: so no fetch wrapper, and no reliance on the
   * core's private parse functions.
   */
  override request<Rsp>(...args: Parameters<Anthropic['request']>): APIPromise<Rsp> {
    return super.request<Rsp>(...args)._thenUnwrap((data, { response }) => addApimRequestId(data, response));
  }

  /** The key only as `x-api-key`; an Entra token as `Authorization: Bearer`, fetched for every attempt. */
  protected override async authHeaders(): ReturnType<Anthropic['authHeaders']> {
    // A header record: the core merges it with the same function that merges `defaultHeaders`.
    type AuthHeaders = Awaited<ReturnType<Anthropic['authHeaders']>>;
    if (this.#auth.kind === 'apiKey') return { 'x-api-key': this.#auth.apiKey } as unknown as AuthHeaders;
    let token: unknown;
    try {
      token = await this.#auth.provider();
    } catch (err) {
      if (err instanceof AnthropicError) throw err;
      throw new AnthropicError(`Failed to get token from azureADTokenProvider: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    if (typeof token !== 'string' || !token) {
      throw new AnthropicError(`Expected azureADTokenProvider function argument to return a string but it returned ${String(token)}`);
    }
    return { Authorization: `Bearer ${token}` } as unknown as AuthHeaders;
  }

  /** Foundry auth is always set by authHeaders(); the core's check for Anthropic credentials does not apply. */
  protected override validateHeaders(): void {}

  /** Foundry uses its own credentials; never fall back to Anthropic's credential chain or profile files. */
  protected override _shouldResolveDefaultCredentials(): boolean {
    return false;
  }

  /** As the official client sends it, so a server sees the same bytes. */
  protected override getUserAgent(): string {
    return `AnthropicFoundry/JS ${CORE_VERSION}`;
  }
}
