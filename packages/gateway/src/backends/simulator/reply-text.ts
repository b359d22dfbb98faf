// What the simulator says: the echo reply, the tool-result reply, the tool preamble and the thinking text.
//
// Every text is a fixed lead sentence followed by filler sentences (vocabulary.ts) until a target
// length drawn from the request's seed. The lead quotes the conversation, which makes the reply
// recognisable and lets tests place a stop sequence in it.
import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from '../../dataplane/types.ts';
import type { Prng } from './seed.ts';
import { fillTo } from './vocabulary.ts';

/** Reply length bounds, in tokens (countTextTokens), drawn uniformly from the seed. */
export const REPLY_TOKENS = { min: 20, max: 120 } as const;
/** Thinking length bounds, in tokens, before capping at `budget_tokens`. */
export const THINKING_TOKENS = { min: 30, max: 160 } as const;
const QUOTE_CHARS = 80;

/** The first `QUOTE_CHARS` characters of a text, whitespace runs collapsed to one space. */
export function quote(text: string): string {
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < text.length && out.length < QUOTE_CHARS; i++) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      pendingSpace = out.length > 0;
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += ch;
  }
  out = out.slice(0, QUOTE_CHARS);
  // Never end on half of a surrogate pair.
  const last = out.charCodeAt(out.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? out.slice(0, -1) : out;
}

function textOf(blocks: ContentBlockParam[] | ToolResultBlockParam['content']): string {
  if (typeof blocks === 'string') return blocks;
  const parts: string[] = [];
  for (const block of blocks) if (block.type === 'text' && typeof block['text'] === 'string') parts.push(block['text']);
  return parts.join(' ');
}

/** The last user message of the conversation, if any. */
export function lastUserMessage(messages: MessageParam[]): MessageParam | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i];
  return undefined;
}

const SYSTEM_REMINDER = /<system-reminder>[\s\S]*?(<\/system-reminder>|$)/g;

/**
 * What the user asked for: the last text block of the latest user message that has text, less any
 * `<system-reminder>` (Claude Code puts one first in the user turn; it names every tool).
 */
export function lastUserText(messages: MessageParam[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user') continue;
    for (let b = message.content.length - 1; b >= 0; b--) {
      const block = message.content[b]!;
      if (block.type !== 'text') continue;
      const text = block.text.replace(SYSTEM_REMINDER, '').trim();
      if (text !== '') return text;
    }
  }
  return '';
}

/** The first tool_result block of the last user message, if it carries one. */
export function lastToolResult(messages: MessageParam[]): ToolResultBlockParam | undefined {
  const message = lastUserMessage(messages);
  return message?.content.find((b): b is ToolResultBlockParam => b.type === 'tool_result');
}

/** `Simulated reply from <model> to: "<quote>".` and filler. */
export function echoReply(model: string, userText: string, rng: Prng): string {
  const lead = `Simulated reply from ${model} to: "${quote(userText)}".`;
  return fillTo(lead, rng.int(REPLY_TOKENS.min, REPLY_TOKENS.max), REPLY_TOKENS.max, rng);
}

/** `The tool returned: <quote>.` (or `The tool reported an error: ...`) and filler. */
export function toolResultReply(result: ToolResultBlockParam, rng: Prng): string {
  const what = result.is_error === true ? 'The tool reported an error' : 'The tool returned';
  const lead = `${what}: "${quote(textOf(result.content))}".`;
  return fillTo(lead, rng.int(REPLY_TOKENS.min, REPLY_TOKENS.max), REPLY_TOKENS.max, rng);
}

/** The short sentence before a tool call the model chose on its own (tool_choice auto). */
export function toolPreamble(toolName: string): string {
  return `I will use the ${toolName} tool.`;
}

/** Thinking text about the last user turn; the caller caps it at the thinking budget. */
export function thinkingText(userText: string, rng: Prng): string {
  const lead = `Thinking about "${quote(userText)}" step by step.`;
  return fillTo(lead, rng.int(THINKING_TOKENS.min, THINKING_TOKENS.max), THINKING_TOKENS.max, rng);
}
