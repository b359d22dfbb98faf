// Turns the constructor's options and the ANTHROPIC_FOUNDRY_* environment into a checked Foundry target, or throws a message that says what to write instead.
import { AnthropicError } from '@anthropic-ai/sdk/core/error';

/** Returns a Microsoft Entra access token; called before every request attempt. */
export type AzureADTokenProvider = () => Promise<string>;

/** What the constructor was given, before defaults: `undefined` means "not passed". */
export interface FoundryTargetInput {
  resource?: string | null | undefined;
  apiKey?: string | null | undefined;
  azureADTokenProvider?: AzureADTokenProvider | null | undefined;
  baseURL?: string | null | undefined;
  /** Options the core client takes but Foundry cannot use. */
  unsupported?: Record<string, unknown>;
}

export type FoundryAuth = { kind: 'apiKey'; apiKey: string } | { kind: 'entra'; provider: AzureADTokenProvider };

export interface FoundryTarget {
  auth: FoundryAuth;
  baseURL: string;
  /** The resource name the base URL was built from, or null when a base URL was given. */
  resource: string | null;
}

const UNSUPPORTED_CREDENTIALS = ['authToken', 'credentials', 'config', 'profile'] as const;

/** Reads a variable the way the core SDK does: trimmed, and empty counts as unset. */
export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name]?.trim();
  return value ? value : undefined;
}

/** The base URL of a Foundry resource's Anthropic endpoint. */
export function foundryBaseURL(resource: string): string {
  return `https://${resource}.services.ai.azure.com/anthropic/`;
}

/**
 * Validates in the official SDK's order (unsupported options, credentials, then the target) and with its
 * messages as the first sentence, so code matching them keeps working; the sentence after says what to write.
 */
export function resolveFoundryTarget(input: FoundryTargetInput): FoundryTarget {
  for (const option of UNSUPPORTED_CREDENTIALS) {
    if (input.unsupported?.[option] != null) {
      throw new AnthropicError(
        `The \`${option}\` option is not supported by AnthropicFoundry; authentication uses a Foundry API key (\`apiKey\`) or a Microsoft Entra token (\`azureADTokenProvider\`).`,
      );
    }
  }
  const auth = resolveAuth(input);
  const { baseURL, resource } = resolveEndpoint(input);
  return { auth, baseURL, resource };
}

function resolveAuth({ apiKey, azureADTokenProvider }: FoundryTargetInput): FoundryAuth {
  if (azureADTokenProvider != null && typeof azureADTokenProvider !== 'function') {
    throw new AnthropicError(
      `The \`azureADTokenProvider\` option must be a function that returns a Promise of a Microsoft Entra token; it is a ${typeof azureADTokenProvider}. To authenticate with a key, pass it as \`apiKey\`; for Entra, pass \`azureADTokenProvider: getEntraTokenProvider()\`.`,
    );
  }
  const keyFromEnv = apiKey === undefined;
  const key = apiKey === undefined ? readEnv('ANTHROPIC_FOUNDRY_API_KEY') : apiKey;
  if (!azureADTokenProvider && !key) {
    throw new AnthropicError(
      'Missing credentials. Please pass one of `apiKey` and `azureADTokenProvider`, or set the `ANTHROPIC_FOUNDRY_API_KEY` environment variable. ' +
        "For example `new AnthropicFoundry({ resource: 'my-resource', apiKey: process.env.MY_FOUNDRY_KEY })` with a key from the resource's Keys and Endpoint page, " +
        "or `new AnthropicFoundry({ resource: 'my-resource', azureADTokenProvider: getEntraTokenProvider() })` for Microsoft Entra ID.",
    );
  }
  if (azureADTokenProvider && key) {
    throw new AnthropicError(
      'The `apiKey` and `azureADTokenProvider` arguments are mutually exclusive; only one can be passed at a time. ' +
        (keyFromEnv
          ? 'The key comes from the `ANTHROPIC_FOUNDRY_API_KEY` environment variable: unset it, or pass `apiKey: null` to use Microsoft Entra ID.'
          : 'Remove `apiKey` to use Microsoft Entra ID, or remove `azureADTokenProvider` to use the key.'),
    );
  }
  if (azureADTokenProvider) return { kind: 'entra', provider: azureADTokenProvider };
  if (typeof key !== 'string') {
    throw new AnthropicError(`The \`apiKey\` option must be a string (a key of your Foundry resource); it is a ${typeof key}.`);
  }
  return { kind: 'apiKey', apiKey: key };
}

