// The core SDK's middleware module, at the path @anthropic-ai/foundry-sdk gives it.
export * from '@anthropic-ai/sdk/core/middleware';
