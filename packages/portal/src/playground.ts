// The playground's request: the settings checked into a Messages body, with an error that says what to fix;
// and a turn's usage priced with the gateway's own pricing (pricing.ts) at the rates /monitoring/prices gives.
import { billedTokens, costOf } from '../../gateway/src/telemetry/pricing.ts';
import { formatUsd } from '../../gateway/src/telemetry/money.ts';
import type { Block, Reply, Usage } from './dataplane.ts';
import type { PricedModel } from './monitoring.ts';

export interface Settings {
  system: string;
  maxTokens: string;
  thinking: boolean;
  tools: string;
}

/** One turn as the page shows it: the prompt, the reply so far, and once done its request-id and cost. */
export interface Turn {
  prompt: string;
  reply?: Reply;
  error?: string;
  requestId?: string;
  cost?: string;
  done: boolean;
}

export type Message = { role: 'user' | 'assistant'; content: string | Array<Block | { type: 'tool_result'; tool_use_id: string; content: string }> };

const TOOLS_EXAMPLE = '[{"name": "get_weather", "description": "The weather in a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]';

/** The tools box: empty, or a JSON array of tool definitions. Throws a message that says what is wrong and how to write it. */
function parseTools(text: string): unknown[] | undefined {
  if (!text.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`Tools is not valid JSON (${(err as Error).message}). Write a JSON array such as ${TOOLS_EXAMPLE}.`);
  }
  if (!Array.isArray(value)) throw new Error(`Tools must be a JSON array of tool definitions, such as ${TOOLS_EXAMPLE}.`);
  value.forEach((tool: unknown, i) => {
    if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) throw new Error(`Tools[${i}] must be an object with a name (and an input_schema for your own tool).`);
    const t = tool as Record<string, unknown>;
    if (typeof t['name'] !== 'string' || !t['name']) throw new Error(`Tools[${i}] needs a "name" (a non-empty string).`);
    // A server tool (web_search_20250305…) has a type; a custom tool has an input_schema instead.
    if (t['type'] === undefined || t['type'] === 'custom') {
      const schema = t['input_schema'];
      if (typeof schema !== 'object' || schema === null || (schema as { type?: unknown }).type !== 'object') {
        throw new Error(`Tools[${i}] ("${t['name']}") needs an "input_schema" that is a JSON Schema object, such as {"type": "object", "properties": {}}.`);
      }
    }
  });
  return value;
}

/** The thinking setting the deployment's model accepts: adaptive where it has it, else a budget below max_tokens. */
function thinkingFor(model: PricedModel | undefined, maxTokens: number): Record<string, unknown> {
  if (!model || model.thinking.includes('adaptive')) return { type: 'adaptive' };
  if (maxTokens <= 1024) throw new Error('Thinking needs Max tokens above 1024: the smallest thinking budget is 1,024 tokens, and it must be below Max tokens.');
  return { type: 'enabled', budget_tokens: Math.min(Math.max(1024, Math.floor(maxTokens / 2)), maxTokens - 1) };
}

/** The Messages body for the conversation so far (without `stream`, which the call adds). */
export function buildBody(deployment: string, settings: Settings, messages: Message[], model: PricedModel | undefined): Record<string, unknown> {
  const maxTokens = Number(settings.maxTokens);
  const limit = model?.maxOutputTokens ?? 128_000;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > limit) throw new Error(`Max tokens must be a whole number from 1 to ${limit.toLocaleString('en-US')} (this model's largest output).`);
  const tools = parseTools(settings.tools);
  return {
    model: deployment,
    max_tokens: maxTokens,
    ...(settings.system.trim() ? { system: settings.system } : {}),
    ...(settings.thinking ? { thinking: thinkingFor(model, maxTokens) } : {}),
    ...(tools ? { tools } : {}),
    messages,
  };
}

/** What the assistant's reply adds to the conversation: its blocks as sent back next turn (no streaming leftovers). */
export function assistantMessage(blocks: Block[]): Message {
  return { role: 'assistant', content: blocks.filter(Boolean).map((b) => (b.type === 'tool_use' ? { type: 'tool_use', id: b.id, name: b.name, input: b.input } : b)) };
}

/** The user's next message: after a reply that asked for tools, the text is each tool's result, as the API requires. */
export function userMessage(text: string, previous: Message | undefined): Message {
  const content = previous?.role === 'assistant' && Array.isArray(previous.content) ? previous.content : [];
  const uses = content.filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use');
  if (uses.length === 0) return { role: 'user', content: text };
  return { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: text })) };
}

/** The turn's cost in USD (an exact decimal string), as the request log prices it. */
export function turnCost(usage: Usage, model: PricedModel | undefined, sku: string): string | undefined {
  if (!model) return undefined;
  return formatUsd(costOf(billedTokens(usage), model, sku === 'DataZoneStandard' ? 'DataZoneStandard' : 'GlobalStandard'));
}
