// The request validator's top-level rules: required fields, generation settings, thinking, API
// versions, count_tokens leniency, per-model limits, and robustness against any parsed JSON.
// Blocks and conversation rules: validate-messages.test.ts. SDK-sent bodies: validate-sdk.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkModelLimits, validateCountTokensRequest, validateMessagesRequest } from '../src/dataplane/validate.ts';
import { GatewayError } from '../src/errors/index.ts';
import { assertRejects, body, rejectsCount, rejectsMessages, V2023, V2026 } from './validate-helpers.ts';

const THINKING_DOCS = 'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';
const CONSIDERATIONS = `${THINKING_DOCS}#important-considerations-when-using-extended-thinking`;
const THINKING = { type: 'enabled', budget_tokens: 2048 };

describe('request body', () => {
  it('must be a JSON object', () => {
    for (const input of [null, [], 'text', 42, true, [{ model: 'x' }]]) {
      rejectsMessages(input, 'Request body must be a JSON object.');
      rejectsCount(input, 'Request body must be a JSON object.');
    }
  });

  it('refuses unknown top-level fields by name', () => {
    rejectsMessages(body({ foo: 1 }), 'foo: Extra inputs are not permitted');
    rejectsMessages(body({ frequency_penalty: 0 }), 'frequency_penalty: Extra inputs are not permitted');
  });

  it('echoes an unknown field name at a bounded length', () => {
    rejectsMessages(body({ ['k'.repeat(10000)]: 1 }), `${'k'.repeat(256)}…: Extra inputs are not permitted`);
  });

  it('accepts the known-but-uninterpreted fields and keeps them in `extra`', () => {
    const passThrough = {
      inference_geo: 'us',
      speed: 'fast',
      container: 'container_1',
      context_management: { edits: [] },
      mcp_servers: [],
      diagnostics: { x: 1 },
    };
    const request = validateMessagesRequest(body(passThrough), V2023);
    assert.deepEqual(request.extra, passThrough);
    assert.equal(validateMessagesRequest(body(), V2023).extra, undefined);
  });
});

describe('model', () => {
  it('is required', () => rejectsMessages({ max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }, 'model: Field required'));
  it('must be a string', () => rejectsMessages(body({ model: 5 }), 'model: Input should be a valid string'));
  it('must not be empty', () => rejectsMessages(body({ model: '' }), 'model: String should have at least 1 character'));
});

