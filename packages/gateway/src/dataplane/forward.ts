// What the gateway reads of a body it forwards to an upstream (anthropic, foundry, record, replay).
// A gateway must never refuse what its upstream accepts, so it checks only what it needs itself —
// `model` (the deployment), `max_tokens` (the model's ceiling and the token reservation) and
// `stream` — and reads the prompt (system, messages, tools) leniently, only for the token estimate
// of the rate limits. Every other field, block type, tool type and beta is the upstream's to judge:
// the raw body goes out byte for byte (the model name aside), and the upstream's own 400 comes back.
// The value returned keeps every top-level field as sent, so a recording holds the whole request.
import type { CountTokensRequest, MessageParam, MessagesRequest, TextBlockParam, Tool } from './types.ts';
import { isObject, type JsonObject, requireInteger } from './validate-fields.ts';
import { requireBody, requireModel } from './validate.ts';

/** Objects of a list, in order; anything else in it (or a list that is not one) counts for nothing. */
function objectsOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** String content becomes one text block, as the API reads it (and as the simulator's validator normalises it). */
function promptMessages(value: unknown): MessageParam[] {
  return objectsOf(value).map((message) => {
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : objectsOf(message.content);
    return { ...message, content } as unknown as MessageParam;
  });
}

function promptSystem(value: unknown): TextBlockParam[] | undefined {
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (!Array.isArray(value)) return undefined;
  return objectsOf(value).filter((block) => typeof block.text === 'string') as unknown as TextBlockParam[];
}

/** A tool without a type is a custom tool; its name and schema are whatever was sent. */
function promptTools(value: unknown): Tool[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return objectsOf(value).map((tool) => (typeof tool.type === 'string' ? tool : { ...tool, type: 'custom' }) as unknown as Tool);
}

/** The prompt fields, readable by the token estimate whatever was sent; anything else as sent. */
function forwarded(obj: JsonObject): Record<string, unknown> {
  const request: Record<string, unknown> = { ...obj, messages: promptMessages(obj.messages) };
  const system = promptSystem(obj.system);
  if (system === undefined) delete request.system;
  else request.system = system;
  const tools = promptTools(obj.tools);
  if (tools === undefined) delete request.tools;
  else request.tools = tools;
  for (const key of ['tool_choice', 'cache_control']) if (!isObject(obj[key])) delete request[key];
  return request;
}

/** A `POST /v1/messages` body bound for an upstream: model and max_tokens checked, the rest as sent. */
export function readForwardedMessages(body: unknown): MessagesRequest {
  const obj = requireBody(body);
  const model = requireModel(obj.model);
  const maxTokens = requireInteger(obj.max_tokens, 'max_tokens', 0);
  // Set on forwarded()'s own copy (no second copy of the body's fields): the same keys, in the same order.
  const request = forwarded(obj);
  request.model = model;
  request.max_tokens = maxTokens;
  request.stream = obj.stream === true;
  return request as unknown as MessagesRequest;
}

/** A `POST /v1/messages/count_tokens` body bound for an upstream: model checked, the rest as sent. */
export function readForwardedCountTokens(body: unknown): CountTokensRequest {
  const obj = requireBody(body);
  const request = forwarded(obj);
  request.model = requireModel(obj.model);
  return request as unknown as CountTokensRequest;
}
