// Which tool the simulated model calls, and with what input (the rule is in README.md, "Driving agents").
//
// The tool is the one the user's request names (a whole-word, case-insensitive mention), else the one
// whose name's words all occur in the request ("create a cron job" → CronCreate). The request is the
// last user text less `<system-reminder>`s (reply-text.ts), never a reminder that lists every tool.
// - tool_choice `none`, or no tools: never.
// - `tool`: the named tool. `any`: the matching tool, else one drawn from the seed. Both are forced,
//   so (as the API prefills forced tool use) no text precedes the call.
// - `auto` or absent: the matching tool, unless the last user turn carries tool results: then the
//   model answers them, so a tool loop ends after one round; except after a tool search, when it
//   calls the tool the search found.
// Input: required properties only, booleans at their default or false, enums at their default or
// first value, strings from the request where it gives one (a `code span` for a command, a path, a URL).
import { base58FromBytes } from '../../ids/index.ts';
import type { MessageParam, MessagesRequest, Tool, ToolUseBlock } from '../../dataplane/types.ts';
import { synthesize } from './schema.ts';
import { Prng, subDigest } from './seed.ts';

export interface ToolDecision {
  tool: Tool;
  /** tool_choice `any` or `tool`: the call was not the model's own idea. */
  forced: boolean;
}

/** Name words that say nothing about what a tool does. */
const FILLER_WORDS: ReadonlySet<string> = new Set(['tool', 'get', 'the', 'for', 'and', 'run', 'use', 'do']);

/** The words of a tool name: `CronCreate`, `cron_create` and `cron-create` all give cron, create. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !FILLER_WORDS.has(w));
}

function textWords(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
}

/** Same word, or the same stem ("execute" and "execution", "search" and "searches"). */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const stem = Math.min(a.length, b.length, 6);
  return stem >= 5 && a.slice(0, stem) === b.slice(0, stem);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the text names the tool as a whole word, or -1. */
