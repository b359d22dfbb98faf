// Generation: the content blocks, stop reason and output tokens of a simulated reply.
//
// A draft is planned from the request digest (thinking, then text and/or one tool call), then
// played out token by token against the limits: a stop sequence ends the text where it occurs
// (`stop_sequence`), `max_tokens` cuts on a token boundary (`max_tokens`). Output tokens are the
// text tokens of everything produced (thinking included, even when its display is omitted),
// scaled for the model's tokenizer.
import type { CatalogModel } from '../../models/types.ts';
import type { ContentBlock, MessagesRequest, StopReason, TextBlock, TextCitation, Usage } from '../../dataplane/types.ts';
import { countTextTokens, scaleTextTokens, textTokenLimit, truncateToTokens } from '../../tokens/count.ts';
import { citedAnswer } from './citations.ts';
import { echoReply, lastToolResult, lastUserText, thinkingText, toolPreamble, toolResultReply } from './reply-text.ts';
import { synthesize } from './schema.ts';
import { Prng, subDigest } from './seed.ts';
import { runServerTool, serverToolKind, toolSearchBlocks, type ServerToolRun } from './server-tools.ts';
import { signThinking } from './signature.ts';
import { chooseTool, isClientToolSearch, isServerToolSearch, matchTool, referencedTools, requestValues, toolUseBlock, type ToolDecision } from './tools.ts';

export interface Generated {
  content: ContentBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  outputTokens: number;
  serverToolUse?: NonNullable<Usage['server_tool_use']>;
  container?: { id: string; expires_at: string };
}

export interface GenerateInput {
  request: MessagesRequest;
  model: CatalogModel;
  digest: Buffer;
  signingSecret: Buffer;
}

/** One block to play out; `call` blocks (tool calls) are kept whole or dropped, never cut. */
type Draft =
  | { type: 'thinking'; text: string; omitted: boolean }
  | { type: 'text'; text: string; citations?: TextCitation[] }
  | { type: 'call'; block: ContentBlock; stops: boolean }
  | { type: 'result'; block: ContentBlock };

/** Thinking is on when asked for, and on models that cannot turn it off when not mentioned. */
function thinkingOf(request: MessagesRequest, model: CatalogModel): { budget: number; omitted: boolean } | undefined {
  const t = request.thinking;
  if (t === undefined) return model.thinking.includes('disabled') ? undefined : { budget: Infinity, omitted: false };
  if (t.type === 'disabled') return undefined;
  const omitted = t.type !== 'between_tools' && t.display === 'omitted';
  return t.type === 'enabled' ? { budget: t.budget_tokens, omitted } : { budget: Infinity, omitted };
}

/** The JSON schema of `output_config.format`, when the reply must be JSON. */
function outputSchema(request: MessagesRequest): Record<string, unknown> | undefined {
  const format = request.output_config?.['format'] as Record<string, unknown> | undefined;
  const schema = format?.['type'] === 'json_schema' ? format['schema'] : undefined;
  return typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : undefined;
}

function textDrafts(blocks: TextBlock[]): Draft[] {
  return blocks.map((b) => (b.citations === undefined ? { type: 'text', text: b.text } : { type: 'text', text: b.text, citations: b.citations }));
}

interface Plan {
  drafts: Draft[];
  run?: ServerToolRun | undefined;
}

/** The blocks of a decided tool call: a server tool's run, a tool search first, or the call itself. */
function planCall(input: GenerateInput, decision: ToolDecision, userText: string, json: boolean): Plan {
  const { request, digest } = input;
  const tools = request.tools ?? [];
  const drafts: Draft[] = [];
  const say = (text: string) => {
    if (!decision.forced && !json) drafts.push({ type: 'text', text });
  };
  let tool = decision.tool;
  const kind = serverToolKind(tool);
  if (kind !== undefined && kind !== 'tool_search') {
    const run = runServerTool(tool, userText, digest, 0);
    say(toolPreamble(tool.name));
    drafts.push({ type: 'call', block: run.blocks[0]!, stops: false }, { type: 'result', block: run.blocks[1]! });
    if (!json) drafts.push(...textDrafts(run.answer));
    return { drafts, run };
  }
  const loaded = referencedTools(request.messages);
  const deferred = tools.filter((t) => t.defer_loading === true);
  // Naming the search tool itself searches for the deferred tool the request matches.
  if (kind === 'tool_search') tool = matchTool(deferred, userText) ?? deferred[0] ?? tool;
  if (tool.defer_loading === true && !loaded.has(tool.name)) {
    const server = tools.find(isServerToolSearch);
    const client = tools.find(isClientToolSearch);
    if (server !== undefined) {
      say(`I will search for the ${tool.name} tool.`);
      const [use, result] = toolSearchBlocks(server, tool, digest, 0);
      drafts.push({ type: 'call', block: use!, stops: false }, { type: 'result', block: result! });
    } else if (client !== undefined) {
      say(`I will search for the ${tool.name} tool.`);
      const name = tool.name;
      drafts.push({ type: 'call', block: toolUseBlock(client, digest, 0, (n) => (/query/i.test(n) ? name : undefined)), stops: true });
      return { drafts };
    }
  }
  if (serverToolKind(tool) !== undefined) return { drafts };
  say(toolPreamble(tool.name));
  drafts.push({ type: 'call', block: toolUseBlock(tool, digest, 1, requestValues(userText)), stops: true });
  return { drafts };
}

