// The simulator's validator accepts the current Messages API as the description has it: tool search
// (deferred tools, tool_reference results), server tool blocks in histories, MCP blocks, message
// threads, context management, structured outputs, strict and eagerly streamed tools, toolsets,
// and refuses what is malformed with the path of the fault; over HTTP, the simulator answers such
// requests (Claude Code's second request with tool search among them).
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { validateCountTokensRequest, validateMessagesRequest } from '../src/dataplane/validate.ts';
import { messages, parseSse, raw, startTestGateway, type TestGateway } from './helpers.ts';
import { body, conversation, rejectsCount, rejectsMessages, V2023, V2026 } from './validate-helpers.ts';

const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const cron = { name: 'CronCreate', description: 'Schedule a job', input_schema: { type: 'object', properties: { when: { type: 'string' } } }, defer_loading: true };
const toolSearch = { name: 'ToolSearch', description: 'Find tools', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };

/** What Claude Code sends on its second request when tool search is on (issue 12). */
const claudeCodeSecondTurn = body({
  max_tokens: 32000,
  thinking: { type: 'enabled', budget_tokens: 31999 },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  tools: [toolSearch, cron],
  messages: [
    user('Schedule the nightly backup'),
    assistant([{ type: 'tool_use', id: 'toolu_01', name: 'ToolSearch', input: { query: 'cron' } }]),
    user([{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'tool_reference', tool_name: 'CronCreate' }] }]),
  ],
});

