// Code written for @anthropic-ai/foundry-sdk. our-usage.ts is this file with only the import specifiers swapped (compat.test.ts checks
// that); the root `tsc --noEmit` type-checks both, which is the proof that such code compiles unchanged with @claude-foundry/sdk.
import AnthropicFoundry, { BaseAnthropic, type FoundryClientOptions } from '@anthropic-ai/foundry-sdk';
import { APIError, AuthenticationError, RateLimitError } from '@anthropic-ai/foundry-sdk/core/error';
import { Stream } from '@anthropic-ai/foundry-sdk/core/streaming';
import { AnthropicFoundry as Named } from '@anthropic-ai/foundry-sdk';

const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };

export async function usage(): Promise<unknown[]> {
  const options: FoundryClientOptions = { resource: 'my-resource', apiKey: 'key', maxRetries: 1, timeout: 30_000 };
  const client = new AnthropicFoundry(options);
  const entra = new Named({ resource: null, baseURL: 'https://r.services.ai.azure.com/anthropic/', azureADTokenProvider: async () => 'token' });
  const base: BaseAnthropic = client;
  const resource: string | null = client.resource;
  const clone: AnthropicFoundry = client.withOptions({ resource: 'other', defaultHeaders: { 'x-trace': '1' } });

  const message = await client.messages.create(HELLO);
  const text: string = message.content[0]?.type === 'text' ? message.content[0].text : '';
  const requestId: string | null | undefined = message._request_id;

  const stream = client.messages.stream(HELLO);
  stream.on('text', (delta: string) => delta.length);
  const final = await stream.finalMessage();
  const streamRequestId: string | null | undefined = stream.request_id;

  const raw = await client.messages.create({ ...HELLO, stream: true });
  const isStream: boolean = raw instanceof Stream;
  for await (const event of raw) if (event.type === 'message_stop') break;

  const { data, response, request_id } = await client.messages.create(HELLO).withResponse();
  const tokens: number = (await client.messages.countTokens({ model: HELLO.model, messages: HELLO.messages })).input_tokens;
  const beta = await client.beta.messages.create({ ...HELLO, betas: ['interleaved-thinking-2025-05-14'] });
  const tool = await client.messages.create({
    ...HELLO,
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    tool_choice: { type: 'any' },
  });

  try {
    await entra.messages.create(HELLO);
  } catch (err) {
    if (err instanceof AnthropicFoundry.APIError) return [err.status, err.requestID, err.headers];
    if (err instanceof APIError || err instanceof AuthenticationError || err instanceof RateLimitError) return [err.message];
    if (err instanceof Named.AnthropicError) return [err.message];
  }
  return [base, resource, clone, text, requestId, final, streamRequestId, isStream, data, response, request_id, tokens, beta, tool];
}
