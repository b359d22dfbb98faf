// Request validation for the data plane: turns the parsed JSON body of `POST /v1/messages` or
// `/v1/messages/count_tokens` into a typed request, or throws a 400 `invalid_request_error` worded
// as the real API words it (`<path>: <reason>`; quoted texts come from captured real responses).
// It runs on every request, so it walks the body once, reads only the fields it knows (never
// descending into unknown or free-form ones), allocates only the typed value, and compiles every
// pattern at load. Anything it is handed, however malformed, ends in a GatewayError or a value.
//
// Which fields, block and tool types exist is the API's description (api/messages-api.ts); this is
// the simulator's validation, strict because the simulator must understand what it answers. The
// gateway in front of an upstream does not run it (forward.ts).
//
// Leniency, by design: `null` on an optional field counts as absent (the SDK types declare most of
// them nullable); unknown fields inside blocks and tools are let through (the real API may refuse
// them, but newer SDKs add fields faster than this list can follow); unknown top-level fields are
// refused, as the real API refuses them.
import { OUTPUT_EFFORTS, OUTPUT_FORMATS, THREAD_TYPES } from '../api/messages-api.ts';
import { requestFields } from '../api/surface.ts';
import { invalidRequest } from '../errors/index.ts';
import type { AnthropicVersion, CountTokensRequest, MessagesRequest, OutputConfig, ThinkingConfig, ThreadParam } from './types.ts';
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
  requireDict,
  requireNumberInRange,
  requireObject,
  requireString,
  taggedObject,
  union,
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

const SAMPLING: ReadonlySet<string> = new Set(['temperature', 'top_p', 'top_k']);
/**
 * Messages-only fields sent to count_tokens by clients that reuse their messages body. The real
 * endpoint refuses them (`max_tokens: Extra inputs are not permitted`) and the official SDKs never
 * send them; the gateway ignores them instead, unvalidated, since they cannot change a token count.
 */
const COUNT_TOKENS_IGNORED: ReadonlySet<string> = new Set([...requestFields.messages.all].filter((f) => !requestFields.count_tokens.all.has(f)));

const MAX_STOP_SEQUENCES = 8191;
const NON_WHITESPACE = /\S/;
const THREADS = union(THREAD_TYPES);
const OUTPUT_FORMAT_TYPES = union(OUTPUT_FORMATS);
const SERVICE_TIERS = ['auto', 'standard_only'] as const;
const THINKING_DOCS = 'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Present and not `null`. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function requireBody(body: unknown): JsonObject {
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

export function requireModel(value: unknown): string {
  const name = requireString(value, 'model');
  if (name === '') fail('model', 'String should have at least 1 character');
  return name;
}

function outputConfig(value: unknown): OutputConfig {
  const config = requireObject(value, 'output_config');
  if (present(config.effort)) requireLiteral(config.effort, OUTPUT_EFFORTS, 'output_config.effort');
  if (present(config.format)) {
    const { obj, tag } = taggedObject(config.format, OUTPUT_FORMAT_TYPES, 'output_config.format');
    requireDict(obj.schema, `output_config.format.${tag}.schema`);
  }
  return config as OutputConfig;
}

function thread(value: unknown): ThreadParam {
  const { obj, tag } = taggedObject(value, THREADS, 'thread');
  if (tag === 'create') return { type: 'create' };
  return { type: 'continue', previous_message_id: requireString(obj.previous_message_id, 'thread.continue.previous_message_id') };
}

function passThrough(body: JsonObject, kept: readonly string[]): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key of kept) {
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

function readCommonFields(body: JsonObject, into: CommonFields, kept: readonly string[]): void {
  if (present(body.system)) into.system = systemBlocks(body.system);
  if (present(body.tools)) into.tools = validateTools(body.tools);
  if (present(body.tool_choice)) into.tool_choice = validateToolChoice(body.tool_choice);
  if (present(body.thinking)) into.thinking = validateThinking(body.thinking);
  const cache = optionalCacheControl(body.cache_control, 'cache_control');
  if (cache) into.cache_control = cache;
  if (present(body.output_config)) into.output_config = outputConfig(body.output_config);
  const extra = passThrough(body, kept);
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
  checkFieldNames(obj, requestFields.messages.all, options.version === '2026-10-21' ? SAMPLING : undefined);
  const threadParam = present(obj.thread) ? thread(obj.thread) : undefined;
  const request: MessagesRequest = {
    model: requireModel(obj.model),
    max_tokens: requireInteger(obj.max_tokens, 'max_tokens', 0),
    // A continue sends only the new turn: the tool calls its tool results answer are held by the server.
    messages: validateMessages(obj.messages, options.version, threadParam?.type === 'continue'),
    stream: present(obj.stream) ? optionalBoolean(obj.stream, 'stream') === true : false,
  };
  readCommonFields(obj, request, requestFields.messages.kept);
  readSampling(obj, request);
  if (threadParam) request.thread = threadParam;
  if (present(obj.stop_sequences)) request.stop_sequences = stopSequences(obj.stop_sequences);
  if (present(obj.metadata)) request.metadata = metadata(obj.metadata);
  if (present(obj.service_tier)) request.service_tier = requireLiteral(obj.service_tier, SERVICE_TIERS, 'service_tier');
  checkThinkingLimits(request, options.betas);
  return request;
}

/** Validates a `POST /v1/messages/count_tokens` body: the messages rules, minus generation settings. */
export function validateCountTokensRequest(body: unknown, options: ValidateOptions): CountTokensRequest {
  const obj = requireBody(body);
  checkFieldNames(obj, requestFields.count_tokens.all, undefined, COUNT_TOKENS_IGNORED);
  const request: CountTokensRequest = {
    model: requireModel(obj.model),
    messages: validateMessages(obj.messages, options.version),
  };
  readCommonFields(obj, request, requestFields.count_tokens.kept);
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
