// The core SDK's error module, at the path @anthropic-ai/foundry-sdk gives it.
export * from '@anthropic-ai/sdk/core/error';
