// The bodies the official Foundry SDKs really send validate, whatever their shape. Each request is
// made through the SDK itself, with a fetch that records the body and the anthropic-version header:
// foundry-sdk 1.x speaks API 2026-10-21, foundry-sdk 0.x speaks 2023-06-01.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnthropicFoundry } from '@anthropic-ai/foundry-sdk';
import { AnthropicFoundry as AnthropicFoundry0 } from '@anthropic-ai/foundry-sdk-0';
import { validateCountTokensRequest, validateMessagesRequest } from '../src/dataplane/validate.ts';
import type { AnthropicVersion } from '../src/dataplane/types.ts';

interface Sent {
  path: string;
  version: AnthropicVersion;
  body: unknown;
}

const REPLY = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content: [{ type: 'text', text: 'ok', citations: null }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 },
  input_tokens: 1,
};

/** A fetch that records what the SDK sends and answers every call with REPLY. */
function recorder(sent: Sent[]) {
  return async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const version = new Headers(init?.headers).get('anthropic-version');
    assert.ok(version === '2023-06-01' || version === '2026-10-21', `unexpected anthropic-version ${version}`);
    sent.push({ path: new URL(String(url)).pathname, version, body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify(REPLY), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

/** Validates a recorded request as the gateway would, on the endpoint it was sent to. */
function validateSent({ path, version, body }: Sent): unknown {
  return path.endsWith('/count_tokens') ? validateCountTokensRequest(body, { version }) : validateMessagesRequest(body, { version });
}

const MODEL = 'claude-sonnet-4-6';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('bodies sent by @anthropic-ai/foundry-sdk 1.x (API 2026-10-21)', async () => {
  const sent: Sent[] = [];
  const client = new AnthropicFoundry({ apiKey: 'key', resource: 'contoso', maxRetries: 0, fetch: recorder(sent) });

  await client.messages.create({ model: MODEL, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
  await client.messages
    .create({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], stream: true })
    .catch(() => undefined); // the recorded reply is not an event stream; only the request matters

  // A tool loop, with the previous response's content passed back as-is.
  await client.messages.create({
    model: MODEL,
    max_tokens: 1024,
    tools: [weatherTool],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.', citations: null },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: '18°C and sunny' }] },
    ],
  });

  // Extended thinking, with thinking blocks passed back in the tool loop.
  await client.messages.create({
    model: MODEL,
    max_tokens: 16000,
    thinking: { type: 'enabled', budget_tokens: 10000 },
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCkYIBxgCKkB' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
          { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: '18°C' }] }] },
    ],
  });

  // Images and documents, with prompt caching (1h) on system, tools and the last user block.
  await client.messages.create({
    model: MODEL,
    max_tokens: 1024,
    system: [{ type: 'text', text: 'You review documents.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    tools: [{ ...weatherTool, cache_control: { type: 'ephemeral', ttl: '1h' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/chart.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'Report' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' }, citations: { enabled: true } },
          { type: 'text', text: 'Summarise these.', cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
    ],
  });

  await client.messages.countTokens({ model: MODEL, system: 'Be brief.', tools: [weatherTool], messages: [{ role: 'user', content: 'Hello' }] });

  it('every request reached the recorder with API version 2026-10-21', () => {
    assert.equal(sent.length, 6);
    assert.ok(sent.every((s) => s.version === '2026-10-21'));
  });

  it('all of them validate', () => {
    for (const request of sent) assert.ok(validateSent(request));
  });

  it('thinking blocks passed back in a tool loop keep their signatures', () => {
    const thinking = validateMessagesRequest(sent[3]!.body, { version: '2026-10-21' });
    assert.deepEqual(thinking.messages[1]!.content[0], { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCkYIBxgCKkB' });
  });

  it('cache breakpoints keep their 1h ttl', () => {
    const cached = validateMessagesRequest(sent[4]!.body, { version: '2026-10-21' });
    assert.equal(cached.system?.[0]?.cache_control?.ttl, '1h');
    assert.equal(cached.tools?.[0]?.cache_control?.ttl, '1h');
    assert.equal(cached.messages[0]!.content.at(-1)?.type, 'text');
  });
});

describe('bodies sent by @anthropic-ai/foundry-sdk 0.x (API 2023-06-01)', async () => {
  const sent: Sent[] = [];
  const client = new AnthropicFoundry0({ apiKey: 'key', resource: 'contoso', maxRetries: 0, fetch: recorder(sent) });

  await client.messages.create({
    model: MODEL,
    max_tokens: 512,
    temperature: 0.2,
    top_k: 40,
    stop_sequences: ['END'],
    metadata: { user_id: 'user-42' },
    service_tier: 'standard_only',
    messages: [
      { role: 'user', content: 'Name a colour.' },
      { role: 'assistant', content: 'The colour is' },
    ],
  });
  await client.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }] });

  it('every request reached the recorder with API version 2023-06-01', () => {
    assert.equal(sent.length, 2);
    assert.ok(sent.every((s) => s.version === '2023-06-01'));
  });

  it('all of them validate, sampling parameters and prefill included', () => {
    for (const request of sent) assert.ok(validateSent(request));
    const request = validateMessagesRequest(sent[0]!.body, { version: '2023-06-01' });
    assert.equal(request.temperature, 0.2);
    assert.equal(request.top_k, 40);
  });
});
