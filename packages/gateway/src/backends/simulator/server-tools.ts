// Server tools, played by the simulator: the `server_tool_use` block, its result block, and the cited answer.
//
// Shapes are the SDK's (`@anthropic-ai/sdk` 1.16 BetaServerToolUseBlock, BetaWebSearchToolResultBlock,
// BetaWebFetchToolResultBlock, BetaCodeExecutionToolResultBlock, BetaBashCodeExecutionToolResultBlock,
// BetaToolSearchToolResultBlock) and those of real replies (the captures @ai-sdk/anthropic publishes
// in packages/anthropic/src/__fixtures__ of github.com/vercel/ai: the regex search's input is
// `{pattern}`, bm25's `{query}`; a reply that ran any server tool has `usage.server_tool_use`, zeros
// included). Results are deterministic: the same request gives the same URLs, titles and output.
import { base58FromBytes } from '../../ids/index.ts';
import type { ServerToolUseBlock, TextBlock, TextCitation, Tool } from '../../dataplane/types.ts';
import { quote } from './reply-text.ts';
import { subDigest } from './seed.ts';

export type ServerToolKind = 'web_search' | 'web_fetch' | 'code_execution' | 'tool_search';

/** What a server tool's type makes it: web_search_20250305 → web_search, ... */
export function serverToolKind(tool: Tool): ServerToolKind | undefined {
  for (const kind of ['web_search', 'web_fetch', 'code_execution'] as const) if (tool.type.startsWith(`${kind}_`)) return kind;
  return tool.type.startsWith('tool_search_tool_') ? 'tool_search' : undefined;
}

export interface ServerToolRun {
  /** server_tool_use, then its result. */
  blocks: Array<ServerToolUseBlock | { type: `${string}_tool_result`; tool_use_id: string; content: unknown }>;
  /** The answer after the result: text blocks, cited where the result is citable. */
  answer: TextBlock[];
  webSearchRequests: number;
  webFetchRequests: number;
  /** Code execution runs in a container, which the reply names. */
  container?: { id: string; expires_at: string };
}

function serverToolUseId(digest: Buffer, index: number): string {
  return `srvtoolu_01${base58FromBytes(subDigest(digest, `server_tool_use.${index}.id`), 22)}`;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'page'
  );
}

function webSearch(id: string, userText: string, digest: Buffer): ServerToolRun {
  const query = quote(userText) || 'search';
  const results = [1, 2, 3].map((n) => ({
    type: 'web_search_result',
    url: `https://example.com/${slug(query)}/${n}`,
    title: `${query} (result ${n})`,
    encrypted_content: base58FromBytes(subDigest(digest, `web_search.${n}`), 64),
    page_age: `${n} days ago`,
  }));
  const answer: TextBlock[] = [{ type: 'text', text: 'Here is what the search found.' }];
  for (const [i, result] of results.slice(0, 2).entries()) {
    const cited = `Result ${i + 1} is about "${query}".`;
    const citation: TextCitation = {
      type: 'web_search_result_location',
      cited_text: cited,
      url: result.url,
      title: result.title,
      encrypted_index: base58FromBytes(subDigest(digest, `web_search.index.${i}`), 24),
    };
    answer.push({ type: 'text', text: ` ${cited}`, citations: [citation] });
  }
  return {
    blocks: [
      { type: 'server_tool_use', id, name: 'web_search', input: { query } },
      { type: 'web_search_tool_result', tool_use_id: id, content: results },
    ],
    answer,
    webSearchRequests: 1,
    webFetchRequests: 0,
  };
}

function webFetch(id: string, userText: string): ServerToolRun {
  const url = /https?:\/\/[^\s"'<>`]+/.exec(userText)?.[0] ?? 'https://example.com/';
  const data = `Simulated content of ${url}.`;
  return {
    blocks: [
      { type: 'server_tool_use', id, name: 'web_fetch', input: { url } },
      {
        type: 'web_fetch_tool_result',
        tool_use_id: id,
        content: {
          type: 'web_fetch_result',
          url,
          retrieved_at: '2026-01-01T00:00:00Z',
          content: { type: 'document', source: { type: 'text', media_type: 'text/plain', data }, title: url, citations: null },
        },
      },
    ],
    answer: [{ type: 'text', text: `The page ${url} says: "${data}"` }],
    webSearchRequests: 0,
    webFetchRequests: 1,
  };
}

function codeExecution(tool: Tool, id: string, userText: string, digest: Buffer): ServerToolRun {
  const code = /`([^`\n]+)`/.exec(userText)?.[1] ?? 'echo simulated';
  const stdout = `Simulated output of: ${code}\n`;
  // The first version runs Python code; later ones run bash commands (and edit files).
  const legacy = tool.type === 'code_execution_20250522';
  const blocks: ServerToolRun['blocks'] = legacy
    ? [
        { type: 'server_tool_use', id, name: 'code_execution', input: { code } },
        { type: 'code_execution_tool_result', tool_use_id: id, content: { type: 'code_execution_result', stdout, stderr: '', return_code: 0, content: [] } },
      ]
    : [
        { type: 'server_tool_use', id, name: 'bash_code_execution', input: { command: code } },
        {
          type: 'bash_code_execution_tool_result',
          tool_use_id: id,
          content: { type: 'bash_code_execution_result', stdout, stderr: '', return_code: 0, content: [] },
        },
      ];
  return {
    blocks,
    answer: [{ type: 'text', text: `The code printed: "${stdout.trim()}"` }],
    webSearchRequests: 0,
    webFetchRequests: 0,
    container: { id: `container_011C${base58FromBytes(subDigest(digest, 'container'), 20)}`, expires_at: '2026-01-01T01:00:00Z' },
  };
}

/** A run of the server tool `tool` (not tool search) for the user's request. */
export function runServerTool(tool: Tool, userText: string, digest: Buffer, index: number): ServerToolRun {
  const id = serverToolUseId(digest, index);
  switch (serverToolKind(tool)) {
    case 'web_search':
      return webSearch(id, userText, digest);
    case 'web_fetch':
      return webFetch(id, userText);
    default:
      return codeExecution(tool, id, userText, digest);
  }
}

/** A server tool search that finds `found`: its name as the regex pattern or the bm25 query. */
export function toolSearchBlocks(search: Tool, found: Tool, digest: Buffer, index: number): ServerToolRun['blocks'] {
  const id = serverToolUseId(digest, index);
  const input = search.type.startsWith('tool_search_tool_regex') ? { pattern: found.name } : { query: found.name };
  return [
    { type: 'server_tool_use', id, name: search.name, input },
    {
      type: 'tool_search_tool_result',
      tool_use_id: id,
      content: { type: 'tool_search_tool_search_result', tool_references: [{ type: 'tool_reference', tool_name: found.name }] },
    },
  ];
}
