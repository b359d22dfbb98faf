// Offline input-token estimates for a Messages prompt, the same for `messages` and `count_tokens`.
//
// The prompt is walked in the order the model reads it and that prompt caching uses: tools, then
// system blocks, then each message and its blocks. Each step costs text tokens (countTextTokens,
// see text.ts) and fixed tokens:
// - tools: each tool's JSON (name, description, input_schema; or the whole tool for versioned
//   tool types), plus the model's hidden tool-use system prompt (catalog `toolSystemPromptTokens`,
//   models.md section 8) and TOOL_CHOICE_FORCED_TOKENS more when tool_choice is `any` or `tool`;
// - system: SYSTEM_TOKENS once, plus the text of each block;
// - messages: MESSAGE_TOKENS per message (framing and role), plus per block: text; images
//   (media.ts: width * height / 750 from the image header, else 1,600); documents (text by its
//   text, PDFs per base64 KB, title and context as text); tool_use (name and input JSON) and
//   tool_result (its content), each with BLOCK_TOKENS of framing; thinking blocks only in the last
//   assistant message (the API drops earlier turns' thinking); any other block by its JSON;
// - REPLY_TOKENS at the end for the assistant turn the model is about to write.
// On models with the `v2` tokenizer (Claude 4.7 and later) text tokens are multiplied by 1.3 and
// rounded; fixed tokens are not.
import type { CacheControl, ContentBlockParam, MessageParam, TextBlockParam, Tool, ToolChoice } from '../dataplane/types.ts';
import type { CatalogModel } from '../models/types.ts';
import { imageTokens, pdfTokens, UNKNOWN_DOCUMENT_TOKENS } from './media.ts';
import { countTextTokens } from './text.ts';

export { countTextTokens, chunkByTokens, truncateToTokens } from './text.ts';

export const SYSTEM_TOKENS = 3;
export const MESSAGE_TOKENS = 4;
export const BLOCK_TOKENS = 3;
export const REPLY_TOKENS = 3;
export const TOOL_CHOICE_FORCED_TOKENS = 120;
export const V2_TOKENIZER_FACTOR = 1.3;

/** What of a model the estimate depends on. */
export type TokenModel = Pick<CatalogModel, 'tokenizer' | 'toolSystemPromptTokens'>;

/** The parts of a `messages` or `count_tokens` body that count as input (string content allowed). */
export interface PromptInput {
  system?: TextBlockParam[];
  messages: ReadonlyArray<{ role: MessageParam['role']; content: string | ContentBlockParam[] }>;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  cache_control?: CacheControl;
}

/** One step of the walk: what it is (without cache_control, for cache keys) and what it costs. */
export interface PromptItem {
  value: unknown;
  textTokens: number;
  fixedTokens: number;
  cacheControl: CacheControl | undefined;
}

export interface Breakpoint {
  /** Tokens of the prompt from its start through the marked item. */
  tokens: number;
  ttl: '5m' | '1h';
  /** How many walk items the prefix spans. */
  items: number;
}

/** Text tokens as the model's tokenizer counts them. */
export function scaleTextTokens(textTokens: number, model: TokenModel): number {
  return model.tokenizer === 'v2' ? Math.round(textTokens * V2_TOKENIZER_FACTOR) : textTokens;
}

/** The most text tokens whose scaled count stays within `modelTokens` (inverse of scaleTextTokens). */
export function textTokenLimit(modelTokens: number, model: TokenModel): number {
  if (model.tokenizer !== 'v2' || !Number.isFinite(modelTokens)) return Math.max(0, modelTokens);
  let raw = Math.max(0, Math.floor(modelTokens / V2_TOKENIZER_FACTOR));
  while (scaleTextTokens(raw + 1, model) <= modelTokens) raw++;
  return raw;
}

function stripCacheControl(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (key !== 'cache_control') out[key] = v;
  return out;
}

interface Cost {
  text: number;
  fixed: number;
}

function blockCost(block: ContentBlockParam | Record<string, unknown>, countThinking: boolean): Cost {
  const b = block as Record<string, unknown>;
  const str = (key: string): string => (typeof b[key] === 'string' ? (b[key] as string) : '');
  switch (b['type']) {
    case 'text':
      return { text: countTextTokens(str('text')), fixed: 0 };
    case 'image':
      return { text: 0, fixed: imageTokens((b['source'] ?? {}) as Record<string, unknown>) };
    case 'document': {
      const source = (b['source'] ?? {}) as Record<string, unknown>;
      const data = typeof source['data'] === 'string' ? source['data'] : '';
      const own = { text: countTextTokens(str('title')) + countTextTokens(str('context')), fixed: 0 };
      if (source['type'] === 'text') return add(own, { text: countTextTokens(data), fixed: 0 });
      if (source['type'] === 'base64') return add(own, { text: 0, fixed: pdfTokens(data) });
      if (source['type'] === 'content') return add(own, contentCost(source['content']));
      return add(own, { text: 0, fixed: UNKNOWN_DOCUMENT_TOKENS });
    }
    case 'tool_use':
      return { text: countTextTokens(str('name')) + countTextTokens(JSON.stringify(b['input'] ?? {})), fixed: BLOCK_TOKENS };
    case 'tool_result':
      return add(contentCost(b['content']), { text: 0, fixed: BLOCK_TOKENS });
    case 'thinking':
      return { text: countThinking ? countTextTokens(str('thinking')) : 0, fixed: 0 };
    case 'redacted_thinking':
      return { text: 0, fixed: countThinking ? Math.ceil(str('data').length / 4) : 0 };
    default:
      return { text: countTextTokens(JSON.stringify(stripCacheControl(b))), fixed: 0 };
  }
}

