// Scripted scenarios as the backend uses them: rules compiled from a fixtures file (parse.ts), each a
// match (what a request must show) and the replies it answers with. docs/scenarios.md is the format.
import type { StopReason } from '../../dataplane/types.ts';

/** A string is a substring match, `{regex}` a regular expression, `{equals}` the whole text. */
export type TextMatcher = { kind: 'substring'; text: string } | { kind: 'equals'; text: string } | { kind: 'regex'; regex: RegExp };

export interface ToolResultMatcher {
  /** The tool's name, from the `tool_use` block the result answers. */
  name?: TextMatcher;
  toolUseId?: TextMatcher;
  /** The result's text (a string content, or its text blocks joined by newlines). */
  content?: TextMatcher;
  isError?: boolean;
}

/** Every condition given must hold; none given matches every request. */
export interface Match {
  userText?: TextMatcher;
  system?: TextMatcher;
  toolResult?: ToolResultMatcher;
  /** Header name (lower case) and what its value must show. */
  headers?: Array<[string, TextMatcher]>;
  deployment?: TextMatcher;
}

export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export interface UsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  /** The split of cache writes by lifetime; by default all of `cache_creation_input_tokens` is 5-minute. */
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** An Anthropic error type a stream can end with (`event: error`), and its status before a stream starts. */
export const STREAM_ERROR_TYPES = {
  invalid_request_error: 400,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

/** Every Anthropic error type, with the status the API sends it with. */
export const ERROR_TYPES: Record<string, number> = {
  ...STREAM_ERROR_TYPES,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
};

export interface Pacing {
  ttftMs?: number;
  tokensPerSecond?: number;
}

export interface ScriptedMessage extends Pacing {
  kind: 'message';
  content: ScriptedBlock[];
  stopReason?: StopReason;
  stopSequence?: string;
  usage: UsageOverride;
  /** Ends a stream with `event: error` after the content; a JSON request gets this error instead. */
  streamError?: { type: keyof typeof STREAM_ERROR_TYPES; message: string };
}

export interface ScriptedError {
  kind: 'error';
  status: number;
  /** Anthropic's `{"type":"error","error":{"type","message"}}` or Azure's `{"error":{"code","message"}}`. */
  shape: 'anthropic' | 'azure';
  /** The Anthropic `error.type` or the Azure `error.code`. */
  code: string;
  message: string;
  headers: Record<string, string>;
  /** Waited before the error is sent. */
  ttftMs?: number;
}

export type ScriptedReply = ScriptedMessage | ScriptedError;

export interface Rule {
  /** The rule's `name`, else `rules[i]`: how errors and logs refer to it. */
  name: string;
  /** Where the rule is, for messages: the file and its line. */
  file: string;
  line: number;
  match: Match;
  /** Played in order within a conversation, starting over after the last. */
  replies: ScriptedReply[];
  /** How many requests the rule answers in all before it stops matching; undefined: no limit. */
  times?: number;
}
