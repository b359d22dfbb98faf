// The request validator's `messages` rules: message shape, every content block type, where blocks
// may appear, the conversation rules and tool_use/tool_result pairing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockTypes } from '../src/api/surface.ts';
import { validateMessagesRequest } from '../src/dataplane/validate.ts';
import { body, conversation, rejectsMessages, V2023, V2026 } from './validate-helpers.ts';

const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const toolUse = (id: string, name = 'get_weather') => ({ type: 'tool_use', id, name, input: { city: 'Paris' } });
const toolResult = (id: string, content: unknown = '18°C') => ({ type: 'tool_result', tool_use_id: id, content });
const PNG = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };
/** Every message block type of the API's description, sorted, as the error lists them. */
const MESSAGE_TAGS = [...blockTypes.message].sort().map((t) => `'${t}'`).join(', ');

/** The validated content blocks of a one-message (user) conversation. */
function userBlocks(content: unknown[]) {
  return validateMessagesRequest(conversation(user(content)), V2023).messages[0]!.content;
}

describe('messages', () => {
  it('is a required, non-empty list', () => {
    rejectsMessages({ model: 'm', max_tokens: 1 }, 'messages: Field required');
    rejectsMessages(body({ messages: {} }), 'messages: Input should be a valid list');
    rejectsMessages(body({ messages: [] }), 'messages: at least one message is required');
  });

  it('each message is an object with a user or assistant role', () => {
    rejectsMessages(conversation('hi'), 'messages.0: Input should be a valid dictionary or object to extract fields from');
    rejectsMessages(conversation({ content: 'hi' }), 'messages.0.role: Field required');
    rejectsMessages(conversation({ role: 'human', content: 'hi' }), "messages.0.role: Input should be 'user' or 'assistant'");
  });

  it('a system role points to the top-level system parameter', () => {
    rejectsMessages(
      conversation({ role: 'system', content: 'Be brief.' }, user('hi')),
      'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
    );
  });

  it('content is a string or a list of blocks', () => {
    rejectsMessages(conversation({ role: 'user' }), 'messages.0.content: Field required');
    rejectsMessages(conversation(user(42)), 'messages.0.content: Input should be a valid list');
  });

  it('string content becomes one text block', () => {
    assert.deepEqual(validateMessagesRequest(conversation(user('Hello')), V2023).messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
  });

  it('text must be non-empty, as a string or as a block', () => {
    rejectsMessages(conversation(user('')), 'messages: text content blocks must be non-empty');
    rejectsMessages(conversation(user([{ type: 'text', text: '' }])), 'messages: text content blocks must be non-empty');
  });

  it('only the final assistant message may have no content', () => {
    rejectsMessages(conversation(user([]), assistant('a')), 'messages.0: all messages must have non-empty content except for the optional final assistant message');
    assert.deepEqual(validateMessagesRequest(conversation(user('q'), assistant([])), V2023).messages[1], { role: 'assistant', content: [] });
  });

  it('the first message must be the user’s', () => {
    rejectsMessages(conversation(assistant('Hi'), user('Hello')), 'messages: first message must use the "user" role');
  });

  it('consecutive messages of one role are allowed', () => {
    assert.equal(validateMessagesRequest(conversation(user('a'), user('b'), assistant('c'), assistant('d')), V2023).messages.length, 4);
  });

  it('a final assistant message is a prefill, without trailing whitespace', () => {
    assert.equal(validateMessagesRequest(conversation(user('Name a colour'), assistant('The colour is')), V2023).messages.length, 2);
    rejectsMessages(conversation(user('q'), assistant('The colour is ')), 'messages: final assistant content cannot end with trailing whitespace');
  });
});

describe('content blocks', () => {
  it('an unknown type lists the expected tags', () => {
    rejectsMessages(
      conversation(user([{ type: 'text', text: 'a' }, { type: 'foo' }])),
      `messages.0.content.1: Input tag 'foo' found using 'type' does not match any of the expected tags: ${MESSAGE_TAGS}`,
    );
    rejectsMessages(conversation(user([{ text: 'a' }])), "messages.0.content.0: Unable to extract tag using discriminator 'type'");
    rejectsMessages(conversation(user(['a'])), 'messages.0.content.0: Input should be a valid dictionary or object to extract fields from');
  });

  it('text keeps its citations and cache breakpoint', () => {
    const citations = [{ type: 'char_location', cited_text: 'x', document_index: 0, start_char_index: 0, end_char_index: 1 }];
    assert.deepEqual(userBlocks([{ type: 'text', text: 'a', citations, cache_control: { type: 'ephemeral' } }]), [
      { type: 'text', text: 'a', citations, cache_control: { type: 'ephemeral', ttl: '5m' } },
    ]);
    rejectsMessages(conversation(user([{ type: 'text', text: 1 }])), 'messages.0.content.0.text.text: Input should be a valid string');
  });

  it('image sources are base64 (jpeg, png, gif, webp), url or file', () => {
    assert.deepEqual(userBlocks([{ type: 'image', source: PNG }]), [{ type: 'image', source: PNG }]);
    assert.deepEqual(userBlocks([{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }])[0], {
      type: 'image',
      source: { type: 'url', url: 'https://example.com/a.png' },
    });
    assert.equal(userBlocks([{ type: 'image', source: { type: 'file', file_id: 'file_1' } }]).length, 1);
    rejectsMessages(
      conversation(user([{ type: 'image', source: { ...PNG, media_type: 'image/bmp' } }])),
      "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    );
    rejectsMessages(
      conversation(user([{ type: 'image', source: { type: 'path', path: '/a.png' } }])),
      "messages.0.content.0.image.source: Input tag 'path' found using 'type' does not match any of the expected tags: 'base64', 'file', 'url'",
    );
    rejectsMessages(conversation(user([{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }])), 'messages.0.content.0.image.source.base64.data: Field required');
  });

  it('document sources are a PDF, plain text, custom content, a url or a file', () => {
    const sources = [
      { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
      { type: 'text', media_type: 'text/plain', data: 'Plain text' },
      { type: 'content', content: [{ type: 'text', text: 'Chunk' }] },
      { type: 'content', content: 'Chunk' },
      { type: 'url', url: 'https://example.com/a.pdf' },
      { type: 'file', file_id: 'file_1' },
    ];
    for (const source of sources) {
      const [block] = userBlocks([{ type: 'document', source, title: 'T', context: 'C', citations: { enabled: true } }]);
      assert.deepEqual(block, { type: 'document', source, title: 'T', context: 'C', citations: { enabled: true } });
    }
    rejectsMessages(
      conversation(user([{ type: 'document', source: { type: 'base64', media_type: 'text/csv', data: 'a,b' } }])),
      "messages.0.content.0.document.source.base64.media_type: Input should be 'application/pdf'",
    );
    rejectsMessages(
      conversation(user([{ type: 'document', source: { type: 'html', data: '<p>' } }])),
      "messages.0.content.0.document.source: Input tag 'html' found using 'type' does not match any of the expected tags: 'base64', 'content', 'file', 'text', 'url'",
    );
  });

  it('search results carry a source, a title and text blocks', () => {
    const result = { type: 'search_result', source: 'https://example.com', title: 'Example', content: [{ type: 'text', text: 'Snippet' }] };
    assert.deepEqual(userBlocks([result]), [result]);
    rejectsMessages(conversation(user([{ ...result, title: undefined }])), 'messages.0.content.0.search_result.title: Field required');
    rejectsMessages(
      conversation(user([{ ...result, content: [{ type: 'image', source: PNG }] }])),
      "messages.0.content.0.search_result.content.0: Input tag 'image' found using 'type' does not match any of the expected tags: 'text'",
    );
  });

  it('tool_use needs an id of letters, digits, _ and -, a name and an input object', () => {
    rejectsMessages(conversation(user('q'), assistant([{ ...toolUse('toolu 1') }])), "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'");
    rejectsMessages(conversation(user('q'), assistant([{ type: 'tool_use', id: 'toolu_1', input: {} }])), 'messages.1.content.0.tool_use.name: Field required');
    rejectsMessages(conversation(user('q'), assistant([{ ...toolUse('toolu_1'), input: '{}' }])), 'messages.1.content.0.tool_use.input: Input should be a valid dictionary');
  });

  it('tool_result content is a string or text, image, document, search_result, tool_reference and browser_state blocks', () => {
    const content = [
      { type: 'text', text: 'Sunny' },
      { type: 'image', source: PNG },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Report' } },
      { type: 'search_result', source: 's', title: 't', content: [{ type: 'text', text: 'x' }] },
      { type: 'tool_reference', tool_name: 'CronCreate' },
    ];
    const messages = validateMessagesRequest(conversation(user('q'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1', content)])), V2023).messages;
    assert.deepEqual(messages[2]!.content[0], { type: 'tool_result', tool_use_id: 'toolu_1', content });
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1', [{ type: 'tool_use' }])])),
      "messages.2.content.0.tool_result.content.0: Input tag 'tool_use' found using 'type' does not match any of the expected tags: 'browser_state', 'document', 'image', 'search_result', 'text', 'tool_reference'",
    );
  });

  it('tool_result without content gets an empty list; is_error is a boolean', () => {
    const prefix = [user('q'), assistant([toolUse('toolu_1')])];
    const messages = validateMessagesRequest(conversation(...prefix, user([{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true }])), V2023).messages;
    assert.deepEqual(messages[2]!.content[0], { type: 'tool_result', tool_use_id: 'toolu_1', content: [], is_error: true });
    rejectsMessages(conversation(...prefix, user([{ ...toolResult('toolu_1'), is_error: 'yes' }])), 'messages.2.content.0.tool_result.is_error: Input should be a valid boolean');
  });

  it('thinking and redacted_thinking blocks are passed back as sent, without cache breakpoints', () => {
    const thinking = { type: 'thinking', thinking: 'Let me see.', signature: 'EqQBCkYIBxgC' };
    const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3' };
    const messages = validateMessagesRequest(conversation(user('q'), assistant([thinking, redacted, { type: 'text', text: 'A.' }])), V2023).messages;
    assert.deepEqual(messages[1]!.content.slice(0, 2), [thinking, redacted]);
    rejectsMessages(conversation(user('q'), assistant([{ type: 'thinking', thinking: 't' }])), 'messages.1.content.0.thinking.signature: Field required');
    rejectsMessages(
      conversation(user('q'), assistant([{ ...thinking, cache_control: { type: 'ephemeral' } }])),
      'messages.1.content.0.thinking.cache_control: Extra inputs are not permitted',
    );
  });

  it('cache_control on a block is ephemeral, with a 5m or 1h ttl', () => {
    assert.deepEqual(userBlocks([{ type: 'image', source: PNG, cache_control: { type: 'ephemeral', ttl: '1h' } }])[0], {
      type: 'image',
      source: PNG,
      cache_control: { type: 'ephemeral', ttl: '1h' },
    });
    rejectsMessages(conversation(user([{ type: 'text', text: 'a', cache_control: 'ephemeral' }])), 'messages.0.content.0.text.cache_control: Input should be a valid dictionary or object to extract fields from');
    rejectsMessages(conversation(user([{ type: 'text', text: 'a', cache_control: { type: 'ephemeral', ttl: 300 } }])), "messages.0.content.0.text.cache_control.ttl: Input should be '5m' or '1h'");
  });

  it('tool_use belongs to assistant turns and tool_result to user turns', () => {
    rejectsMessages(conversation(user([toolUse('toolu_1')])), 'messages.0.content.0: `tool_use` blocks can only be in `assistant` messages');
    rejectsMessages(conversation(user('q'), assistant([toolResult('toolu_1')])), 'messages.1.content.0: `tool_result` blocks can only be in `user` messages');
  });
});

describe('API version 2026-10-21 content rules', () => {
  const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Report' } };
  const cited = { type: 'text', text: 'As cited', citations: [{ type: 'char_location', cited_text: 'R', document_index: 0, start_char_index: 0, end_char_index: 1 }] };

  it('a document directly in an assistant message is refused', () => {
    rejectsMessages(conversation(user('q'), assistant([doc])), 'messages.1.content.0: `document` blocks are not permitted in `assistant` messages in API version 2026-10-21', V2026);
    assert.equal(validateMessagesRequest(conversation(user('q'), assistant([doc])), V2023).messages.length, 2);
  });

  it('a text block with citations in a user message is refused', () => {
    rejectsMessages(conversation(user([cited])), 'messages.0.content.0.text.citations: `citations` are not permitted on `text` blocks in `user` messages in API version 2026-10-21', V2026);
    assert.equal(validateMessagesRequest(conversation(user([cited])), V2023).messages.length, 1);
    assert.equal(validateMessagesRequest(conversation(user([{ ...cited, citations: [] }])), V2026).messages.length, 1);
    assert.equal(validateMessagesRequest(conversation(user('q'), assistant([cited])), V2026).messages.length, 2);
  });
});

describe('tool_use / tool_result pairing', () => {
  it('accepts a tool loop: tool_use answered by tool_result in the next user message', () => {
    const messages = [user('Weather?'), assistant([{ type: 'text', text: 'Checking.' }, toolUse('toolu_1'), toolUse('toolu_2')]), user([toolResult('toolu_2'), toolResult('toolu_1'), { type: 'text', text: 'Thanks' }]), assistant('18°C.')];
    assert.equal(validateMessagesRequest(conversation(...messages), V2023).messages.length, 4);
  });

  it('every tool_use needs a tool_result in the next message', () => {
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1'), toolUse('toolu_2')]), user([toolResult('toolu_1')])),
      'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1'), toolUse('toolu_2')]), user('Never mind')),
      'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1, toolu_2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  });

  it('a tool_result must answer a tool_use of the previous message', () => {
    rejectsMessages(
      conversation(user([toolResult('toolu_9')])),
      'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1'), toolResult('toolu_7')])),
      'messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_7. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1')]), assistant('ok'), user([toolResult('toolu_1')])),
      'messages.4.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
  });

  it('tool_use ids are unique across the request', () => {
    rejectsMessages(conversation(user('q'), assistant([toolUse('toolu_1'), toolUse('toolu_1')])), 'messages.1.content.1: `tool_use` ids must be unique');
    rejectsMessages(
      conversation(user('q'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1')]), assistant([toolUse('toolu_1')])),
      'messages.3.content.0: `tool_use` ids must be unique',
    );
  });

  it('a trailing assistant message may end in tool_use', () => {
    assert.equal(validateMessagesRequest(conversation(user('q'), assistant([toolUse('toolu_1')])), V2023).messages.length, 2);
  });

  it('pairs by turn: consecutive messages of one role count as one turn', () => {
    const messages = [user('q'), assistant([toolUse('toolu_1')]), assistant([toolUse('toolu_2')]), user([toolResult('toolu_1')]), user([toolResult('toolu_2')])];
    assert.equal(validateMessagesRequest(conversation(...messages), V2023).messages.length, 5);
  });
});