function add(a: Cost, b: Cost): Cost {
  return { text: a.text + b.text, fixed: a.fixed + b.fixed };
}

function contentCost(content: unknown): Cost {
  if (typeof content === 'string') return { text: countTextTokens(content), fixed: 0 };
  if (!Array.isArray(content)) return { text: 0, fixed: 0 };
  let cost: Cost = { text: 0, fixed: 0 };
  for (const block of content) {
    if (typeof block === 'object' && block !== null) cost = add(cost, blockCost(block as Record<string, unknown>, true));
  }
  return cost;
}

/**
 * The prompt as the model reads it, one item per tool, system block, message start and block. Without
 * `withValues` the items' values are left out (undefined): counting needs only their tokens.
 */
export function promptItems(req: PromptInput, model: TokenModel, withValues = true): PromptItem[] {
  const strip = withValues ? stripCacheControl : () => undefined;
  const items: PromptItem[] = [];
  const tools = req.tools ?? [];
  const forced = req.tool_choice?.type === 'any' || req.tool_choice?.type === 'tool';
  tools.forEach((tool, i) => {
    const value = stripCacheControl(tool);
    const json = tool.type === 'custom' || tool.input_schema !== undefined
      ? JSON.stringify({ name: tool.name, description: tool.description, input_schema: tool.input_schema })
      : JSON.stringify(value);
    const overhead = i === 0 ? model.toolSystemPromptTokens + (forced ? TOOL_CHOICE_FORCED_TOKENS : 0) : 0;
    items.push({ value: withValues ? { tool: value } : undefined, textTokens: countTextTokens(json), fixedTokens: overhead, cacheControl: tool.cache_control });
  });
  (req.system ?? []).forEach((block, i) => {
    const fixed = i === 0 ? SYSTEM_TOKENS : 0;
    items.push({ value: withValues ? { system: strip(block) } : undefined, textTokens: countTextTokens(block.text), fixedTokens: fixed, cacheControl: block.cache_control });
  });
  let lastAssistant = -1;
  req.messages.forEach((m, i) => {
    if (m.role === 'assistant') lastAssistant = i;
  });
  req.messages.forEach((message, i) => {
    items.push({ value: withValues ? { role: message.role } : undefined, textTokens: 0, fixedTokens: MESSAGE_TOKENS, cacheControl: undefined });
    const blocks: ContentBlockParam[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of blocks) {
      const cost = blockCost(block, i === lastAssistant);
      const cacheControl = 'cache_control' in block ? block.cache_control : undefined;
      items.push({ value: strip(block), textTokens: cost.text, fixedTokens: cost.fixed, cacheControl });
    }
  });
  return items;
}

/** Tokens of the prompt through each item: entry i covers items 0..i (reply priming excluded). */
export function prefixTokens(items: readonly PromptItem[], model: TokenModel): number[] {
  const out: number[] = [];
  let text = 0;
  let fixed = 0;
  for (const item of items) {
    text += item.textTokens;
    fixed += item.fixedTokens;
    out.push(scaleTextTokens(text, model) + fixed);
  }
  return out;
}

/**
 * The total input tokens and, for each cache breakpoint in prompt order, the tokens of the prefix
 * it closes. The top-level `cache_control` marks the last block of the last message (automatic caching).
 */
export function breakdown(
  req: PromptInput,
  model: TokenModel,
  items: PromptItem[] = promptItems(req, model),
): { total: number; breakpoints: Breakpoint[] } {
  const prefix = prefixTokens(items, model);
  const lastBlock = req.cache_control !== undefined && (req.messages.at(-1)?.content.length ?? 0) > 0 ? items.length - 1 : -1;
  const breakpoints: Breakpoint[] = [];
  items.forEach((item, i) => {
    const marker = item.cacheControl ?? (i === lastBlock ? req.cache_control : undefined);
    if (marker !== undefined) breakpoints.push({ tokens: prefix[i]!, ttl: marker.ttl ?? '5m', items: i + 1 });
  });
  return { total: (prefix.at(-1) ?? 0) + REPLY_TOKENS, breakpoints };
}

/** Estimated input tokens of a prompt on this model (no prompt-cache effect). */
export function countInputTokens(req: PromptInput, model: TokenModel): number {
  return breakdown(req, model, promptItems(req, model, false)).total;
}
