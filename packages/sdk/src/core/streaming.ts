// The core SDK's streaming module, at the path @anthropic-ai/foundry-sdk gives it.
export * from '@anthropic-ai/sdk/core/streaming';
