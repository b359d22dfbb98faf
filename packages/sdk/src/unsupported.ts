// The core SDK's APIs that Microsoft Foundry does not serve, each replaced by a stand-in that throws a clear error before any request.
import { AnthropicError } from '@anthropic-ai/sdk/core/error';

/** Thrown, without a network call, when code reaches an API that Microsoft Foundry does not offer. */
export class FoundryUnsupportedAPIError extends AnthropicError {
  /** Where the code reached, e.g. `client.messages.batches.create`. */
  readonly path: string;
  /** The API's name in the Foundry documentation, e.g. `Message Batches API`. */
  readonly api: string;

  constructor(path: string, api: string, hint: string) {
    super(`${path} is not available on Microsoft Foundry: Foundry does not offer the ${api}. ${hint}`);
    this.name = 'FoundryUnsupportedAPIError';
    this.path = path;
    this.api = api;
  }
}

interface UnsupportedAPI {
  api: string;
  hint: string;
}

const MODELS: UnsupportedAPI = {
  api: 'Models API',
  hint: 'Pass the name of a deployment of your Foundry resource as `model` (the Azure portal or `az cognitiveservices account deployment list` lists them).',
};
const BATCHES: UnsupportedAPI = {
  api: 'Message Batches API',
  hint: 'Send each request with `client.messages.create()`.',
};
const ADMIN: UnsupportedAPI = { api: 'Admin API', hint: 'Manage the resource, its keys and its deployments in Azure instead.' };
const USER_PROFILES: UnsupportedAPI = { api: 'User Profiles API', hint: 'It is part of the Claude Platform only.' };
const COMPLIANCE: UnsupportedAPI = { api: 'Compliance API', hint: 'It is part of the Claude Platform only.' };
const MANAGED_AGENTS: UnsupportedAPI = {
  api: 'Claude Managed Agents APIs',
  hint: 'Run the agent loop in your code with `client.messages.create()` or `client.beta.messages.toolRunner()`.',
};

/**
 * Foundry's documentation lists these as not offered at all. Files and Skills are absent on purpose: Microsoft
 * lists them among the Claude APIs on Foundry while Anthropic says Azure-hosted deployments refuse them, so which
 * one holds depends on the deployment and the server decides. `beta.webhooks` only verifies signatures locally.
 */
export const UNSUPPORTED_TOP_LEVEL = {
  models: MODELS,
  organization: ADMIN,
  userProfiles: USER_PROFILES,
} as const satisfies Record<string, UnsupportedAPI>;

export const UNSUPPORTED_BETA = {
  models: MODELS,
  organization: ADMIN,
  userProfiles: USER_PROFILES,
  compliance: COMPLIANCE,
  agents: MANAGED_AGENTS,
  environments: MANAGED_AGENTS,
  sessions: MANAGED_AGENTS,
  deployments: MANAGED_AGENTS,
  deploymentRuns: MANAGED_AGENTS,
  vaults: MANAGED_AGENTS,
  memoryStores: MANAGED_AGENTS,
  dreams: MANAGED_AGENTS,
  tunnels: MANAGED_AGENTS,
} as const satisfies Record<string, UnsupportedAPI>;

export const UNSUPPORTED_BATCHES = BATCHES;

// Names that runtimes and libraries probe on any object (await, JSON, inspection); answering them keeps
// `console.log(client)` and `await` harmless while every real member access still throws.
const PROBED = new Set<string | symbol>(['then', 'toJSON', 'constructor', 'asymmetricMatch', '$$typeof']);

/** A stand-in whose every member access (and so every call) throws {@link FoundryUnsupportedAPIError}. */
export function unsupportedAPI(path: string, { api, hint }: UnsupportedAPI): never {
  const label = `[${path}: not offered by Microsoft Foundry]`;
  const target = {
    [Symbol.toStringTag]: 'FoundryUnsupportedAPI',
    [Symbol.for('nodejs.util.inspect.custom')]: () => label,
  };
  return new Proxy(target, {
    get(obj, property) {
      if (typeof property === 'symbol' || PROBED.has(property)) return Reflect.get(obj, property);
      throw new FoundryUnsupportedAPIError(`${path}.${property}`, api, hint);
    },
    set(_obj, property) {
      throw new FoundryUnsupportedAPIError(`${path}.${String(property)}`, api, hint);
    },
  }) as never;
}

/** Replaces each listed member of `owner` (a client or resource) by its throwing stand-in. */
export function replaceUnsupported(owner: object, prefix: string, table: Readonly<Record<string, UnsupportedAPI>>): void {
  for (const [name, info] of Object.entries(table)) {
    if (!(name in owner)) continue; // an older core SDK without this API: nothing to hide
    Object.defineProperty(owner, name, {
      value: unsupportedAPI(`${prefix}.${name}`, info),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
}
