// Request validation for the data plane: turns the parsed JSON body of `POST /v1/messages` or
// `/v1/messages/count_tokens` into a typed request, or throws a 400 `invalid_request_error` worded
// as the real API words it (`<path>: <reason>`; quoted texts come from captured real responses).
// It runs on every request, so it walks the body once, reads only the fields it knows (never
// descending into unknown or free-form ones), allocates only the typed value, and compiles every
// pattern at load. Anything it is handed, however malformed, ends in a GatewayError or a value.
//
// Leniency, by design: `null` on an optional field counts as absent (the SDK types declare most of
// them nullable); unknown fields inside blocks and tools are let through (the real API may refuse
// them, but newer SDKs add fields faster than this list can follow); unknown top-level fields are
// refused, as the real API refuses them.
import { invalidRequest } from '../errors/index.ts';
import type { AnthropicVersion, CountTokensRequest, MessagesRequest, ThinkingConfig, ThreadParam } from './types.ts';
import { systemBlocks } from './validate-blocks.ts';
import {
  clip,
  fail,
  isObject,
  type JsonObject,
  maxItems,
  optionalBoolean,
  optionalCacheControl,
  requireInteger,
  requireList,
  requireLiteral,
  requireNumberInRange,
  requireObject,
  requireString,
  taggedObject,
  union,
  type Union,
} from './validate-fields.ts';
import { validateMessages } from './validate-messages.ts';
import { checkToolChoice, validateThinking, validateToolChoice, validateTools } from './validate-tools.ts';

export interface ValidateOptions {
  version: AnthropicVersion;
  /** The `anthropic-beta` values the request carries (they relax some rules). */
  betas?: readonly string[] | undefined;
}

/** With interleaved thinking, the budget covers all thinking blocks of a turn and may exceed max_tokens. */
const INTERLEAVED_THINKING = /^interleaved-thinking-/;

/** Accepted and kept in `extra` without being interpreted. */
const PASS_THROUGH = ['container', 'context_management', 'diagnostics', 'inference_geo', 'mcp_servers', 'speed'] as const;
const SAMPLING: ReadonlySet<string> = new Set(['temperature', 'top_p', 'top_k']);
const COMMON_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config', ...PASS_THROUGH];
const MESSAGES_FIELDS: ReadonlySet<string> = new Set([
  ...COMMON_FIELDS,
  'max_tokens',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'service_tier',
  'thread',
]);
const COUNT_TOKENS_FIELDS: ReadonlySet<string> = new Set(COMMON_FIELDS);
/**
 * Sent to count_tokens by some clients that reuse their messages body. The real endpoint refuses
 * them (`max_tokens: Extra inputs are not permitted`) and the official SDKs never send them; the
 * gateway ignores them instead, unvalidated, since they cannot change a token count.
 */
const COUNT_TOKENS_IGNORED: ReadonlySet<string> = new Set(['max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata']);

const MAX_STOP_SEQUENCES = 8191;
const NON_WHITESPACE = /\S/;
const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
const SERVICE_TIERS = ['auto', 'standard_only'] as const;
const THINKING_DOCS = 'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Present and not `null`. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function requireBody(body: unknown): JsonObject {
  if (!isObject(body)) throw invalidRequest('Request body must be a JSON object.');
  return body;
}

/** Refuses any top-level field that is not `allowed` (or is `removed` by the API version), unless `ignored`. */
function checkFieldNames(body: JsonObject, allowed: ReadonlySet<string>, removed?: ReadonlySet<string>, ignored?: ReadonlySet<string>): void {
  for (const key in body) {
    if (allowed.has(key) && !removed?.has(key)) continue;
    if (ignored?.has(key)) continue;
    fail(clip(key), 'Extra inputs are not permitted');
  }
}

function model(value: unknown): string {
  const name = requireString(value, 'model');
  if (name === '') fail('model', 'String should have at least 1 character');
  return name;
}

