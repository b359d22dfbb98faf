// The `foundry` backend: a deployment served by a real Foundry resource
// (https://{resource}.services.ai.azure.com/anthropic), authenticated upstream with the resource's key
// in `x-api-key` or with an Entra token (`Authorization: Bearer`) from @azure/identity.
import { createUpstreamBackend, type UpstreamBackend, type UpstreamPool } from '../upstream/index.ts';
import { type CredentialFactory, EntraTokens } from './entra.ts';

export type { CredentialFactory, TokenCredential } from './entra.ts';

export interface FoundryBackendOptions {
  /** Makes the Entra credential for a deployment; defaults to @azure/identity's. */
  credential?: CredentialFactory;
  clock?: () => number;
}

export function createFoundryBackend(pool: UpstreamPool, options: FoundryBackendOptions = {}): UpstreamBackend {
  const tokens = new EntraTokens(options.credential, options.clock);
  return createUpstreamBackend(async (settings) => {
    if (settings.auth.kind === 'key') return { 'x-api-key': settings.auth.key.reveal() };
    return { authorization: `Bearer ${await tokens.token(settings.auth, 'The foundry upstream', settings.policy)}` };
  }, pool);
}
