// The Messages API as this gateway understands it: validated request shapes and response shapes.
// Validation (validate.ts) turns an untrusted JSON body into these types once, at the edge. Which
// types exist at all is described in api/messages-api.ts; these are the shapes the code reads.
import type { BlockTypeName } from '../api/messages-api.ts';

export type AnthropicVersion = '2023-06-01' | '2026-10-21';

export interface CacheControl {
  type: 'ephemeral';
  ttl: '5m' | '1h';
}

export interface TextBlockParam {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
  citations?: unknown[];
}

export interface ImageBlockParam {
  type: 'image';
  source: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface DocumentBlockParam {
  type: 'document';
  source: Record<string, unknown>;
  title?: string;
  context?: string;
  /** `{enabled?: boolean}`, kept as sent. */
  citations?: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface ToolUseBlockParam {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface ToolResultBlockParam {
  type: 'tool_result';
  tool_use_id: string;
  content: string | Array<TextBlockParam | ImageBlockParam | DocumentBlockParam | SearchResultBlockParam | OtherBlockParam>;
  is_error?: boolean;
  cache_control?: CacheControl;
}

export interface ThinkingBlockParam {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface RedactedThinkingBlockParam {
  type: 'redacted_thinking';
  data: string;
}

/** A search result supplied by the caller (RAG), with its own citation source. */
export interface SearchResultBlockParam {
  type: 'search_result';
  source: string;
  title: string;
  content: TextBlockParam[];
  /** `{enabled?: boolean}`, kept as sent. */
  citations?: Record<string, unknown>;
  cache_control?: CacheControl;
}

/** The block types the simulator reads; every other described type is an OtherBlockParam. */
type ReadBlockType = 'text' | 'image' | 'document' | 'search_result' | 'tool_use' | 'tool_result' | 'thinking' | 'redacted_thinking';

/**
 * A block accepted and passed on as sent, not interpreted: tool_reference, server_tool_use and the
 * server tools' results, mcp_tool_use/mcp_tool_result, container_upload, compaction...
 */
export interface OtherBlockParam {
  type: Exclude<BlockTypeName, ReadBlockType>;
  [key: string]: unknown;
  cache_control?: CacheControl;
}

export type ContentBlockParam =
  | TextBlockParam
  | ImageBlockParam
  | DocumentBlockParam
  | ToolUseBlockParam
  | ToolResultBlockParam
  | ThinkingBlockParam
  | RedactedThinkingBlockParam
  | SearchResultBlockParam
  | OtherBlockParam;

export interface MessageParam {
  role: 'user' | 'assistant';
  /** Always normalised to blocks: a string becomes one text block. */
  content: ContentBlockParam[];
}

export interface Tool {
  /** 'custom' for user-defined tools; versioned server/client tool types otherwise (e.g. bash_20250124). */
  type: string;
  /** A toolset has no name of its own: it holds its MCP server's name, or its type. */
  name: string;
  description?: string;
  input_schema?: Record<string, unknown>;
  cache_control?: CacheControl;
  /** Tool search: left out of the prompt until a `tool_reference` loads it. */
  defer_loading?: boolean;
  /** Structured outputs: the call's input must validate against `input_schema`. */
  strict?: boolean;
  eager_input_streaming?: boolean;
}

export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export type ThinkingConfig =
  | { type: 'enabled'; budget_tokens: number; display?: 'summarized' | 'omitted' }
  | { type: 'disabled' }
  | { type: 'adaptive'; display?: 'summarized' | 'omitted' }
  | { type: 'between_tools' };

/** Server-side message threads (beta `message-threads-2026-08-12`). */
export type ThreadParam = { type: 'create' } | { type: 'continue'; previous_message_id: string };

/** `output_config`: effort and the structured-output format, other keys kept as sent. */
export interface OutputConfig {
  effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max';
  format?: { type: 'json_schema'; schema: Record<string, unknown> };
  [key: string]: unknown;
}

/** A validated `POST /v1/messages` body. Unknown-but-allowed fields are kept in `extra`. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: TextBlockParam[];
  stop_sequences?: string[];
  stream: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id?: string | null };
  tools?: Tool[];
  tool_choice?: ToolChoice;
  thinking?: ThinkingConfig;
  /** Top-level automatic cache breakpoint. */
  cache_control?: CacheControl;
  service_tier?: 'auto' | 'standard_only';
  output_config?: OutputConfig;
  thread?: ThreadParam;
  /** Fields accepted and kept as sent, not read (context_management, container, speed...: api/messages-api.ts). */
  extra?: Record<string, unknown>;
}

/** A validated `POST /v1/messages/count_tokens` body. */
export interface CountTokensRequest {
  model: string;
  messages: MessageParam[];
  system?: TextBlockParam[];
  tools?: Tool[];
  tool_choice?: ToolChoice;
  thinking?: ThinkingConfig;
  cache_control?: CacheControl;
  output_config?: OutputConfig;
  /** Fields accepted and kept as sent, as on MessagesRequest. */
  extra?: Record<string, unknown>;
}

// ---- responses ----

/** A citation in a reply's text block: `char_location`, `page_location`, `web_search_result_location`... */
export interface TextCitation {
  type: string;
  cited_text: string;
  [key: string]: unknown;
}

export interface TextBlock {
  type: 'text';
  text: string;
  /** Only when the text cites something: the real API leaves the key out otherwise (never `null`). */
  citations?: TextCitation[];
}

export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** A server tool's call (web search, web fetch, code execution, tool search), run by the API itself. */
export interface ServerToolUseBlock {
  type: 'server_tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** A server tool's result: `web_search_tool_result`, `tool_search_tool_result`, `code_execution_tool_result`... */
export interface ServerToolResultBlock {
  type: `${string}_tool_result`;
  tool_use_id: string;
  content: unknown;
}

export type ContentBlock = TextBlock | ThinkingBlock | ToolUseBlock | ServerToolUseBlock | ServerToolResultBlock;

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn';

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  /** Present when the reply used server tools. */
  server_tool_use?: { web_search_requests: number; web_fetch_requests: number };
  service_tier: 'standard';
}

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: Usage;
  /** Present when code execution ran: the container it ran in. */
  container?: { id: string; expires_at: string };
  /** Present when the request asked for `context_management`. */
  context_management?: { applied_edits: Array<Record<string, unknown>> };
}

/** Server-sent events of a streamed message, in wire order. */
export type StreamEvent =
  | { type: 'message_start'; message: Message }
  | { type: 'content_block_start'; index: number; content_block: ContentBlock }
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        | { type: 'text_delta'; text: string }
        | { type: 'input_json_delta'; partial_json: string }
        | { type: 'thinking_delta'; thinking: string }
        | { type: 'signature_delta'; signature: string }
        | { type: 'citations_delta'; citation: TextCitation };
    }
  | { type: 'content_block_stop'; index: number }
  | { type: 'ping' }
  | {
      type: 'message_delta';
      delta: { stop_reason: StopReason | null; stop_sequence: string | null };
      context_management?: { applied_edits: Array<Record<string, unknown>> };
      usage: {
        input_tokens: number;
        cache_creation_input_tokens: number;
        cache_read_input_tokens: number;
        output_tokens: number;
        server_tool_use?: { web_search_requests: number; web_fetch_requests: number };
      };
    }
  | { type: 'message_stop' };
