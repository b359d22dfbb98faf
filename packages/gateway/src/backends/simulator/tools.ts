// Whether the simulated model calls a tool, which one, and with what input.
//
// - tool_choice `none`, or no tools: never.
// - tool_choice `tool`: the named tool. `any`: the tool the last user text mentions first, else one
//   drawn from the seed. Both are forced, so (as the API prefills forced tool use) no text precedes
//   the call, even when the last user turn carries tool results.
// - tool_choice `auto` or absent: the tool whose name the last user text mentions first
//   (case-insensitive), unless the last user turn carries tool results (then the model answers
//   them in text, so a tool loop ends after one round).
import { base58FromBytes } from '../../ids/index.ts';
import type { MessagesRequest, Tool, ToolUseBlock } from '../../dataplane/types.ts';
import { synthesize } from './schema.ts';
import { Prng, subDigest } from './seed.ts';

export interface ToolDecision {
  tool: Tool;
  /** tool_choice `any` or `tool`: the call was not the model's own idea. */
  forced: boolean;
}

/** The tool whose name occurs first in the text; on a tie, the longer name. */
export function mentionedTool(tools: readonly Tool[], text: string): Tool | undefined {
  const haystack = text.toLowerCase();
  let best: Tool | undefined;
  let bestAt = Infinity;
  for (const tool of tools) {
    const at = haystack.indexOf(tool.name.toLowerCase());
    if (at < 0) continue;
    if (at < bestAt || (at === bestAt && tool.name.length > best!.name.length)) {
      best = tool;
      bestAt = at;
    }
  }
  return best;
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
      const tool = mentionedTool(tools, userText) ?? new Prng(subDigest(digest, 'tool_choice')).pick(tools);
      return { tool, forced: true };
    }
    case 'auto': {
      if (hasToolResult) return undefined;
      const tool = mentionedTool(tools, userText);
      return tool === undefined ? undefined : { tool, forced: false };
    }
  }
}

/** The tool_use block for a decision: id and input derived from the request digest. */
export function toolUseBlock(tool: Tool, digest: Buffer, index: number): ToolUseBlock {
  const idDigest = subDigest(digest, `tool_use.${index}.id`);
  const input = synthesize(tool.input_schema ?? { type: 'object' }, new Prng(subDigest(digest, `tool_use.${index}.input`)));
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  return {
    type: 'tool_use',
    id: `toolu_01${base58FromBytes(idDigest, 22)}`,
    name: tool.name,
    input: isObject ? (input as Record<string, unknown>) : {},
  };
}
