// Specification of the offline token estimator shared by `messages` and `count_tokens`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageParam, Tool } from '../src/dataplane/types.ts';
import { getModel } from '../src/models/catalog.ts';
import {
  breakdown,
  chunkByTokens,
  countInputTokens,
  countTextTokens,
  MESSAGE_TOKENS,
  REPLY_TOKENS,
  TOOL_CHOICE_FORCED_TOKENS,
  truncateToTokens,
} from '../src/tokens/count.ts';
import { imageSize, imageTokensForSize, UNKNOWN_IMAGE_TOKENS } from '../src/tokens/media.ts';

const sonnet = getModel('claude-sonnet-4-6')!;
const opus47 = getModel('claude-opus-4-7')!;

const PROSE =
  'Prompt caching is a powerful feature that optimizes your API usage by allowing resuming from specific ' +
  'prefixes in your prompts. This approach significantly reduces processing time and costs for repetitive ' +
  'tasks or prompts with consistent elements. When you send a request with prompt caching enabled, the system ' +
  'checks if a prompt prefix, up to a specified cache breakpoint, is already cached from a recent query. It was ' +
  'the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.';

const WEATHER: Tool = {
  type: 'custom',
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};

function user(text: string): MessageParam {
  return { role: 'user', content: [{ type: 'text', text }] };
}

function png(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}

describe('countTextTokens', () => {
  it('is deterministic', () => {
    assert.equal(countTextTokens(PROSE), countTextTokens(PROSE));
  });

  it('never decreases as text grows', () => {
    let previous = 0;
    for (let i = 0; i <= PROSE.length; i += 7) {
      const n = countTextTokens(PROSE.slice(0, i));
      assert.ok(n >= previous, `prefix ${i}: ${n} < ${previous}`);
      previous = n;
    }
  });

  it('gives about 3.5 characters per token on English prose (band 3.0-4.0)', () => {
    const ratio = PROSE.length / countTextTokens(PROSE);
    assert.ok(ratio >= 3.0 && ratio <= 4.0, `ratio ${ratio.toFixed(2)}`);
  });

  it('counts words as ceil(letters/4), digits in groups of 3, a free single space, punctuation runs of 3', () => {
    assert.equal(countTextTokens('the'), 1);
    assert.equal(countTextTokens('information'), 3);
    assert.equal(countTextTokens('the cat'), 2);
    assert.equal(countTextTokens('1234567'), 3);
    assert.equal(countTextTokens('{"a":"b"}'), 5);
    assert.equal(countTextTokens('a\n\nb'), 3);
    assert.equal(countTextTokens('日本語'), 3);
    assert.equal(countTextTokens(''), 0);
  });
});

describe('truncateToTokens and chunkByTokens', () => {
  it('truncates to a prefix costing at most the limit', () => {
    for (const limit of [0, 1, 5, 17, 40]) {
      const cut = truncateToTokens(PROSE, limit);
      assert.ok(PROSE.startsWith(cut));
      assert.ok(countTextTokens(cut) <= limit, `limit ${limit}`);
      assert.ok(countTextTokens(cut) >= limit - 1, `limit ${limit} wastes tokens`);
    }
  });

  it('chunks text into pieces that concatenate back to it exactly', () => {
    const chunks = chunkByTokens(PROSE, 4);
    assert.equal(chunks.join(''), PROSE);
    assert.ok(chunks.length > 10);
    assert.ok(chunks.every((c) => countTextTokens(c) <= 5));
  });
});

