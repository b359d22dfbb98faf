// The `anthropic` backend: a deployment served by the Anthropic API (or any Anthropic-compatible base
// URL), authenticated upstream with the deployment's key in `x-api-key`.
import { GatewayError } from '../../errors/index.ts';
import { createUpstreamBackend, type UpstreamBackend, type UpstreamPool } from '../upstream/index.ts';

export function createAnthropicBackend(pool: UpstreamPool): UpstreamBackend {
  return createUpstreamBackend((settings) => {
    if (settings.auth.kind !== 'key') throw new GatewayError('api_error', 'The anthropic backend authenticates with an API key only.');
    return { 'x-api-key': settings.auth.key.reveal() };
  }, pool);
}