function outputConfig(value: unknown): Record<string, unknown> {
  const config = requireObject(value, 'output_config');
  if (present(config.effort)) requireLiteral(config.effort, EFFORTS, 'output_config.effort');
  if (present(config.format)) requireObject(config.format, 'output_config.format');
  return config;
}

const THREAD_TYPES: Union = union(['create', 'continue']);

function threadParam(value: unknown): ThreadParam {
  const { obj, tag } = taggedObject(value, THREAD_TYPES, 'thread');
  if (tag === 'create') return { type: 'create' };
  return { type: 'continue', previous_message_id: requireString(obj.previous_message_id, 'thread.continue.previous_message_id') };
}

function passThrough(body: JsonObject): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of PASS_THROUGH) {
    if (body[key] === undefined) continue;
    extra ??= {};
    extra[key] = body[key];
  }
  return extra;
}

function thinkingOn(thinking: ThinkingConfig | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled';
}

/** The fields messages and count_tokens share, with the same rules. */
type CommonFields = Omit<CountTokensRequest, 'model' | 'messages'>;

function readCommonFields(body: JsonObject, into: CommonFields): void {
  if (present(body.system)) into.system = systemBlocks(body.system);
  if (present(body.tools)) into.tools = validateTools(body.tools);
  if (present(body.tool_choice)) into.tool_choice = validateToolChoice(body.tool_choice);
  if (present(body.thinking)) into.thinking = validateThinking(body.thinking);
  const cache = optionalCacheControl(body.cache_control, 'cache_control');
  if (cache) into.cache_control = cache;
  if (present(body.output_config)) into.output_config = outputConfig(body.output_config);
  const extra = passThrough(body);
  if (extra) into.extra = extra;

  if (into.tool_choice) checkToolChoice(into.tool_choice, into.tools);
  const forcesTool = into.tool_choice?.type === 'any' || into.tool_choice?.type === 'tool';
  if (forcesTool && thinkingOn(into.thinking)) throw invalidRequest('Thinking may not be enabled when tool_choice forces tool use.');
}

function stopSequences(value: unknown): string[] {
  const list = requireList(value, 'stop_sequences');
  maxItems(list, MAX_STOP_SEQUENCES, 'stop_sequences');
  return list.map((item, i) => {
    const sequence = requireString(item, `stop_sequences.${i}`);
    if (sequence === '') fail('stop_sequences', 'each stop sequence must be non-empty');
    if (!NON_WHITESPACE.test(sequence)) fail('stop_sequences', 'each stop sequence must contain non-whitespace');
    return sequence;
  });
}

function metadata(value: unknown): { user_id?: string | null } {
  const obj = requireObject(value, 'metadata');
  for (const key in obj) {
    if (key !== 'user_id') fail(`metadata.${clip(key)}`, 'Extra inputs are not permitted');
  }
  if (obj.user_id === undefined) return {};
  if (obj.user_id === null) return { user_id: null };
  const userId = requireString(obj.user_id, 'metadata.user_id');
  if (userId.length > 256) fail('metadata.user_id', 'String should have at most 256 characters');
  return { user_id: userId };
}

