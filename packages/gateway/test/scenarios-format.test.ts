// The fixtures file format as the gateway reads it: what is accepted (comments, trailing commas, every
// kind of match and reply) and, for each kind of mistake, the one message naming the line, the rule and
// what to write instead.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScenarios, ScenarioFileError } from '../src/backends/scenarios/index.ts';

const FILE = 'test/scenarios.json';

/** A file of one rule, pretty-printed: the rule starts on line 3, its fields on the lines after. */
const oneRule = (rule: unknown) => JSON.stringify({ rules: [rule] }, null, 2);

describe('accepted', () => {
  test('comments, trailing commas, shorthand and full forms compile to rules with their lines', () => {
    const text = `{
  // a comment
  "rules": [
    { "name": "hello", "match": { "userText": "hello" }, "reply": { "text": "Hi!" } },
    /* a block comment */
    {
      "match": {
        "userText": { "regex": "^order (\\\\d+)", "flags": "i" },
        "system": { "equals": "You are a shop." },
        "toolResult": { "name": "lookup", "toolUseId": "toolu_", "content": "found", "isError": false },
        "headers": { "X-Test-Case": "shop" },
        "deployment": "sonnet",
      },
      "times": 2,
      "replies": [
        { "content": [{ "type": "thinking", "thinking": "Hmm.", "signature": "c2ln" }, { "type": "tool_use", "id": "toolu_01x", "name": "lookup", "input": { "id": 1 } }],
          "stop_reason": "tool_use", "usage": { "input_tokens": 5, "output_tokens": 6, "cache_read_input_tokens": 7,
          "cache_creation": { "ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 2 } }, "ttftMs": 10, "tokensPerSecond": 50 },
        { "text": "Done", "streamError": { "type": "overloaded_error", "message": "Overloaded" } },
        { "error": { "status": 429, "code": "RateLimitReached", "message": "Slow down." }, "headers": { "Retry-After": "3" }, "ttftMs": 5 },
        { "error": { "type": "not_found_error", "message": "Nope." } },
      ],
    },
  ],
}`;
    const rules = parseScenarios(text, FILE);
    assert.equal(rules.length, 2);
    assert.deepEqual([rules[0]!.name, rules[0]!.line, rules[1]!.name, rules[1]!.line, rules[1]!.times], ['hello', 4, 'rules[1]', 6, 2]);
    assert.deepEqual(rules[0]!.replies, [{ kind: 'message', content: [{ type: 'text', text: 'Hi!' }], usage: {} }]);
    const match = rules[1]!.match;
    assert.deepEqual(match.headers?.map(([name]) => name), ['x-test-case']);
    assert.ok(match.userText?.kind === 'regex' && match.userText.regex.test('ORDER 42'));
    const [tool, broken, azure, anthropic] = rules[1]!.replies;
    assert.deepEqual(tool, {
      kind: 'message',
      content: [{ type: 'thinking', thinking: 'Hmm.', signature: 'c2ln' }, { type: 'tool_use', id: 'toolu_01x', name: 'lookup', input: { id: 1 } }],
      stopReason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: 6, cache_read_input_tokens: 7, cache_creation_input_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 2 } },
      ttftMs: 10,
      tokensPerSecond: 50,
    });
    assert.deepEqual(broken, { kind: 'message', content: [{ type: 'text', text: 'Done' }], usage: {}, streamError: { type: 'overloaded_error', message: 'Overloaded' } });
    assert.deepEqual(azure, { kind: 'error', shape: 'azure', status: 429, code: 'RateLimitReached', message: 'Slow down.', headers: { 'retry-after': '3' }, ttftMs: 5 });
    assert.deepEqual(anthropic, { kind: 'error', shape: 'anthropic', status: 404, code: 'not_found_error', message: 'Nope.', headers: {} });
  });

  test('an empty rule list and a rule without match (it matches everything)', () => {
    assert.deepEqual(parseScenarios('{"rules": []}', FILE), []);
    assert.deepEqual(parseScenarios(oneRule({ reply: { text: 'x' } }), FILE)[0]!.match, {});
  });
});

