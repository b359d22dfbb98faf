// @claude-foundry/sdk: AnthropicFoundry for Claude on Microsoft Foundry, exported as @anthropic-ai/foundry-sdk exports it, plus its extras.
export * from './client.ts';
export { AnthropicFoundry as default } from './client.ts';
export type { FoundryClientOptions } from './client.ts';
export { correlationIds, type CorrelationIds, type CorrelationSource } from './correlation.ts';
export {
  getEntraTokenProvider,
  DEFAULT_ENTRA_SCOPE,
  type AccessToken,
  type TokenCredential,
  type EntraTokenProviderOptions,
} from './entra.ts';
export type { AzureADTokenProvider } from './options.ts';
export { FoundryUnsupportedAPIError } from './unsupported.ts';
export * from './core/error.ts';