function resolveEndpoint(input: FoundryTargetInput): { baseURL: string; resource: string | null } {
  const baseURLFromEnv = input.baseURL === undefined;
  const resourceFromEnv = input.resource === undefined;
  const baseURL = input.baseURL === undefined ? readEnv('ANTHROPIC_FOUNDRY_BASE_URL') : input.baseURL;
  const resource = input.resource === undefined ? readEnv('ANTHROPIC_FOUNDRY_RESOURCE') : input.resource;
  if (!baseURL) {
    if (!resource) {
      throw new AnthropicError(
        "Must provide one of the `baseURL` or `resource` arguments, or the `ANTHROPIC_FOUNDRY_RESOURCE` environment variable: for example `resource: 'my-resource'` for https://my-resource.services.ai.azure.com/anthropic/.",
      );
    }
    checkResourceName(resource, resourceFromEnv);
    return { baseURL: foundryBaseURL(resource), resource };
  }
  if (resource) {
    const origin = (fromEnv: boolean, option: string, variable: string) => (fromEnv ? `the ${variable} environment variable` : `\`${option}\``);
    throw new AnthropicError(
      `baseURL and resource are mutually exclusive: ${origin(baseURLFromEnv, 'baseURL', 'ANTHROPIC_FOUNDRY_BASE_URL')} and ${origin(resourceFromEnv, 'resource', 'ANTHROPIC_FOUNDRY_RESOURCE')} are both set. ` +
        'Keep one; `resource: null` or `baseURL: null` makes the client skip the environment variable.',
    );
  }
  checkBaseURL(baseURL, baseURLFromEnv);
  return { baseURL, resource: null };
}

/** A resource is a name like `my-resource`; a dot, slash or colon means a host or URL was pasted instead. */
function checkResourceName(resource: string, fromEnv: boolean): void {
  if (!/[./:]/.test(resource)) return;
  const name = resourceNameIn(resource);
  const where = fromEnv ? 'The `ANTHROPIC_FOUNDRY_RESOURCE` environment variable' : 'The `resource` option';
  const instead = fromEnv
    ? `Set ANTHROPIC_FOUNDRY_RESOURCE=${name ?? 'my-resource'}, or put the URL in ANTHROPIC_FOUNDRY_BASE_URL instead.`
    : `Pass \`resource: '${name ?? 'my-resource'}'\`, or pass the URL as \`baseURL\` instead.`;
  throw new AnthropicError(
    `${where} takes just the name of your Foundry resource, not a host or URL; it is "${resource}". ${instead}`,
  );
}

/** The first label of the host in `value`, e.g. `my-res` in `https://my-res.services.ai.azure.com/anthropic`. */
function resourceNameIn(value: string): string | undefined {
  try {
    const url = new URL(value.includes('://') ? value : `https://${value}`);
    return url.hostname.split('.')[0] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SDK appends `v1/messages` to the base URL as given. An Azure host serves Claude only under `/anthropic`,
 * so there a missing segment is certainly a mistake; other hosts (proxies, a local gateway) may use any path,
 * so only a path already ending in `/v1` or `/v1/messages` is refused there.
 */
function checkBaseURL(baseURL: string, fromEnv: boolean): void {
  const where = fromEnv ? 'The `ANTHROPIC_FOUNDRY_BASE_URL` environment variable' : 'The `baseURL` option';
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new AnthropicError(
      `${where} must be an absolute URL such as https://my-resource.services.ai.azure.com/anthropic; it is "${baseURL}".`,
    );
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const isAzureHost = url.hostname.endsWith('.azure.com');
  const v1At = segments.lastIndexOf('v1');
  const endsInV1 = v1At >= 0 && (v1At === segments.length - 1 || (v1At === segments.length - 2 && segments[v1At + 1] === 'messages'));
  const kept = endsInV1 ? segments.slice(0, v1At) : segments;
  const suggested = [url.origin, ...(isAzureHost && kept.at(-1) !== 'anthropic' ? ['anthropic'] : kept)].join('/');
  if (endsInV1) {
    throw new AnthropicError(
      `${where} ends in /${segments.slice(v1At).join('/')}, which the SDK adds itself (it calls {baseURL}/v1/messages); it is "${baseURL}". Use ${suggested} instead.`,
    );
  }
  if (isAzureHost && segments.at(-1) !== 'anthropic') {
    throw new AnthropicError(
      `${where} must end in /anthropic for a Foundry resource (Claude is served at https://{resource}.services.ai.azure.com/anthropic/v1/messages); it is "${baseURL}". ` +
        `Append /anthropic: use ${suggested}, or pass \`resource: '${url.hostname.split('.')[0]}'\` instead.`,
    );
  }
}