function plan(input: GenerateInput): Plan {
  const { request, model, digest } = input;
  const drafts: Draft[] = [];
  const userText = lastUserText(request.messages);
  const toolResult = lastToolResult(request.messages);
  const thinking = thinkingOf(request, model);
  if (thinking !== undefined) {
    const text = thinkingText(userText, new Prng(subDigest(digest, 'thinking')));
    drafts.push({ type: 'thinking', text: truncateToTokens(text, textTokenLimit(thinking.budget, model)), omitted: thinking.omitted });
  }
  const schema = outputSchema(request);
  const decision = chooseTool(request, userText, toolResult !== undefined, digest);
  if (decision !== undefined) {
    const call = planCall(input, decision, userText, schema !== undefined);
    drafts.push(...call.drafts);
    const ends = call.drafts.at(-1)?.type !== 'call';
    if (!ends || schema === undefined) return { drafts, run: call.run };
    drafts.push({ type: 'text', text: JSON.stringify(synthesize(schema, new Prng(subDigest(digest, 'json')))) });
    return { drafts, run: call.run };
  }
  const rng = new Prng(subDigest(digest, 'text'));
  const cited = schema === undefined ? citedAnswer(request.messages) : undefined;
  if (schema !== undefined) {
    drafts.push({ type: 'text', text: JSON.stringify(synthesize(schema, new Prng(subDigest(digest, 'json')))) });
  } else if (cited !== undefined) {
    drafts.push(...textDrafts(cited));
  } else if (toolResult !== undefined) {
    drafts.push({ type: 'text', text: toolResultReply(toolResult, rng) });
  } else {
    drafts.push({ type: 'text', text: echoReply(model.id, userText, rng) });
  }
  return { drafts };
}

/** The stop sequence that completes first in `text`, and where it starts. */
function firstStop(text: string, stops: readonly string[]): { at: number; sequence: string } | undefined {
  let best: { at: number; sequence: string } | undefined;
  for (const sequence of stops) {
    if (sequence === '') continue;
    const at = text.indexOf(sequence);
    if (at >= 0 && (best === undefined || at + sequence.length < best.at + best.sequence.length)) best = { at, sequence };
  }
  return best;
}

export function generate(input: GenerateInput): Generated {
  const { request, model, signingSecret } = input;
  const limit = textTokenLimit(request.max_tokens, model);
  const content: ContentBlock[] = [];
  let used = 0;
  let stopReason: StopReason = 'end_turn';
  let stopSequence: string | null = null;
  const { drafts, run } = plan(input);
  for (const draft of drafts) {
    if (draft.type === 'result') {
      // A server tool's result is the tool's output, not the model's: no output tokens.
      content.push(draft.block);
      continue;
    }
    if (draft.type === 'call') {
      const block = draft.block as { name: string; input: unknown };
      const cost = countTextTokens(block.name) + countTextTokens(JSON.stringify(block.input));
      if (used + cost > limit) {
        stopReason = 'max_tokens';
        break;
      }
      used += cost;
      content.push(draft.block);
      if (draft.stops) stopReason = 'tool_use';
      continue;
    }
    let text = draft.text;
    const stop = draft.type === 'text' ? firstStop(text, request.stop_sequences ?? []) : undefined;
    if (stop !== undefined && used + countTextTokens(text.slice(0, stop.at + stop.sequence.length)) <= limit) {
      text = text.slice(0, stop.at);
      stopReason = 'stop_sequence';
      stopSequence = stop.sequence;
    } else if (used + countTextTokens(text) > limit) {
      text = truncateToTokens(text, limit - used);
      stopReason = 'max_tokens';
    }
    used += countTextTokens(text);
    if (draft.type === 'thinking') {
      // Omitted display still bills the thinking and signs the full text; only the text is withheld.
      if (text !== '') content.push({ type: 'thinking', thinking: draft.omitted ? '' : text, signature: signThinking(signingSecret, text) });
    } else if (text !== '') {
      content.push(draft.citations === undefined ? { type: 'text', text } : { type: 'text', text, citations: draft.citations });
    }
    if (stopReason !== 'end_turn') break;
  }
  const generated: Generated = { content, stopReason, stopSequence, outputTokens: scaleTextTokens(used, model) };
  // Real replies count server tool use whenever one ran, zeros included (tool search, code execution).
  if (content.some((b) => b.type === 'server_tool_use')) {
    generated.serverToolUse = { web_search_requests: run?.webSearchRequests ?? 0, web_fetch_requests: run?.webFetchRequests ?? 0 };
  }
  if (run?.container !== undefined) generated.container = run.container;
  return generated;
}
