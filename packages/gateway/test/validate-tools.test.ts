// The request validator's `tools` and `tool_choice` rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMessagesRequest } from '../src/dataplane/validate.ts';
import { body, rejectsMessages, V2023 } from './validate-helpers.ts';

const weather = { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

function tools(list: unknown[]) {
  return validateMessagesRequest(body({ tools: list }), V2023).tools;
}

describe('tools', () => {
  it('a custom tool keeps its name, description, schema and cache breakpoint', () => {
    assert.deepEqual(tools([{ ...weather, cache_control: { type: 'ephemeral', ttl: '1h' } }]), [
      { type: 'custom', ...weather, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ]);
    assert.deepEqual(tools([{ ...weather, type: 'custom' }]), [{ type: 'custom', ...weather }]);
  });

  it('a custom tool name matches ^[a-zA-Z0-9_-]{1,128}$', () => {
    rejectsMessages(body({ tools: [{ ...weather, name: 'get.weather' }] }), "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    rejectsMessages(body({ tools: [{ ...weather, name: 'x'.repeat(129) }] }), "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    rejectsMessages(body({ tools: [{ input_schema: { type: 'object' } }] }), 'tools.0.custom.name: Field required');
  });

  it('a custom tool needs an object input_schema without a top-level oneOf, allOf or anyOf', () => {
    rejectsMessages(body({ tools: [{ name: 't' }] }), 'tools.0.custom.input_schema: Field required');
    rejectsMessages(body({ tools: [{ name: 't', input_schema: { type: 'array' } }] }), "tools.0.custom.input_schema.type: Input should be 'object'");
    rejectsMessages(
      body({ tools: [{ name: 't', input_schema: { type: 'object', anyOf: [] } }] }),
      'tools.0.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level',
    );
  });

  it('versioned Anthropic-defined tools are accepted by name', () => {
    const defined = [
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool', max_characters: 10000 },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ];
    assert.deepEqual(tools(defined), [
      { type: 'bash_20250124', name: 'bash' },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
      { type: 'web_search_20250305', name: 'web_search' },
    ]);
    rejectsMessages(body({ tools: [{ type: 'bash_20250124' }] }), 'tools.0.bash_20250124.name: Field required');
  });

  it('an unknown tool type is refused', () => {
    assert.throws(() => validateMessagesRequest(body({ tools: [{ type: 'function', function: { name: 'f' } }] }), V2023), {
      name: 'GatewayError',
      message: /^tools\.0: Input tag 'function' found using 'type' does not match any of the expected tags: 'advisor_20260301', 'bash_20241022', .*'custom', .*'web_search_20260318'$/,
    });
  });

  it('tool names are unique', () => {
    rejectsMessages(body({ tools: [weather, { ...weather, description: 'again' }] }), 'tools: Tool names must be unique.');
  });

  it('tools is a list of objects', () => {
    rejectsMessages(body({ tools: weather }), 'tools: Input should be a valid list');
    rejectsMessages(body({ tools: ['get_weather'] }), 'tools.0: Input should be a valid dictionary or object to extract fields from');
  });
});

describe('tool_choice', () => {
  it('auto, any, tool and none are accepted, with disable_parallel_tool_use', () => {
    const cases = [
      { type: 'auto', disable_parallel_tool_use: true },
      { type: 'any' },
      { type: 'tool', name: 'get_weather', disable_parallel_tool_use: false },
      { type: 'none' },
    ];
    for (const choice of cases) {
      assert.deepEqual(validateMessagesRequest(body({ tools: [weather], tool_choice: choice }), V2023).tool_choice, choice);
    }
  });

  it('an unknown type lists the expected ones', () => {
    rejectsMessages(
      body({ tools: [weather], tool_choice: { type: 'required' } }),
      "tool_choice: Input tag 'required' found using 'type' does not match any of the expected tags: 'any', 'auto', 'none', 'tool'",
    );
    rejectsMessages(body({ tool_choice: 'auto' }), 'tool_choice: Input should be a valid dictionary or object to extract fields from');
    rejectsMessages(body({ tools: [weather], tool_choice: { type: 'auto', disable_parallel_tool_use: 1 } }), 'tool_choice.auto.disable_parallel_tool_use: Input should be a valid boolean');
  });

  it('forcing a tool needs tools, and a named tool must be one of them', () => {
    rejectsMessages(body({ tool_choice: { type: 'any' } }), "tool_choice: `tool_choice` of type 'any' requires `tools` to be provided");
    rejectsMessages(body({ tool_choice: { type: 'tool', name: 'get_weather' } }), "tool_choice: `tool_choice` of type 'tool' requires `tools` to be provided");
    rejectsMessages(body({ tools: [weather], tool_choice: { type: 'tool', name: 'get_time' } }), "tool_choice.tool.name: no tool named 'get_time' is provided in `tools`");
    rejectsMessages(body({ tools: [weather], tool_choice: { type: 'tool' } }), 'tool_choice.tool.name: Field required');
  });

  it('auto and none need no tools', () => {
    assert.deepEqual(validateMessagesRequest(body({ tool_choice: { type: 'none' } }), V2023).tool_choice, { type: 'none' });
    assert.deepEqual(validateMessagesRequest(body({ tool_choice: { type: 'auto' } }), V2023).tool_choice, { type: 'auto' });
  });
});
