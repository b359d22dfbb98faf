// Generation: the content blocks, stop reason and output tokens of a simulated reply.
//
// A draft is planned from the request digest (thinking, then text and/or one tool call), then
// played out token by token against the limits: a stop sequence ends the text where it occurs
// (`stop_sequence`), `max_tokens` cuts on a token boundary (`max_tokens`). Output tokens are the
// text tokens of everything produced (thinking included, even when its display is omitted),
// scaled for the model's tokenizer.
import type { CatalogModel } from '../../models/types.ts';
import type { ContentBlock, MessagesRequest, StopReason, ToolUseBlock } from '../../dataplane/types.ts';
import { countTextTokens, scaleTextTokens, textTokenLimit, truncateToTokens } from '../../tokens/count.ts';
import { echoReply, lastToolResult, lastUserText, thinkingText, toolPreamble, toolResultReply } from './reply-text.ts';
import { Prng, subDigest } from './seed.ts';
import { signThinking } from './signature.ts';
import { chooseTool, toolUseBlock } from './tools.ts';

export interface Generated {
  content: ContentBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  outputTokens: number;
}

export interface GenerateInput {
  request: MessagesRequest;
  model: CatalogModel;
  digest: Buffer;
  signingSecret: Buffer;
}

type Draft =
  | { type: 'thinking'; text: string; omitted: boolean }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; block: ToolUseBlock };

/** Thinking is on when asked for, and on models that cannot turn it off when not mentioned. */
function thinkingOf(request: MessagesRequest, model: CatalogModel): { budget: number; omitted: boolean } | undefined {
  const t = request.thinking;
  if (t === undefined) return model.thinking.includes('disabled') ? undefined : { budget: Infinity, omitted: false };
  if (t.type === 'disabled') return undefined;
  const omitted = t.type !== 'between_tools' && t.display === 'omitted';
  return t.type === 'enabled' ? { budget: t.budget_tokens, omitted } : { budget: Infinity, omitted };
}

function plan({ request, model, digest }: GenerateInput): Draft[] {
  const drafts: Draft[] = [];
  const userText = lastUserText(request.messages);
  const toolResult = lastToolResult(request.messages);
  const thinking = thinkingOf(request, model);
  if (thinking !== undefined) {
    const text = thinkingText(userText, new Prng(subDigest(digest, 'thinking')));
    drafts.push({ type: 'thinking', text: truncateToTokens(text, textTokenLimit(thinking.budget, model)), omitted: thinking.omitted });
  }
  const decision = chooseTool(request, userText, toolResult !== undefined, digest);
  const rng = new Prng(subDigest(digest, 'text'));
  if (decision !== undefined) {
    if (!decision.forced) drafts.push({ type: 'text', text: toolPreamble(decision.tool.name) });
    drafts.push({ type: 'tool_use', block: toolUseBlock(decision.tool, digest, 0) });
  } else if (toolResult !== undefined) {
    drafts.push({ type: 'text', text: toolResultReply(toolResult, rng) });
  } else {
    drafts.push({ type: 'text', text: echoReply(model.id, userText, rng) });
  }
  return drafts;
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
  for (const draft of plan(input)) {
    if (draft.type === 'tool_use') {
      const cost = countTextTokens(draft.block.name) + countTextTokens(JSON.stringify(draft.block.input));
      if (used + cost > limit) {
        stopReason = 'max_tokens';
        break;
      }
      used += cost;
      content.push(draft.block);
      stopReason = 'tool_use';
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
      content.push({ type: 'text', text });
    }
    if (stopReason !== 'end_turn') break;
  }
  return { content, stopReason, stopSequence, outputTokens: scaleTextTokens(used, model) };
}