describe('the current Messages API in the simulator', () => {
  it('accepts tool search: deferred tools and tool_reference blocks in a tool_result (API 2023-06-01 and 2026-10-21)', () => {
    for (const options of [{ ...V2023, betas: ['interleaved-thinking-2025-05-14', 'advanced-tool-use-2025-11-20'] }, V2026]) {
      const request = validateMessagesRequest(options === V2026 ? { ...claudeCodeSecondTurn, thinking: undefined } : claudeCodeSecondTurn, options);
      assert.equal(request.tools?.[1]?.defer_loading, true);
      const result = request.messages[2]!.content[0];
      assert.ok(result?.type === 'tool_result' && Array.isArray(result.content));
      assert.deepEqual(result.content[0], { type: 'tool_reference', tool_name: 'CronCreate' });
      assert.deepEqual(request.extra, { context_management: claudeCodeSecondTurn['context_management'] });
    }
  });

  it('accepts server tool calls and their results in an assistant turn, kept as sent', () => {
    const history = [
      { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'weather Paris' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'Weather', encrypted_content: 'abc' }] },
      { type: 'server_tool_use', id: 'srvtoolu_02', name: 'web_fetch', input: { url: 'https://example.com' } },
      { type: 'web_fetch_tool_result', tool_use_id: 'srvtoolu_02', content: { type: 'web_fetch_tool_result_error', error_code: 'unavailable' } },
      { type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_03', content: { type: 'code_execution_result', stdout: '', stderr: '', return_code: 0, content: [] } },
      { type: 'bash_code_execution_tool_result', tool_use_id: 'srvtoolu_04', content: { type: 'bash_code_execution_result', stdout: 'ok', stderr: '', return_code: 0, content: [] } },
      { type: 'text_editor_code_execution_tool_result', tool_use_id: 'srvtoolu_05', content: { type: 'text_editor_code_execution_view_result', content: 'x', file_type: 'text' } },
      { type: 'tool_search_tool_result', tool_use_id: 'srvtoolu_06', content: { type: 'tool_search_tool_search_result', tool_references: [{ type: 'tool_reference', tool_name: 'CronCreate' }] } },
      { type: 'mcp_tool_use', id: 'mcptoolu_01', name: 'lookup', server_name: 'docs', input: {} },
      { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_01', content: [{ type: 'text', text: 'found' }] },
      { type: 'text', text: 'It is sunny.', citations: [{ type: 'web_search_result_location', url: 'https://example.com', title: 'Weather', encrypted_index: 'x', cited_text: 'sunny' }] },
    ];
    const request = validateMessagesRequest(conversation(user('Weather?'), assistant(history), user('Thanks')), V2023);
    assert.deepEqual(request.messages[1]!.content.slice(0, 10), history.slice(0, 10));
  });

  it('accepts container_upload, redacted_thinking, documents with citations and search results in a user turn', () => {
    const blocks = [
      { type: 'container_upload', file_id: 'file_01' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, title: 'Sky', citations: { enabled: true } },
      { type: 'search_result', source: 'https://kb/1', title: 'KB', content: [{ type: 'text', text: 'Answer' }], citations: { enabled: true } },
    ];
    assert.equal(validateMessagesRequest(conversation(user(blocks)), V2023).messages[0]!.content.length, 3);
    const thinking = [{ type: 'redacted_thinking', data: 'EmwKAhgB' }, { type: 'text', text: 'Done' }];
    assert.equal(validateMessagesRequest(conversation(user('q'), assistant(thinking)), V2023).messages[1]!.content.length, 2);
  });

  it('a described block missing a required field, or in the wrong role, is refused with its path', () => {
    rejectsMessages(
      conversation(user('q'), assistant([{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }]), user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'tool_reference' }] }])),
      'messages.2.content.0.tool_result.content.0.tool_reference.tool_name: Field required',
    );
    rejectsMessages(conversation(user('q'), assistant([{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search' }])), 'messages.1.content.0.server_tool_use.input: Field required');
    rejectsMessages(
      conversation(user([{ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] }])),
      'messages.0.content.0: `web_search_tool_result` blocks can only be in `assistant` messages',
    );
    rejectsMessages(conversation(user([{ type: 'container_upload', file_id: 'f', cache_control: { type: 'forever' } }])), "messages.0.content.0.container_upload.cache_control.type: Input should be 'ephemeral'");
  });

  it('accepts a message thread (create, continue) and refuses a malformed one', () => {
    assert.deepEqual(validateMessagesRequest(body({ thread: { type: 'create' } }), V2023).thread, { type: 'create' });
    assert.deepEqual(validateMessagesRequest(body({ thread: { type: 'continue', previous_message_id: 'msg_01' } }), V2026).thread, { type: 'continue', previous_message_id: 'msg_01' });
    rejectsMessages(body({ thread: { type: 'continue' } }), 'thread.continue.previous_message_id: Field required');
    rejectsMessages(body({ thread: { type: 'fork' } }), "thread: Input tag 'fork' found using 'type' does not match any of the expected tags: 'continue', 'create'");
  });

  it('accepts structured outputs (output_config.format, effort, strict tools) and refuses a format without a schema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const request = validateMessagesRequest(
      body({ output_config: { effort: 'low', format: { type: 'json_schema', schema } }, tools: [{ ...toolSearch, strict: true, eager_input_streaming: true, input_examples: [{ query: 'cron' }] }] }),
      V2026,
    );
    assert.deepEqual(request.output_config, { effort: 'low', format: { type: 'json_schema', schema } });
    assert.equal(request.tools?.[0]?.strict, true);
    assert.equal(request.tools?.[0]?.eager_input_streaming, true);
    rejectsMessages(body({ output_config: { format: { type: 'json_schema' } } }), 'output_config.format.json_schema.schema: Input should be a valid dictionary');
    rejectsMessages(body({ output_config: { format: { type: 'regex' } } }), "output_config.format: Input tag 'regex' found using 'type' does not match any of the expected tags: 'json_schema'");
    rejectsMessages(body({ tools: [{ ...toolSearch, strict: 'yes' }] }), 'tools.0.custom.strict: Input should be a valid boolean');
    rejectsMessages(body({ tools: [{ ...toolSearch, defer_loading: 1 }] }), 'tools.0.custom.defer_loading: Input should be a valid boolean');
  });

  it('accepts every described tool type: fixed names, toolsets without one, required options', () => {
    const tools = [
      { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
      { type: 'web_fetch_20260318', name: 'web_fetch', max_uses: 2 },
      { type: 'computer_20251124', name: 'computer', display_width_px: 1024, display_height_px: 768 },
      { type: 'browser_toolset_20260801' },
      { type: 'mcp_toolset', mcp_server_name: 'docs' },
      { type: 'mcp_toolset', mcp_server_name: 'tickets' },
    ];
    const names = validateMessagesRequest(body({ tools }), V2023).tools?.map((t) => t.name);
    assert.deepEqual(names, ['tool_search_tool_regex', 'web_fetch', 'computer', 'browser_toolset_20260801', 'docs', 'tickets']);
    rejectsMessages(body({ tools: [{ type: 'web_search_20250305', name: 'search' }] }), "tools.0.web_search_20250305.name: Input should be 'web_search'");
    rejectsMessages(body({ tools: [{ type: 'computer_20251124', name: 'computer' }] }), 'tools.0.computer_20251124.display_width_px: Field required');
    // A version the API does not have is refused, naming the ones it has.
    assert.throws(() => validateMessagesRequest(body({ tools: [{ type: 'web_search_20990101', name: 'web_search' }] }), V2023), {
      message: /^tools\.0: Input tag 'web_search_20990101' found using 'type' does not match any of the expected tags: 'advisor_20260301', .*'web_search_20250305'/,
    });
  });

  it('accepts thinking between tools and the beta request fields; count_tokens takes its own and ignores messages-only ones', () => {
    assert.deepEqual(validateMessagesRequest(body({ thinking: { type: 'between_tools' } }), V2023).thinking, { type: 'between_tools' });
    const beta = { mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'docs' }], speed: 'fast', compaction: { enabled: true }, container: 'cntr_01' };
    assert.deepEqual(validateMessagesRequest(body(beta), V2023).extra, beta);
    const counted = validateCountTokensRequest({ model: 'm', messages: [user('q')], context_management: { edits: [] }, container: 'cntr_01', thread: { type: 'create' } }, V2023);
    assert.deepEqual(counted.extra, { context_management: { edits: [] } });
    rejectsCount({ model: 'm', messages: [user('q')], invented: 1 }, 'invented: Extra inputs are not permitted');
    rejectsMessages(body({ invented_future_field: true }), 'invented_future_field: Extra inputs are not permitted');
  });
});

