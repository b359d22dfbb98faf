// The core SDK's pagination module, at the path @anthropic-ai/foundry-sdk gives it.
export * from '@anthropic-ai/sdk/core/pagination';
