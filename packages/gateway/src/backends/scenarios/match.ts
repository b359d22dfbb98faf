// Which rule answers a request: what the request shows (its latest user text, the tool results of its
// last turn, its system text, its headers) tested against each rule's match, first match wins.
import type { IncomingHttpHeaders } from 'node:http';
import type { ContentBlockParam, MessageParam, MessagesRequest, ToolResultBlockParam } from '../../dataplane/types.ts';
import type { Match, TextMatcher, ToolResultMatcher } from './rules.ts';

export interface RequestFacts {
  /** The text blocks of the latest user message that has any, joined by newlines: the prompt being answered. */
  userText: string | undefined;
  system: string | undefined;
  /** The `tool_result` blocks of the last message, when it is the user's. */
  toolResults: Array<{ name: string | undefined; toolUseId: string; content: string; isError: boolean }>;
  headers: IncomingHttpHeaders;
  deployment: string;
}

function textOf(content: string | ReadonlyArray<ContentBlockParam | Exclude<ToolResultBlockParam['content'], string>[number]>): string {
  if (typeof content === 'string') return content;
  const parts: string[] = [];
  for (const block of content) if (block.type === 'text' && typeof block['text'] === 'string') parts.push(block['text']);
  return parts.join('\n');
}

function latestUserText(messages: readonly MessageParam[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'user' && message.content.some((b) => b.type === 'text')) return textOf(message.content);
  }
  return undefined;
}

export function factsOf(request: MessagesRequest, headers: IncomingHttpHeaders, deployment: string): RequestFacts {
  const last = request.messages.at(-1);
  const toolResults: RequestFacts['toolResults'] = [];
  if (last?.role === 'user') {
    const names = new Map<string, string>();
    for (const message of request.messages) {
      if (message.role !== 'assistant') continue;
      for (const block of message.content) if (block.type === 'tool_use') names.set(block.id, block.name);
    }
    for (const block of last.content) {
      if (block.type !== 'tool_result') continue;
      toolResults.push({ name: names.get(block.tool_use_id), toolUseId: block.tool_use_id, content: textOf(block.content), isError: block.is_error === true });
    }
  }
  return {
    userText: latestUserText(request.messages),
    system: request.system === undefined ? undefined : textOf(request.system),
    toolResults,
    headers,
    deployment,
  };
}

function textMatches(matcher: TextMatcher, text: string | undefined): boolean {
  if (text === undefined) return false;
  switch (matcher.kind) {
    case 'substring':
      return text.includes(matcher.text);
    case 'equals':
      return text === matcher.text;
    case 'regex':
      return matcher.regex.test(text);
  }
}

function toolResultMatches(matcher: ToolResultMatcher, facts: RequestFacts): boolean {
  return facts.toolResults.some(
    (result) =>
      (matcher.name === undefined || textMatches(matcher.name, result.name)) &&
      (matcher.toolUseId === undefined || textMatches(matcher.toolUseId, result.toolUseId)) &&
      (matcher.content === undefined || textMatches(matcher.content, result.content)) &&
      (matcher.isError === undefined || matcher.isError === result.isError),
  );
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function matches(match: Match, facts: RequestFacts): boolean {
  if (match.userText && !textMatches(match.userText, facts.userText)) return false;
  if (match.system && !textMatches(match.system, facts.system)) return false;
  if (match.deployment && !textMatches(match.deployment, facts.deployment)) return false;
  if (match.toolResult && !toolResultMatches(match.toolResult, facts)) return false;
  if (match.headers?.some(([name, matcher]) => !textMatches(matcher, headerValue(facts.headers, name)))) return false;
  return true;
}
