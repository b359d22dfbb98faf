// The `messages` array: each message's shape, then the conversation rules the real API enforces
// across messages (first turn is the user's, tool_use/tool_result pairing, prefill rules).
// Consecutive messages of one role are one turn, as the API combines them; pairing works on turns.
import { blockRoles } from '../api/surface.ts';
import { invalidRequest } from '../errors/index.ts';
import type { AnthropicVersion, ContentBlockParam, MessageParam } from './types.ts';
import { contentBlock } from './validate-blocks.ts';
import { clip, fail, maxItems, requireList, requireObject } from './validate-fields.ts';

const MAX_MESSAGES = 100_000;
const TRAILING_WHITESPACE = /\s$/;

const SYSTEM_ROLE =
  'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';

function role(value: unknown, path: string): MessageParam['role'] {
  if (value === 'user' || value === 'assistant') return value;
  if (value === 'system') throw invalidRequest(SYSTEM_ROLE);
  if (value === undefined) fail(path, 'Field required');
  return fail(path, "Input should be 'user' or 'assistant'");
}

/** Blocks that may only appear in one role's turns (tool calls and server tool results), and what API 2026-10-21 removed. */
function checkPlacement(block: ContentBlockParam, messageRole: MessageParam['role'], version: AnthropicVersion, path: string): void {
  const only = blockRoles.get(block.type);
  if (only !== undefined && only !== messageRole) fail(path, `\`${block.type}\` blocks can only be in \`${only}\` messages`);
  if (version !== '2026-10-21') return;
  if (block.type === 'document' && messageRole === 'assistant') {
    fail(path, '`document` blocks are not permitted in `assistant` messages in API version 2026-10-21');
  }
  if (block.type === 'text' && messageRole === 'user' && block.citations !== undefined && block.citations.length > 0) {
    fail(`${path}.text.citations`, '`citations` are not permitted on `text` blocks in `user` messages in API version 2026-10-21');
  }
}

function message(value: unknown, index: number, version: AnthropicVersion): MessageParam {
  const path = `messages.${index}`;
  const obj = requireObject(value, path);
  const messageRole = role(obj.role, `${path}.role`);
  const content = obj.content;
  if (typeof content === 'string') {
    if (content === '') fail('messages', 'text content blocks must be non-empty');
    return { role: messageRole, content: [{ type: 'text', text: content }] };
  }
  if (content === undefined) fail(`${path}.content`, 'Field required');
  const blocks = requireList(content, `${path}.content`).map((item, i) => {
    const blockPath = `${path}.content.${i}`;
    const block = contentBlock(item, blockPath);
    checkPlacement(block, messageRole, version, blockPath);
    return block;
  });
  return { role: messageRole, content: blocks };
}

/** The index one past the last message of the turn that starts at `start`. */
function turnEnd(messages: MessageParam[], start: number): number {
  const turnRole = messages[start]!.role;
  let end = start + 1;
  while (end < messages.length && messages[end]!.role === turnRole) end++;
  return end;
}

/** Collects an assistant turn's tool_use ids; ids must be unique across the whole request. */
function toolUseIds(messages: MessageParam[], start: number, end: number, seen: Set<string>): string[] {
  const ids: string[] = [];
  for (let m = start; m < end; m++) {
    messages[m]!.content.forEach((block, b) => {
      if (block.type !== 'tool_use') return;
      if (seen.has(block.id)) fail(`messages.${m}.content.${b}`, '`tool_use` ids must be unique');
      seen.add(block.id);
      ids.push(block.id);
    });
  }
  return ids;
}

/** Checks a user turn against the tool_use ids of the assistant turn just before it. */
function checkToolResults(messages: MessageParam[], start: number, end: number, expected: string[]): void {
  const expectedIds = new Set(expected);
  const answered = new Set<string>();
  let unexpected: { path: string; id: string } | undefined;
  for (let m = start; m < end; m++) {
    messages[m]!.content.forEach((block, b) => {
      if (block.type !== 'tool_result') return;
      answered.add(block.tool_use_id);
      if (!unexpected && !expectedIds.has(block.tool_use_id)) unexpected = { path: `messages.${m}.content.${b}`, id: clip(block.tool_use_id) };
    });
  }
  const missing = expected.filter((id) => !answered.has(id));
  if (missing.length > 0) {
    fail(
      `messages.${start}`,
      `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map(clip).join(', ')}. ` +
        'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
  }
  if (unexpected) {
    fail(
      unexpected.path,
      `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.id}. ` +
        'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
  }
}

/**
 * Every tool_use of an assistant turn needs its tool_result in the user turn right after it, and
 * every tool_result answers a tool_use of the turn right before. A final assistant turn may end in
 * tool_use: there is no next message yet.
 */
function checkToolPairing(messages: MessageParam[]): void {
  const seen = new Set<string>();
  let pending: string[] = [];
  for (let start = 0; start < messages.length; ) {
    const end = turnEnd(messages, start);
    if (messages[start]!.role === 'assistant') {
      pending = toolUseIds(messages, start, end, seen);
    } else {
      checkToolResults(messages, start, end, pending);
      pending = [];
    }
    start = end;
  }
}

function checkConversation(messages: MessageParam[], continuesThread: boolean): void {
  if (messages[0]!.role !== 'user') fail('messages', 'first message must use the "user" role');
  const last = messages.length - 1;
  messages.forEach((m, i) => {
    if (m.content.length === 0 && !(i === last && m.role === 'assistant')) {
      fail(`messages.${i}`, 'all messages must have non-empty content except for the optional final assistant message');
    }
  });
  const final = messages[last]!;
  const finalBlock = final.content.at(-1);
  if (final.role === 'assistant' && finalBlock?.type === 'text' && TRAILING_WHITESPACE.test(finalBlock.text)) {
    fail('messages', 'final assistant content cannot end with trailing whitespace');
  }
  // A thread continue's first turn answers tool calls the server holds, so the pairing is checked there.
  if (!continuesThread) checkToolPairing(messages);
}

/** The `messages` field, normalised (string content becomes one text block) and checked as a conversation. */
export function validateMessages(value: unknown, version: AnthropicVersion, continuesThread = false): MessageParam[] {
  if (value === undefined) fail('messages', 'Field required');
  const list = requireList(value, 'messages');
  if (list.length === 0) fail('messages', 'at least one message is required');
  maxItems(list, MAX_MESSAGES, 'messages');
  const messages = list.map((item, i) => message(item, i, version));
  checkConversation(messages, continuesThread);
  return messages;
}