function readSampling(body: JsonObject, into: MessagesRequest): void {
  if (present(body.temperature)) into.temperature = requireNumberInRange(body.temperature, 'temperature', 0, 1);
  if (present(body.top_p)) into.top_p = requireNumberInRange(body.top_p, 'top_p', 0, 1);
  if (present(body.top_k)) into.top_k = requireInteger(body.top_k, 'top_k', 0);
  // The real API refuses the pair only for Sonnet 4.5, Haiku 4.5, Opus 4.5 and later models; those
  // are the models Foundry serves, so the gateway refuses it always.
  if (into.temperature !== undefined && into.top_p !== undefined) {
    throw invalidRequest('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
}

/** Extended thinking fixes sampling and needs room for an answer beyond its budget. */
function checkThinkingLimits(request: MessagesRequest, betas: readonly string[] | undefined): void {
  const thinking = request.thinking;
  // Adaptive thinking is thinking too: the same sampling rules apply to it.
  if (thinking === undefined || thinking.type === 'disabled') return;
  const considerations = `${THINKING_DOCS}#important-considerations-when-using-extended-thinking`;
  if (request.temperature !== undefined && request.temperature !== 1) {
    throw invalidRequest(`\`temperature\` may only be set to 1 when thinking is enabled. ${considerations}`);
  }
  if (request.top_p !== undefined && request.top_p < 0.95) {
    throw invalidRequest(`\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${considerations}`);
  }
  if (request.top_k !== undefined) throw invalidRequest(`\`top_k\` must be unset when thinking is enabled. ${considerations}`);
  const interleaved = betas?.some((beta) => INTERLEAVED_THINKING.test(beta)) === true;
  if (thinking.type === 'enabled' && !interleaved && request.max_tokens <= thinking.budget_tokens) {
    throw invalidRequest(
      `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. ${THINKING_DOCS}#max-tokens-and-context-window-size`,
    );
  }
}

/** Validates a `POST /v1/messages` body. Throws a 400 GatewayError for anything the real API would refuse. */
export function validateMessagesRequest(body: unknown, options: ValidateOptions): MessagesRequest {
  const obj = requireBody(body);
  // API 2026-10-21 removed the sampling parameters: any of them, even at its default, is refused.
  checkFieldNames(obj, MESSAGES_FIELDS, options.version === '2026-10-21' ? SAMPLING : undefined);
  const thread = present(obj.thread) ? threadParam(obj.thread) : undefined;
  const request: MessagesRequest = {
    model: model(obj.model),
    max_tokens: requireInteger(obj.max_tokens, 'max_tokens', 0),
    // A continue sends only the new turn: the history it answers is held by the server.
    messages: validateMessages(obj.messages, options.version, thread?.type === 'continue'),
    stream: present(obj.stream) ? optionalBoolean(obj.stream, 'stream') === true : false,
  };
  if (thread) request.thread = thread;
  readCommonFields(obj, request);
  readSampling(obj, request);
  if (present(obj.stop_sequences)) request.stop_sequences = stopSequences(obj.stop_sequences);
  if (present(obj.metadata)) request.metadata = metadata(obj.metadata);
  if (present(obj.service_tier)) request.service_tier = requireLiteral(obj.service_tier, SERVICE_TIERS, 'service_tier');
  checkThinkingLimits(request, options.betas);
  return request;
}

/** Validates a `POST /v1/messages/count_tokens` body: the messages rules, minus generation settings. */
export function validateCountTokensRequest(body: unknown, options: ValidateOptions): CountTokensRequest {
  const obj = requireBody(body);
  checkFieldNames(obj, COUNT_TOKENS_FIELDS, undefined, COUNT_TOKENS_IGNORED);
  const request: CountTokensRequest = {
    model: model(obj.model),
    messages: validateMessages(obj.messages, options.version),
  };
  readCommonFields(obj, request);
  return request;
}

/**
 * The checks that need the deployed model: its output ceiling, and (once the input is counted)
 * its context window. Messages are the real API's.
 */
export function checkModelLimits(
  request: MessagesRequest,
  limits: { maxOutputTokens: number; contextWindow: number; modelId: string },
  inputTokens?: number,
): void {
  const maxTokens = request.max_tokens;
  if (maxTokens > limits.maxOutputTokens) {
    throw invalidRequest(
      `max_tokens: ${maxTokens} > ${limits.maxOutputTokens}, which is the maximum allowed number of output tokens for ${limits.modelId}`,
    );
  }
  if (inputTokens === undefined) return;
  if (inputTokens > limits.contextWindow) {
    throw invalidRequest(`prompt is too long: ${inputTokens} tokens > ${limits.contextWindow} maximum`);
  }
  if (inputTokens + maxTokens > limits.contextWindow) {
    throw invalidRequest(
      `input length and \`max_tokens\` exceed context limit: ${inputTokens} + ${maxTokens} > ${limits.contextWindow}, ` +
        'decrease input length or `max_tokens` and try again',
    );
  }
}