function mentionAt(tool: Tool, text: string): number {
  const match = new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(tool.name)}(?![A-Za-z0-9_])`, 'i').exec(text);
  return match === null ? -1 : match.index + match[1]!.length;
}

/**
 * The tool the request names first (on a tie, the longer name); else the tool with the most name
 * words, all of them in the request. Undefined when nothing matches.
 */
export function matchTool(tools: readonly Tool[], text: string): Tool | undefined {
  let best: Tool | undefined;
  let bestAt = Infinity;
  for (const tool of tools) {
    const at = mentionAt(tool, text);
    if (at < 0) continue;
    if (at < bestAt || (at === bestAt && tool.name.length > best!.name.length)) {
      best = tool;
      bestAt = at;
    }
  }
  if (best !== undefined) return best;
  const words = textWords(text);
  const hasUrl = URL.test(text);
  let bestWords = 0;
  for (const tool of tools) {
    // Web fetch is asked for as "fetch <url>", rarely with the word "web".
    const fetches = tool.type.startsWith('web_fetch_');
    if (fetches && !hasUrl) continue;
    const needed = fetches ? ['fetch'] : nameWords(tool.name);
    if (needed.length <= bestWords || !needed.every((n) => words.some((w) => sameWord(n, w)))) continue;
    best = tool;
    bestWords = needed.length;
  }
  return best;
}

/** The server tool search (`tool_search_tool_regex_*`, `_bm25_*`). */
export function isServerToolSearch(tool: Tool): boolean {
  return tool.type.startsWith('tool_search_tool_');
}

/** A client tool that answers with `tool_reference` blocks, as Claude Code's `ToolSearch`. */
export function isClientToolSearch(tool: Tool): boolean {
  return tool.type === 'custom' && /^tool_?search$/i.test(tool.name);
}

/** Names of the tools a tool search has referenced so far in the conversation. */
export function referencedTools(messages: readonly MessageParam[]): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (typeof value === 'object' && value !== null) {
      const block = value as Record<string, unknown>;
      if (block['type'] === 'tool_reference' && typeof block['tool_name'] === 'string') names.add(block['tool_name']);
      else for (const key of ['content', 'tool_references']) if (key in block) visit(block[key]);
    }
  };
  for (const message of messages) visit(message.content);
  return names;
}

/** The tool references in the last user turn's tool results (a client tool search's answer). */
export function freshReferences(messages: readonly MessageParam[]): string[] {
  const last = messages.at(-1);
  if (last?.role !== 'user') return [];
  return [...referencedTools([{ role: 'user', content: last.content.filter((b) => b.type === 'tool_result') }])];
}

export function chooseTool(request: MessagesRequest, userText: string, hasToolResult: boolean, digest: Buffer): ToolDecision | undefined {
  const tools = request.tools ?? [];
  const choice = request.tool_choice ?? { type: 'auto' };
  if (tools.length === 0) return undefined;
  switch (choice.type) {
    case 'none':
      return undefined;
    case 'tool': {
      const tool = tools.find((t) => t.name === choice.name);
      return tool === undefined ? undefined : { tool, forced: true };
    }
    case 'any': {
      const tool = matchTool(tools, userText) ?? new Prng(subDigest(digest, 'tool_choice')).pick(tools);
      return { tool, forced: true };
    }
    case 'auto': {
      if (hasToolResult) {
        // After a client tool search, the tool it found; after any other result, an answer.
        const found = freshReferences(request.messages);
        const candidates = tools.filter((t) => found.includes(t.name));
        const tool = matchTool(candidates, userText) ?? candidates[0];
        return tool === undefined ? undefined : { tool, forced: false };
      }
      const tool = matchTool(tools, userText);
      // Named but not aimed: "write a poem" names Claude Code's Write tool but no file. Never invent a target.
      if (tool === undefined || lacksTarget(tool, requestValues(userText))) return undefined;
      return { tool, forced: false };
    }
  }
}

const CODE_SPAN = /`([^`\n]+)`/;
const URL = /https?:\/\/[^\s"'<>`]+/;
const PATH = /(?:^|\s)((?:~|\.{1,2})?\/[^\s"'`]+|[\w.-]+\/[\w./-]+|[\w-]+\.[a-z0-9]{1,5})(?=[\s,;:!?]|\.?$)/i;

/** Values the user's request gives for a tool's string inputs, by the input's name. */
export function requestValues(userText: string): (name: string) => string | undefined {
  const code = CODE_SPAN.exec(userText)?.[1];
  const url = URL.exec(userText)?.[0];
  const path = PATH.exec(userText)?.[1];
  return (name) => {
    const n = name.toLowerCase();
    if (/url|uri/.test(n)) return url;
    if (/path|file|dir/.test(n)) return path ?? code;
    if (/command|cmd|code|script|query|pattern|expression/.test(n)) return code;
    return undefined;
  };
}

/** Inputs that say where a tool acts: a call is made only when the request gives them. */
const TARGET_INPUT = /path|file|dir|url|uri|command|cmd/i;

/** A required target input (a path, a URL, a command) of the tool that the request does not state. */
function lacksTarget(tool: Tool, values: (name: string) => string | undefined): boolean {
  const schema = tool.input_schema as { properties?: Record<string, { type?: unknown }>; required?: unknown } | undefined;
  const required = Array.isArray(schema?.required) ? (schema.required as unknown[]) : [];
  return required.some((name) => typeof name === 'string' && TARGET_INPUT.test(name) && schema?.properties?.[name]?.type === 'string' && values(name) === undefined);
}

/** The tool_use block for a call: id and input derived from the request digest. */
export function toolUseBlock(tool: Tool, digest: Buffer, index: number, values: (name: string) => string | undefined = () => undefined): ToolUseBlock {
  const idDigest = subDigest(digest, `tool_use.${index}.id`);
  const input = synthesize(tool.input_schema ?? { type: 'object' }, new Prng(subDigest(digest, `tool_use.${index}.input`)), {
    requiredOnly: true,
    strings: values,
  });
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  return {
    type: 'tool_use',
    id: `toolu_01${base58FromBytes(idDigest, 22)}`,
    name: tool.name,
    input: isObject ? (input as Record<string, unknown>) : {},
  };
}