describe('max_tokens', () => {
  it('is required', () => rejectsMessages({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens: Field required'));
  it('must be an integer', () => {
    rejectsMessages(body({ max_tokens: '10' }), 'max_tokens: Input should be a valid integer');
    rejectsMessages(body({ max_tokens: 1.5 }), 'max_tokens: Input should be a valid integer, got a number with a fractional part');
  });
  it('must not be negative', () => rejectsMessages(body({ max_tokens: -1 }), 'max_tokens: Input should be greater than or equal to 0'));
  it('may be 0, which only populates the prompt cache', () => {
    assert.equal(validateMessagesRequest(body({ max_tokens: 0 }), V2023).max_tokens, 0);
  });
});

describe('stream, metadata, service_tier, cache_control, output_config', () => {
  it('stream defaults to false and must be a boolean', () => {
    assert.equal(validateMessagesRequest(body(), V2023).stream, false);
    assert.equal(validateMessagesRequest(body({ stream: true }), V2023).stream, true);
    rejectsMessages(body({ stream: 'yes' }), 'stream: Input should be a valid boolean');
  });

  it('metadata holds only a user_id of at most 256 characters, or null', () => {
    assert.deepEqual(validateMessagesRequest(body({ metadata: { user_id: 'u-1' } }), V2023).metadata, { user_id: 'u-1' });
    assert.deepEqual(validateMessagesRequest(body({ metadata: { user_id: null } }), V2023).metadata, { user_id: null });
    assert.deepEqual(validateMessagesRequest(body({ metadata: {} }), V2023).metadata, {});
    rejectsMessages(body({ metadata: { session: 'x' } }), 'metadata.session: Extra inputs are not permitted');
    rejectsMessages(body({ metadata: { user_id: 'x'.repeat(257) } }), 'metadata.user_id: String should have at most 256 characters');
    rejectsMessages(body({ metadata: { user_id: 7 } }), 'metadata.user_id: Input should be a valid string');
    rejectsMessages(body({ metadata: 'u' }), 'metadata: Input should be a valid dictionary or object to extract fields from');
  });

  it("service_tier is 'auto' or 'standard_only'", () => {
    assert.equal(validateMessagesRequest(body({ service_tier: 'standard_only' }), V2023).service_tier, 'standard_only');
    rejectsMessages(body({ service_tier: 'priority' }), "service_tier: Input should be 'auto' or 'standard_only'");
  });

  it('top-level cache_control is an ephemeral breakpoint whose ttl defaults to 5m', () => {
    assert.deepEqual(validateMessagesRequest(body({ cache_control: { type: 'ephemeral' } }), V2023).cache_control, { type: 'ephemeral', ttl: '5m' });
    assert.deepEqual(validateMessagesRequest(body({ cache_control: { type: 'ephemeral', ttl: '1h' } }), V2023).cache_control, {
      type: 'ephemeral',
      ttl: '1h',
    });
    rejectsMessages(body({ cache_control: { type: 'persistent' } }), "cache_control.type: Input should be 'ephemeral'");
    rejectsMessages(body({ cache_control: { type: 'ephemeral', ttl: '2h' } }), "cache_control.ttl: Input should be '5m' or '1h'");
  });

  it('output_config is kept as sent once its effort is checked', () => {
    const config = { effort: 'high', format: { type: 'json_schema', schema: { type: 'object' } } };
    assert.equal(validateMessagesRequest(body({ output_config: config }), V2023).output_config, config);
    rejectsMessages(body({ output_config: { effort: 'extreme' } }), "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
    rejectsMessages(body({ output_config: { format: 'json' } }), 'output_config.format: Input should be a valid dictionary or object to extract fields from');
  });
});

describe('system', () => {
  it('a string becomes one text block', () => {
    assert.deepEqual(validateMessagesRequest(body({ system: 'Be brief.' }), V2023).system, [{ type: 'text', text: 'Be brief.' }]);
  });

  it('an array of text blocks keeps their cache breakpoints', () => {
    const system = [{ type: 'text', text: 'Long context', cache_control: { type: 'ephemeral', ttl: '1h' } }];
    assert.deepEqual(validateMessagesRequest(body({ system }), V2023).system, [
      { type: 'text', text: 'Long context', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ]);
  });

  it('only text blocks are allowed, and they must be non-empty', () => {
    rejectsMessages(
      body({ system: [{ type: 'image', source: {} }] }),
      "system.0: Input tag 'image' found using 'type' does not match any of the expected tags: 'text'",
    );
    rejectsMessages(body({ system: [{ type: 'text', text: '' }] }), 'system: text content blocks must be non-empty');
    rejectsMessages(body({ system: 5 }), 'system: Input should be a valid list');
  });
});

describe('stop_sequences', () => {
  it('are non-empty strings with some non-whitespace', () => {
    assert.deepEqual(validateMessagesRequest(body({ stop_sequences: ['END', '\n\nHuman:'] }), V2023).stop_sequences, ['END', '\n\nHuman:']);
    rejectsMessages(body({ stop_sequences: [''] }), 'stop_sequences: each stop sequence must be non-empty');
    rejectsMessages(body({ stop_sequences: ['\n'] }), 'stop_sequences: each stop sequence must contain non-whitespace');
    rejectsMessages(body({ stop_sequences: ['ok', 3] }), 'stop_sequences.1: Input should be a valid string');
    rejectsMessages(body({ stop_sequences: 'END' }), 'stop_sequences: Input should be a valid list');
  });

  it('are at most 8191', () => {
    rejectsMessages(
      body({ stop_sequences: Array.from({ length: 8192 }, (_, i) => `s${i}`) }),
      'stop_sequences: List should have at most 8191 items after validation, not 8192',
    );
  });
});

describe('sampling (API 2023-06-01)', () => {
  it('temperature and top_p lie in 0..1, top_k is a non-negative integer', () => {
    const request = validateMessagesRequest(body({ temperature: 0, top_k: 40 }), V2023);
    assert.equal(request.temperature, 0);
    assert.equal(request.top_k, 40);
    rejectsMessages(body({ temperature: 1.5 }), 'temperature: Input should be less than or equal to 1');
    rejectsMessages(body({ temperature: -0.1 }), 'temperature: Input should be greater than or equal to 0');
    rejectsMessages(body({ temperature: 'hot' }), 'temperature: Input should be a valid number');
    rejectsMessages(body({ top_p: 2 }), 'top_p: Input should be less than or equal to 1');
    rejectsMessages(body({ top_k: -1 }), 'top_k: Input should be greater than or equal to 0');
    rejectsMessages(body({ top_k: 0.5 }), 'top_k: Input should be a valid integer, got a number with a fractional part');
  });

  it('temperature and top_p cannot both be set', () => {
    rejectsMessages(body({ temperature: 0.5, top_p: 0.9 }), '`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  });
});

describe('API version 2026-10-21', () => {
  it('refuses temperature, top_p and top_k as unknown fields, even at their defaults', () => {
    rejectsMessages(body({ temperature: 1 }), 'temperature: Extra inputs are not permitted', V2026);
    rejectsMessages(body({ top_p: 0.9 }), 'top_p: Extra inputs are not permitted', V2026);
    rejectsMessages(body({ top_k: 5 }), 'top_k: Extra inputs are not permitted', V2026);
  });

  it('accepts the same body without them', () => {
    assert.equal(validateMessagesRequest(body(), V2026).model, 'claude-sonnet-4-6');
  });
});

describe('thinking', () => {
  it('enabled needs a budget of at least 1024 tokens, below max_tokens', () => {
    const request = validateMessagesRequest(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024, display: 'omitted' } }), V2023);
    assert.deepEqual(request.thinking, { type: 'enabled', budget_tokens: 1024, display: 'omitted' });
    rejectsMessages(body({ thinking: { type: 'enabled', budget_tokens: 1000 } }), 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    rejectsMessages(body({ thinking: { type: 'enabled' } }), 'thinking.enabled.budget_tokens: Field required');
    rejectsMessages(
      body({ max_tokens: 2048, thinking: THINKING }),
      `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. ${THINKING_DOCS}#max-tokens-and-context-window-size`,
    );
  });

  it('with the interleaved-thinking beta, the budget may reach or pass max_tokens, as Claude Code sends it', () => {
    const request = validateMessagesRequest(body({ max_tokens: 2048, thinking: THINKING }), { ...V2023, betas: ['fine-grained-tool-streaming-2025-05-14', 'interleaved-thinking-2025-05-14'] });
    assert.deepEqual(request.thinking, THINKING);
    assert.throws(() => validateMessagesRequest(body({ max_tokens: 2048, thinking: THINKING }), { ...V2023, betas: ['context-1m-2025-08-07'] }), /must be greater than/);
  });

  it('disabled and adaptive are accepted', () => {
    assert.deepEqual(validateMessagesRequest(body({ thinking: { type: 'disabled' } }), V2023).thinking, { type: 'disabled' });
    assert.deepEqual(validateMessagesRequest(body({ thinking: { type: 'adaptive', display: 'summarized' } }), V2023).thinking, {
      type: 'adaptive',
      display: 'summarized',
    });
    rejectsMessages(body({ thinking: { type: 'adaptive', display: 'full' } }), "thinking.adaptive.display: Input should be 'summarized' or 'omitted'");
  });

  it('an unknown type lists the expected ones', () => {
    rejectsMessages(
      body({ thinking: { type: 'on' } }),
      "thinking: Input tag 'on' found using 'type' does not match any of the expected tags: 'adaptive', 'between_tools', 'disabled', 'enabled'",
    );
    rejectsMessages(body({ thinking: {} }), "thinking: Unable to extract tag using discriminator 'type'");
  });

  it('fixes temperature at 1 and refuses top_k', () => {
    assert.equal(validateMessagesRequest(body({ max_tokens: 4096, thinking: THINKING, temperature: 1 }), V2023).temperature, 1);
    rejectsMessages(
      body({ max_tokens: 4096, thinking: THINKING, temperature: 0.5 }),
      `\`temperature\` may only be set to 1 when thinking is enabled. ${CONSIDERATIONS}`,
    );
    rejectsMessages(body({ max_tokens: 4096, thinking: THINKING, top_k: 5 }), `\`top_k\` must be unset when thinking is enabled. ${CONSIDERATIONS}`);
    rejectsMessages(
      body({ max_tokens: 4096, thinking: THINKING, top_p: 0.5 }),
      `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${CONSIDERATIONS}`,
    );
  });

  it('cannot be combined with a tool_choice that forces tool use', () => {
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' } }];
    for (const toolChoice of [{ type: 'any' }, { type: 'tool', name: 'get_weather' }]) {
      rejectsMessages(body({ max_tokens: 4096, thinking: THINKING, tools, tool_choice: toolChoice }), 'Thinking may not be enabled when tool_choice forces tool use.');
    }
    rejectsMessages(body({ thinking: { type: 'adaptive' }, tools, tool_choice: { type: 'any' } }), 'Thinking may not be enabled when tool_choice forces tool use.');
    assert.ok(validateMessagesRequest(body({ max_tokens: 4096, thinking: THINKING, tools, tool_choice: { type: 'auto' } }), V2023));
    assert.ok(validateMessagesRequest(body({ thinking: { type: 'disabled' }, tools, tool_choice: { type: 'any' } }), V2023));
  });
});

describe('count_tokens', () => {
  const countBody = (fields: Record<string, unknown> = {}) => ({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }], ...fields });

  it('needs model and messages but not max_tokens', () => {
    assert.deepEqual(validateCountTokensRequest(countBody(), V2023), { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
    rejectsCount({ messages: [{ role: 'user', content: 'Hi' }] }, 'model: Field required');
    rejectsCount({ model: 'm' }, 'messages: Field required');
  });

  it('ignores the generation settings some clients copy from their messages body', () => {
    const request = validateCountTokensRequest(
      countBody({ max_tokens: 'any', stream: true, stop_sequences: [''], temperature: 9, top_p: 2, top_k: -1, metadata: { user_id: 'u' } }),
      V2026,
    );
    assert.equal(request.model, 'claude-sonnet-4-6');
    assert.equal('max_tokens' in request, false);
  });

  it('applies the messages rules to system, tools, tool_choice, thinking and cache_control', () => {
    rejectsCount(countBody({ foo: 1 }), 'foo: Extra inputs are not permitted');
    rejectsCount(countBody({ messages: [] }), 'messages: at least one message is required');
    rejectsCount(countBody({ system: [{ type: 'text', text: '' }] }), 'system: text content blocks must be non-empty');
    rejectsCount(countBody({ tool_choice: { type: 'any' } }), "tool_choice: `tool_choice` of type 'any' requires `tools` to be provided");
    rejectsCount(countBody({ thinking: { type: 'enabled', budget_tokens: 10 } }), 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    rejectsCount(countBody({ cache_control: { type: 'ephemeral', ttl: '1d' } }), "cache_control.ttl: Input should be '5m' or '1h'");
  });

  it('does not compare the thinking budget with max_tokens', () => {
    const request = validateCountTokensRequest(countBody({ max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 20000 } }), V2023);
    assert.deepEqual(request.thinking, { type: 'enabled', budget_tokens: 20000 });
  });
});

describe('checkModelLimits', () => {
  const limits = { maxOutputTokens: 64000, contextWindow: 200000, modelId: 'claude-sonnet-4-6' };
  const request = (maxTokens: number) => validateMessagesRequest(body({ max_tokens: maxTokens }), V2023);

  it("refuses max_tokens above the model's output ceiling", () => {
    assertRejects(
      () => checkModelLimits(request(100000), limits),
      'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-6',
    );
    checkModelLimits(request(64000), limits);
  });

  it('refuses a prompt longer than the context window', () => {
    assertRejects(() => checkModelLimits(request(1024), limits, 220000), 'prompt is too long: 220000 tokens > 200000 maximum');
  });

  it('refuses input plus max_tokens beyond the context window', () => {
    assertRejects(
      () => checkModelLimits(request(16384), limits, 190000),
      'input length and `max_tokens` exceed context limit: 190000 + 16384 > 200000, decrease input length or `max_tokens` and try again',
    );
    checkModelLimits(request(10000), limits, 190000);
  });
});

describe('robustness', () => {
  // A small deterministic generator of hostile JSON: wrong types everywhere, deep nesting, odd keys.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  function deep(depth: number): unknown {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { type: 'text', nested: value };
    return value;
  }

  const deeplyNested = deep(2000);

  function junk(depth = 0): unknown {
    const scalars = [null, true, false, 0, -1, 1.5, 1e308, '', ' ', 'text', 'user', 'tool_use', 'ephemeral'];
    if (depth > 3) return pick(scalars);
    switch (Math.floor(random() * 5)) {
      case 0:
        return pick(scalars);
      case 1:
        return Array.from({ length: Math.floor(random() * 4) }, () => junk(depth + 1));
      case 2:
        return JSON.parse('{"__proto__": {"polluted": true}, "toString": "x", "valueOf": 1, "type": "text"}');
      case 3:
        return deeplyNested;
      default: {
        const keys = ['type', 'text', 'role', 'content', 'source', 'id', 'name', 'input', 'tool_use_id', 'cache_control', 'budget_tokens', 'toString'];
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < 4; i++) obj[pick(keys)] = junk(depth + 1);
        return obj;
      }
    }
  }

  function mutate(): unknown {
    const fields = ['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'metadata', 'stop_sequences', 'cache_control', 'output_config', 'container', 'temperature', 'unknown'];
    const base = body({
      system: [{ type: 'text', text: 's' }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 't', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'r' }] }] },
      ],
    });
    const target = pick(fields);
    if (target === 'messages' && random() < 0.7) {
      const messages = structuredClone(base.messages) as Array<Record<string, unknown>>;
      const message = pick(messages);
      if (random() < 0.5) message.content = [junk()];
      else message[pick(['role', 'content'])] = junk();
      return { ...base, messages };
    }
    return { ...base, [target]: junk() };
  }

  it('throws nothing but a 400 GatewayError, whatever it is given', () => {
    const inputs: unknown[] = [undefined, null, [], 0, 'x', JSON.parse('{"__proto__": 1}'), { toString: 'x', model: { toString: 'y' } }];
    for (let i = 0; i < 3000; i++) inputs.push(random() < 0.2 ? junk() : mutate());
    for (const input of inputs) {
      for (const validate of [validateMessagesRequest, validateCountTokensRequest]) {
        for (const options of [V2023, V2026]) {
          try {
            validate(input, options);
          } catch (err) {
            if (!(err instanceof GatewayError)) assert.fail(`non-GatewayError for ${JSON.stringify(input)?.slice(0, 300)}: ${String(err)}`);
            assert.equal(err.status, 400);
          }
        }
      }
    }
  });

  it('does not descend into unknown or free-form fields, however deep', () => {
    const request = validateMessagesRequest(
      body({
        container: deep(100000),
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 't', input: { a: deep(100000) } }] },
        ],
      }),
      V2023,
    );
    assert.equal(request.messages.length, 2);
  });
});
