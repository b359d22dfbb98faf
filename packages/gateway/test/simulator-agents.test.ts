// Specification of how the simulator drives an agent: which tool it picks, what it fills in, and
// when it stops; Claude Code's shapes (system reminders, Bash, ToolSearch with deferred tools).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContentBlock, Message, MessageParam, MessagesRequest, Tool } from '../src/dataplane/types.ts';
import { messages, startTestGateway, type TestGateway } from './helpers.ts';
import { simulatedReply as reply, firstToolUse as toolUse, userRequest } from './simulator-helpers.ts';

const types = (content: ContentBlock[]) => content.map((b) => b.type);

/** Claude Code's Bash tool, as it declares it (abridged descriptions). */
const BASH: Tool = {
  type: 'custom',
  name: 'Bash',
  description: 'Executes a given bash command',
  input_schema: {
    type: 'object',
    properties: {
      command: { type: 'string', description: 'The command to execute' },
      timeout: { type: 'number', description: 'Optional timeout in milliseconds (max 600000)' },
      description: { type: 'string' },
      run_in_background: { type: 'boolean' },
      dangerouslyDisableSandbox: { type: 'boolean' },
    },
    required: ['command'],
    additionalProperties: false,
  },
};
const READ: Tool = {
  type: 'custom',
  name: 'Read',
  input_schema: { type: 'object', properties: { file_path: { type: 'string' }, offset: { type: 'number' } }, required: ['file_path'] },
};
const CRON_CREATE: Tool = {
  type: 'custom',
  name: 'CronCreate',
  description: 'Schedule a recurring task',
  input_schema: { type: 'object', properties: { schedule: { type: 'string' }, enabled: { type: 'boolean', default: true } }, required: ['schedule', 'enabled'] },
  defer_loading: true,
};
const TOOL_SEARCH: Tool = {
  type: 'custom',
  name: 'ToolSearch',
  input_schema: { type: 'object', properties: { query: { type: 'string' }, max_results: { type: 'number' } }, required: ['query'] },
};
const REMINDER = '<system-reminder>\nTools available: Read, CronCreate, ToolSearch, Bash. Use Read before editing.\n</system-reminder>';

/** A Claude Code user turn: the system reminder first, the prompt last. */
function claudeCodeTurn(prompt: string, tools: Tool[]): MessagesRequest {
  return userRequest('', {
    tools,
    messages: [{ role: 'user', content: [{ type: 'text', text: REMINDER }, { type: 'text', text: prompt }] }],
  });
}

describe('driving an agent', () => {
  it('picks the tool the prompt names, not the first one the system reminder lists', async () => {
    const message = await reply(claudeCodeTurn('Run `ls -la` with Bash please', [READ, BASH]));
    assert.equal(toolUse(message).name, 'Bash');
  });

  it('fills the required inputs only, from the prompt where it gives them; never a flag that widens permissions', async () => {
    const input = toolUse(await reply(claudeCodeTurn('Run `ls -la` with Bash please', [BASH]))).input;
    assert.deepEqual(input, { command: 'ls -la' });
    const read = toolUse(await reply(claudeCodeTurn('Read the file src/index.ts and summarise it', [BASH, READ]))).input;
    assert.deepEqual(read, { file_path: 'src/index.ts' });
  });

  it('never invents where a tool acts: a tool named without its path or command is not called', async () => {
    const WRITE: Tool = {
      type: 'custom',
      name: 'Write',
      input_schema: { type: 'object', properties: { file_path: { type: 'string' }, content: { type: 'string' } }, required: ['file_path', 'content'] },
    };
    const poem = await reply(claudeCodeTurn('Write a poem about the sea', [READ, WRITE, BASH]));
    assert.deepEqual(types(poem.content), ['text']);
    assert.equal(poem.stop_reason, 'end_turn');
    const bash = await reply(claudeCodeTurn('Use Bash to tidy up', [BASH]));
    assert.deepEqual(types(bash.content), ['text']);
    const aimed = toolUse(await reply(claudeCodeTurn('Write the summary to notes.txt', [READ, WRITE, BASH])));
    assert.equal(aimed.name, 'Write');
    assert.equal(aimed.input['file_path'], 'notes.txt');
  });

  it('a required boolean takes its default, else false', async () => {
    const tool: Tool = {
      type: 'custom',
      name: 'deploy',
      input_schema: { type: 'object', properties: { force: { type: 'boolean' }, dry_run: { type: 'boolean', default: true } }, required: ['force', 'dry_run'] },
    };
    assert.deepEqual(toolUse(await reply(userRequest('deploy it', { tools: [tool] }))).input, { force: false, dry_run: true });
  });

  it('matches a tool by the words of its name when the prompt does not name it', async () => {
    const tools: Tool[] = [BASH, { ...CRON_CREATE, defer_loading: false }];
    assert.equal(toolUse(await reply(claudeCodeTurn('Please create a cron job for the nightly backup', tools))).name, 'CronCreate');
    const none = await reply(claudeCodeTurn('Tell me a joke', tools));
    assert.deepEqual(types(none.content), ['text']);
  });

  it('after a tool_result: a final answer, even when the result names other tools', async () => {
    const call = toolUse(await reply(claudeCodeTurn('Run `pwd` with Bash', [BASH, READ])));
    const message = await reply({
      ...claudeCodeTurn('Run `pwd` with Bash', [BASH, READ]),
      messages: [
        { role: 'user', content: [{ type: 'text', text: REMINDER }, { type: 'text', text: 'Run `pwd` with Bash' }] },
        { role: 'assistant', content: [call] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '/home/user (use Read next)' }, { type: 'text', text: REMINDER }] },
      ],
    });
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(types(message.content), ['text']);
  });
});