describe('the current Messages API through the simulator, over HTTP', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  const claudeCode = { ...claudeCodeSecondTurn, model: 'claude-sonnet-4-6' };
  const headers = { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,advanced-tool-use-2025-11-20' };

  test("Claude Code's second request with tool search is answered, JSON and streamed, and counted as count_tokens counts it", async () => {
    const res = await messages(gw, claudeCode, headers);
    assert.equal(res.status, 200, res.text);
    const reply = res.json() as { usage: { input_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } };
    const streamed = await messages(gw, { ...claudeCode, stream: true }, headers);
    assert.equal(streamed.status, 200, streamed.text);
    assert.equal(parseSse(streamed.text).at(-1)?.event, 'message_stop');
    const countBody: Record<string, unknown> = { ...claudeCode };
    delete countBody['max_tokens'];
    const counted = await raw(gw, {
      path: `/${gw.config.resources[0]!.name}/anthropic/v1/messages/count_tokens`,
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys().key1, ...headers },
      body: JSON.stringify(countBody),
    });
    assert.equal(counted.status, 200, counted.text);
    const usage = reply.usage;
    assert.equal((counted.json() as { input_tokens: number }).input_tokens, usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens);
  });

  test('a history with server tool calls, MCP blocks and a thread is answered', async () => {
    const history = [
      { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'weather Paris' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'Weather', encrypted_content: 'abc' }] },
      { type: 'mcp_tool_use', id: 'mcptoolu_01', name: 'lookup', server_name: 'docs', input: {} },
      { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_01', content: [{ type: 'text', text: 'found' }] },
      { type: 'text', text: 'It is sunny.' },
    ];
    const body = {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      thread: { type: 'create' },
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      messages: [user('Weather?'), assistant(history), user('Thanks')],
    };
    const res = await messages(gw, body, { 'anthropic-beta': 'message-threads-2026-08-12' });
    assert.equal(res.status, 200, res.text);
  });
});