describe('refused, with the line and what to write', () => {
  const cases: Array<[string, string, string]> = [
    ['not JSON', '{"rules": [}', `${FILE}, line 1: not valid JSON (ValueExpected). A fixtures file is {"rules": [ ... ]}.`],
    ['an empty file', ' \n', `${FILE}, line 1: the file is empty. A fixtures file is {"rules": [ ... ]}.`],
    ['an array at the top', '[]', `${FILE}, line 1: the file must be an object: {"rules": [ ... ]}.`],
    ['no rules array', '{"rule": []}', `${FILE}, line 1: rule is not a field here; use "rules".`],
    ['rules not an array', '{"rules": {}}', `${FILE}, line 1: rules must be an array of rules, each {"match": {...}, "reply": {...}}.`],
    ['reply and replies', oneRule({ reply: { text: 'a' }, replies: [{ text: 'b' }] }), `${FILE}, line 3: rules[0] needs exactly one of "reply" (one answer) or "replies" (answers played in turn).`],
    ['no reply', oneRule({ name: 'mute', match: {} }), `${FILE}, line 3: rules[0] ("mute") needs exactly one of "reply" (one answer) or "replies" (answers played in turn).`],
    ['empty replies', oneRule({ replies: [] }), `${FILE}, line 4: rules[0].replies must be a non-empty array of replies.`],
    ['a typo in match', oneRule({ match: { usertext: 'x' }, reply: { text: 'a' } }), `${FILE}, line 5: rules[0].match.usertext is not a field here; use "userText", "system", "toolResult", "headers", "deployment".`],
    ['a number as text', oneRule({ match: { userText: 42 }, reply: { text: 'a' } }), `${FILE}, line 5: rules[0].match.userText must be a string (found anywhere in the text), {"equals": "..."} or {"regex": "...", "flags": "i"}.`],
    ['a bad regex', oneRule({ match: { system: { regex: '[' } }, reply: { text: 'a' } }), `${FILE}, line 6: rules[0].match.system.regex is not a regular expression: Invalid regular expression: /[/: Unterminated character class.`],
    ['a global flag', oneRule({ match: { userText: { regex: 'a', flags: 'g' } }, reply: { text: 'a' } }), `${FILE}, line 7: rules[0].match.userText.flags "g": the g and y flags make a regular expression remember where it stopped; leave them out.`],
    ['isError not boolean', oneRule({ match: { toolResult: { isError: 'yes' } }, reply: { text: 'a' } }), `${FILE}, line 6: rules[0].match.toolResult.isError must be true or false.`],
    ['text and content', oneRule({ reply: { text: 'a', content: [] } }), `${FILE}, line 4: rules[0].reply needs exactly one of "text" (one text block), "content" (blocks) or "error".`],
    ['an empty text', oneRule({ reply: { text: '' } }), `${FILE}, line 5: rules[0].reply.text must be a non-empty string, not "".`],
    ['an image block', oneRule({ reply: { content: [{ type: 'image' }] } }), `${FILE}, line 7: rules[0].reply.content[0].type "image" is not a block a reply can hold; use "text", "thinking" or "tool_use".`],
    ['a tool call without name', oneRule({ reply: { content: [{ type: 'tool_use', input: {} }] } }), `${FILE}, line 6: rules[0].reply.content[0].name must be a non-empty string, not nothing.`],
    ['tool input not an object', oneRule({ reply: { content: [{ type: 'tool_use', name: 't', input: [1] }] } }), `${FILE}, line 9: rules[0].reply.content[0].input must be an object: the tool's arguments.`],
    ['an unknown stop reason', oneRule({ reply: { text: 'a', stop_reason: 'done' } }), `${FILE}, line 6: rules[0].reply.stop_reason must be one of "end_turn", "max_tokens", "stop_sequence", "tool_use".`],
    ['stop_sequence without its reason', oneRule({ reply: { text: 'a', stop_sequence: '##' } }), `${FILE}, line 4: rules[0].reply "stop_sequence" goes with "stop_reason": "stop_sequence", and only with it.`],
    ['a negative usage', oneRule({ reply: { text: 'a', usage: { output_tokens: -1 } } }), `${FILE}, line 7: rules[0].reply.usage.output_tokens must be a whole number from 0 up.`],
    ['a cache split that does not add up', oneRule({ reply: { text: 'a', usage: { cache_creation_input_tokens: 5, cache_creation: { ephemeral_5m_input_tokens: 1 } } } }), `${FILE}, line 8: rules[0].reply.usage.cache_creation adds up to 1, not to cache_creation_input_tokens (5).`],
    ['a negative delay', oneRule({ reply: { text: 'a', ttftMs: -5 } }), `${FILE}, line 6: rules[0].reply.ttftMs must be a number from 0 to 600000.`],
    ['an unknown error type', oneRule({ reply: { error: { type: 'teapot_error', message: 'x' } } }), `${FILE}, line 6: rules[0].reply.error.type "teapot_error" is not an Anthropic error type; use one of invalid_request_error, not_found_error, request_too_large, rate_limit_error, api_error, timeout_error, overloaded_error, authentication_error, billing_error, permission_error.`],
    ['an Azure code without status', oneRule({ reply: { error: { code: 'RateLimitReached', message: 'x' } } }), `${FILE}, line 5: rules[0].reply.error needs "status" with an Azure "code", e.g. {"status": 429, "code": "RateLimitReached", "message": "..."}.`],
    ['both type and code', oneRule({ reply: { error: { type: 'api_error', code: 'X', status: 500, message: 'x' } } }), `${FILE}, line 5: rules[0].reply.error needs exactly one of "type" (an Anthropic error type) or "code" (an Azure error code, with "status").`],
    ['a status out of range', oneRule({ reply: { error: { type: 'api_error', status: 200, message: 'x' } } }), `${FILE}, line 7: rules[0].reply.error.status must be a whole number from 400 to 599.`],
    ['a framing header', oneRule({ reply: { error: { type: 'api_error', message: 'x' }, headers: { 'content-length': '1' } } }), `${FILE}, line 10: rules[0].reply.headers.content-length is not a header a reply may set: use retry-after, retry-after-ms or an x- header.`],
    ['a stream error a stream cannot carry', oneRule({ reply: { text: 'a', streamError: { type: 'permission_error', message: 'x' } } }), `${FILE}, line 7: rules[0].reply.streamError.type must be one of invalid_request_error, not_found_error, request_too_large, rate_limit_error, api_error, timeout_error, overloaded_error.`],
    ['times zero', oneRule({ reply: { text: 'a' }, times: 0 }), `${FILE}, line 7: rules[0].times must be a whole number from 1 up.`],
  ];
  for (const [what, text, message] of cases) {
    test(what, () => {
      assert.throws(() => parseScenarios(text, FILE), (err: Error) => {
        assert.ok(err instanceof ScenarioFileError);
        assert.equal(err.message, message);
        assert.equal(err.file, FILE);
        return true;
      });
    });
  }
});