describe('tool search', () => {
  it("Claude Code's flow: ToolSearch for the deferred tool, then after its tool_reference result, the tool itself", async () => {
    const tools = [BASH, TOOL_SEARCH, CRON_CREATE];
    const prompt = 'Use CronCreate to schedule the report every morning';
    const search = toolUse(await reply(claudeCodeTurn(prompt, tools)));
    assert.equal(search.name, 'ToolSearch');
    assert.deepEqual(search.input, { query: 'CronCreate' });
    const history: MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: REMINDER }, { type: 'text', text: prompt }] },
      { role: 'assistant', content: [search] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: search.id, content: [{ type: 'tool_reference', tool_name: 'CronCreate' }] }] },
    ];
    const call = await reply({ ...claudeCodeTurn(prompt, tools), messages: history });
    assert.equal(call.stop_reason, 'tool_use');
    assert.equal(toolUse(call).name, 'CronCreate');
    assert.deepEqual(Object.keys(toolUse(call).input).sort(), ['enabled', 'schedule']);
    assert.equal(toolUse(call).input['enabled'], true);
  });

  it('the server tool search: server_tool_use and tool_search_tool_result, then the call, in one reply', async () => {
    const regex: Tool = { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' };
    const message = await reply(userRequest('Schedule it with CronCreate', { tools: [regex, BASH, CRON_CREATE] }));
    assert.deepEqual(types(message.content), ['text', 'server_tool_use', 'tool_search_tool_result', 'text', 'tool_use']);
    const use = message.content[1] as { id: string; name: string; input: unknown };
    assert.match(use.id, /^srvtoolu_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    assert.equal(use.name, 'tool_search_tool_regex');
    assert.deepEqual(message.content[2], {
      type: 'tool_search_tool_result',
      tool_use_id: use.id,
      content: { type: 'tool_search_tool_search_result', tool_references: [{ type: 'tool_reference', tool_name: 'CronCreate' }] },
    });
    assert.deepEqual(use.input, { pattern: 'CronCreate' });
    assert.equal(toolUse(message).name, 'CronCreate');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.usage.server_tool_use, { web_search_requests: 0, web_fetch_requests: 0 }, 'a server tool ran: zeros, as real replies have');
    const bm25 = await reply(userRequest('Schedule it with CronCreate', { tools: [{ type: 'tool_search_tool_bm25_20251119', name: 'tool_search_tool_bm25' }, BASH, CRON_CREATE] }));
    assert.deepEqual((bm25.content[1] as unknown as { input: unknown }).input, { query: 'CronCreate' });
    const plain = await reply(userRequest('Run `ls` with Bash', { tools: [BASH] }));
    assert.ok(!('server_tool_use' in plain.usage), 'no server tool, no server_tool_use');
  });

  it('a deferred tool already referenced earlier is called directly', async () => {
    const tools = [TOOL_SEARCH, CRON_CREATE];
    const message = await reply({
      ...userRequest('x', { tools }),
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'find the cron tool' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01a', name: 'ToolSearch', input: { query: 'cron' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01a', content: [{ type: 'tool_reference', tool_name: 'CronCreate' }] }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Found it.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Now use CronCreate' }] },
      ],
    });
    assert.equal(toolUse(message).name, 'CronCreate');
  });
});

describe("Claude Code's tool search through a real gateway", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  it('ToolSearch, its tool_reference result, the deferred tool, its result, then a final answer: four 200s', async () => {
    const headers = { 'anthropic-beta': 'advanced-tool-use-2025-11-20' };
    const tools = [BASH, TOOL_SEARCH, CRON_CREATE].map(({ type: _type, ...tool }) => tool);
    const prompt = 'Use CronCreate to schedule the nightly report';
    const history: unknown[] = [{ role: 'user', content: [{ type: 'text', text: REMINDER }, { type: 'text', text: prompt }] }];
    const send = async () => {
      const res = await messages(gw, { model: 'claude-sonnet-4-6', max_tokens: 1024, tools, messages: history }, headers);
      assert.equal(res.status, 200, res.text);
      return res.json() as Message;
    };
    const search = toolUse(await send());
    assert.equal(search.name, 'ToolSearch');
    history.push({ role: 'assistant', content: [search] });
    history.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: search.id, content: [{ type: 'tool_reference', tool_name: 'CronCreate' }] }] });
    const call = toolUse(await send());
    assert.equal(call.name, 'CronCreate');
    history.push({ role: 'assistant', content: [call] });
    history.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Scheduled job 7' }] });
    const final = await send();
    assert.equal(final.stop_reason, 'end_turn');
    assert.deepEqual(types(final.content), ['text']);
  });
});