describe('countInputTokens', () => {
  it('adds per-message framing and the reply priming to the text', () => {
    assert.equal(countInputTokens({ messages: [user('Hello')] }, sonnet), countTextTokens('Hello') + MESSAGE_TOKENS + REPLY_TOKENS);
  });

  it('counts string content the same as one text block', () => {
    assert.equal(countInputTokens({ messages: [{ role: 'user', content: PROSE }] }, sonnet), countInputTokens({ messages: [user(PROSE)] }, sonnet));
  });

  it('adds the tool JSON and the model tool system prompt, and more when tool_choice forces a tool', () => {
    const plain = countInputTokens({ messages: [user('Hi')] }, sonnet);
    const withTools = countInputTokens({ messages: [user('Hi')], tools: [WEATHER] }, sonnet);
    assert.ok(withTools > plain + sonnet.toolSystemPromptTokens, `${withTools} vs ${plain}`);
    const forced = countInputTokens({ messages: [user('Hi')], tools: [WEATHER], tool_choice: { type: 'any' } }, sonnet);
    assert.equal(forced - withTools, TOOL_CHOICE_FORCED_TOKENS);
  });

  it('counts about 1.3x the text tokens on models with the v2 tokenizer', () => {
    const fixed = MESSAGE_TOKENS + REPLY_TOKENS;
    const legacy = countInputTokens({ messages: [user(PROSE)] }, sonnet) - fixed;
    const v2 = countInputTokens({ messages: [user(PROSE)] }, opus47) - fixed;
    assert.equal(v2, Math.round(legacy * 1.3));
  });

  it('counts images by their header size, and 1,600 when the size is unknown', () => {
    const image = (data: string): MessageParam => ({ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }] });
    const base = countInputTokens({ messages: [{ role: 'user', content: [] }] }, sonnet);
    assert.equal(countInputTokens({ messages: [image(png(300, 250))] }, sonnet) - base, 100);
    assert.equal(countInputTokens({ messages: [image(png(4000, 4000))] }, sonnet) - base, 1600);
    assert.equal(countInputTokens({ messages: [image('bm90IGFuIGltYWdl')] }, sonnet) - base, UNKNOWN_IMAGE_TOKENS);
  });

  it('reads the size from GIF, JPEG and WebP headers too', () => {
    const gif = Buffer.from('GIF89a\x40\x01\xf0\x00', 'latin1');
    assert.deepEqual(imageSize(gif), { width: 320, height: 240 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 240, 1, 64, 3, 0, 0, 0]);
    assert.deepEqual(imageSize(jpeg), { width: 320, height: 240 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(319, 24, 3);
    webp.writeUIntLE(239, 27, 3);
    assert.deepEqual(imageSize(webp), { width: 320, height: 240 });
    assert.equal(imageTokensForSize({ width: 320, height: 240 }), 103);
  });

  it('ignores thinking of earlier assistant turns but counts the latest one', () => {
    const thinking = (text: string): MessageParam => ({ role: 'assistant', content: [{ type: 'thinking', thinking: text, signature: 's' }] });
    const early = countInputTokens({ messages: [user('a'), thinking(PROSE), user('b'), thinking('x'), user('c')] }, sonnet);
    const late = countInputTokens({ messages: [user('a'), thinking('x'), user('b'), thinking(PROSE), user('c')] }, sonnet);
    assert.ok(late - early >= countTextTokens(PROSE) - 1);
  });
});

describe('breakdown', () => {
  it('reports each cache breakpoint prefix in prompt order, ending at most at the total', () => {
    const request = {
      tools: [{ ...WEATHER, cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } }],
      system: [{ type: 'text' as const, text: PROSE, cache_control: { type: 'ephemeral' as const, ttl: '5m' as const } }],
      messages: [user(PROSE), user('Question?')],
      cache_control: { type: 'ephemeral' as const, ttl: '5m' as const },
    };
    const { total, breakpoints } = breakdown(request, sonnet);
    assert.deepEqual(breakpoints.map((b) => b.ttl), ['1h', '5m', '5m']);
    assert.ok(breakpoints[0]!.tokens > sonnet.toolSystemPromptTokens);
    assert.ok(breakpoints[0]!.tokens < breakpoints[1]!.tokens && breakpoints[1]!.tokens < breakpoints[2]!.tokens);
    assert.equal(breakpoints[2]!.tokens, total - REPLY_TOKENS, 'the automatic breakpoint closes the last block');
    assert.equal(total, countInputTokens(request, sonnet));
  });
});
