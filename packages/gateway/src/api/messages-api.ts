// The Messages API's surface, described once: which request fields, content block types, tool types,
// thinking modes and betas exist, as of the official `@anthropic-ai/sdk` 1.16 (GA and beta types).
// The simulator's validator (dataplane/validate*.ts) and the simulator read it; the gateway in front
// of an upstream needs none of it, since it forwards what it does not check. Plain data, compiled
// into sets and maps once at load (surface.ts), never walked per request. A test
// (test/api-surface.test.ts) reads the installed SDK's type definitions and names whatever the SDK
// knows and this description lacks, so an SDK upgrade says what to add here.

export type Endpoint = 'messages' | 'count_tokens';

/** How the simulator treats a request field: `read` it interprets; `kept` it accepts and keeps, unvalidated, in `extra`. */
export interface RequestField {
  endpoints: readonly Endpoint[];
  simulator: 'read' | 'kept';
  /** The `anthropic-beta` that introduced it, when the field is a beta feature. */
  beta?: string;
}

const BOTH: readonly Endpoint[] = ['messages', 'count_tokens'];
const MESSAGES: readonly Endpoint[] = ['messages'];

/** Top-level body fields of `POST /v1/messages` and `/v1/messages/count_tokens`. */
export const REQUEST_FIELDS: Readonly<Record<string, RequestField>> = {
  model: { endpoints: BOTH, simulator: 'read' },
  messages: { endpoints: BOTH, simulator: 'read' },
  max_tokens: { endpoints: MESSAGES, simulator: 'read' },
  system: { endpoints: BOTH, simulator: 'read' },
  tools: { endpoints: BOTH, simulator: 'read' },
  tool_choice: { endpoints: BOTH, simulator: 'read' },
  thinking: { endpoints: BOTH, simulator: 'read' },
  cache_control: { endpoints: BOTH, simulator: 'read' },
  output_config: { endpoints: BOTH, simulator: 'read' },
  stop_sequences: { endpoints: MESSAGES, simulator: 'read' },
  stream: { endpoints: MESSAGES, simulator: 'read' },
  temperature: { endpoints: MESSAGES, simulator: 'read' },
  top_p: { endpoints: MESSAGES, simulator: 'read' },
  top_k: { endpoints: MESSAGES, simulator: 'read' },
  metadata: { endpoints: MESSAGES, simulator: 'read' },
  service_tier: { endpoints: MESSAGES, simulator: 'read' },
  thread: { endpoints: MESSAGES, simulator: 'read', beta: 'message-threads-2026-08-12' },
  speed: { endpoints: BOTH, simulator: 'kept', beta: 'fast-mode-2026-02-01' },
  container: { endpoints: MESSAGES, simulator: 'kept' },
  diagnostics: { endpoints: MESSAGES, simulator: 'kept' },
  inference_geo: { endpoints: MESSAGES, simulator: 'kept' },
  context_management: { endpoints: BOTH, simulator: 'kept', beta: 'context-management-2025-06-27' },
  mcp_servers: { endpoints: BOTH, simulator: 'kept', beta: 'mcp-client-2025-11-20' },
  compaction: { endpoints: BOTH, simulator: 'kept' },
  billing_policy: { endpoints: BOTH, simulator: 'kept' },
  /** The beta's older place for `output_config.format`. */
  output_format: { endpoints: BOTH, simulator: 'kept', beta: 'structured-outputs-2025-11-13' },
  fallbacks: { endpoints: MESSAGES, simulator: 'kept' },
  fallback_credit_token: { endpoints: MESSAGES, simulator: 'kept' },
};

/** Parameters the SDKs take beside the body and send as headers: never body fields. */
export const HEADER_PARAMS: Readonly<Record<string, string>> = {
  betas: 'anthropic-beta',
  user_profile_id: 'anthropic-user-profile-id',
  workspace_id: 'anthropic-workspace-id',
};

/** Where a content block type may appear. */
export type BlockPlace = 'message' | 'tool_result' | 'document' | 'system_message';

export interface BlockType {
  places: readonly BlockPlace[];
  /** Fields without which the block means nothing (the simulator's validator requires them). */
  required: readonly string[];
  /** Only in this role's messages (server tool calls and their results are the assistant's). */
  role?: 'user' | 'assistant';
  beta?: string;
}

/**
 * Content block types a request may carry. The eight the simulator reads (text, image, document,
 * search_result, tool_use, tool_result, thinking, redacted_thinking) have their own validators;
 * the others are checked for their type and required fields and passed on as sent.
 */
export const BLOCK_TYPES = {
  text: { places: ['message', 'tool_result', 'document', 'system_message'], required: ['text'] },
  image: { places: ['message', 'tool_result', 'document'], required: ['source'] },
  document: { places: ['message', 'tool_result'], required: ['source'] },
  search_result: { places: ['message', 'tool_result'], required: ['source', 'title', 'content'] },
  tool_use: { places: ['message'], required: ['id', 'name', 'input'], role: 'assistant' },
  tool_result: { places: ['message'], required: ['tool_use_id'], role: 'user' },
  thinking: { places: ['message'], required: ['thinking', 'signature'] },
  redacted_thinking: { places: ['message'], required: ['data'] },
  /** What tool search answers with: a deferred tool, loaded by name. */
  tool_reference: { places: ['tool_result'], required: ['tool_name'], beta: 'advanced-tool-use-2025-11-20' },
  browser_state: { places: ['tool_result'], required: ['tabs'] },
  server_tool_use: { places: ['message'], required: ['id', 'name', 'input'], role: 'assistant' },
  web_search_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  web_fetch_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  advisor_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant', beta: 'advisor-tool-2026-03-01' },
  code_execution_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  bash_code_execution_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  text_editor_code_execution_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  tool_search_tool_result: { places: ['message'], required: ['tool_use_id', 'content'], role: 'assistant' },
  mcp_tool_use: { places: ['message'], required: ['id', 'name', 'server_name', 'input'], role: 'assistant', beta: 'mcp-client-2025-11-20' },
  mcp_tool_result: { places: ['message'], required: ['tool_use_id'], beta: 'mcp-client-2025-11-20' },
  mcp_tool_listing: { places: ['message'], required: ['mcp_server_name', 'tools'] },
  container_upload: { places: ['message'], required: ['file_id'] },
  compaction: { places: ['message'], required: [] },
  tool_addition: { places: ['message', 'system_message'], required: ['tool'] },
  tool_removal: { places: ['message', 'system_message'], required: ['tool'] },
  fallback: { places: ['message'], required: ['from', 'to'] },
} as const satisfies Record<string, BlockType>;

export type BlockTypeName = keyof typeof BLOCK_TYPES;

export const IMAGE_SOURCES: readonly string[] = ['base64', 'url', 'file'];
export const DOCUMENT_SOURCES: readonly string[] = ['base64', 'text', 'content', 'url', 'file'];

export interface ToolType {
  /** The fixed name the SDK declares; absent for custom tools and for toolsets, which have none. */
  name?: string;
  /** `server`: Anthropic runs it and the reply carries its result; `client`: the caller runs it. */
  runs: 'server' | 'client';
  /** Fields besides `type` (and `name`) the tool needs. */
  required?: readonly string[];
  beta?: string;
}

/** Tool types: `custom` (user-defined) and the Anthropic-defined, versioned ones. */
export const TOOL_TYPES: Readonly<Record<string, ToolType>> = {
  custom: { runs: 'client', required: ['name', 'input_schema'] },
  bash_20241022: { name: 'bash', runs: 'client', beta: 'computer-use-2024-10-22' },
  bash_20250124: { name: 'bash', runs: 'client' },
  code_execution_20250522: { name: 'code_execution', runs: 'server', beta: 'code-execution-2025-05-22' },
  code_execution_20250825: { name: 'code_execution', runs: 'server' },
  code_execution_20260120: { name: 'code_execution', runs: 'server' },
  code_execution_20260521: { name: 'code_execution', runs: 'server' },
  browser_toolset_20260801: { runs: 'client' },
  computer_20241022: { name: 'computer', runs: 'client', required: ['display_width_px', 'display_height_px'], beta: 'computer-use-2024-10-22' },
  computer_20250124: { name: 'computer', runs: 'client', required: ['display_width_px', 'display_height_px'], beta: 'computer-use-2025-01-24' },
  computer_20251124: { name: 'computer', runs: 'client', required: ['display_width_px', 'display_height_px'], beta: 'computer-use-2025-11-24' },
  computer_toolset_20260801: { runs: 'client' },
  memory_20250818: { name: 'memory', runs: 'client' },
  text_editor_20241022: { name: 'str_replace_editor', runs: 'client', beta: 'computer-use-2024-10-22' },
  text_editor_20250124: { name: 'str_replace_editor', runs: 'client' },
  text_editor_20250429: { name: 'str_replace_based_edit_tool', runs: 'client' },
  text_editor_20250728: { name: 'str_replace_based_edit_tool', runs: 'client' },
  web_search_20250305: { name: 'web_search', runs: 'server' },
  web_search_20260209: { name: 'web_search', runs: 'server' },
  web_search_20260318: { name: 'web_search', runs: 'server' },
  web_fetch_20250910: { name: 'web_fetch', runs: 'server' },
  web_fetch_20260209: { name: 'web_fetch', runs: 'server' },
  web_fetch_20260309: { name: 'web_fetch', runs: 'server' },
  web_fetch_20260318: { name: 'web_fetch', runs: 'server' },
  advisor_20260301: { name: 'advisor', runs: 'server', required: ['model'], beta: 'advisor-tool-2026-03-01' },
  tool_search_tool_bm25_20251119: { name: 'tool_search_tool_bm25', runs: 'server', beta: 'advanced-tool-use-2025-11-20' },
  tool_search_tool_bm25: { name: 'tool_search_tool_bm25', runs: 'server', beta: 'advanced-tool-use-2025-11-20' },
  tool_search_tool_regex_20251119: { name: 'tool_search_tool_regex', runs: 'server', beta: 'advanced-tool-use-2025-11-20' },
  tool_search_tool_regex: { name: 'tool_search_tool_regex', runs: 'server', beta: 'advanced-tool-use-2025-11-20' },
  mcp_toolset: { runs: 'server', required: ['mcp_server_name'], beta: 'mcp-client-2025-11-20' },
};

/** Options of a custom tool beyond name, description, input_schema and cache_control. */
export const CUSTOM_TOOL_OPTIONS: Readonly<Record<string, { kind: 'boolean' | 'list'; beta?: string }>> = {
  /** Left out of the prompt until tool search loads it (a `tool_reference`). */
  defer_loading: { kind: 'boolean', beta: 'advanced-tool-use-2025-11-20' },
  /** Structured outputs: the call's input must validate against input_schema. */
  strict: { kind: 'boolean', beta: 'structured-outputs-2025-11-13' },
  /** The input streams without waiting for whole JSON values. */
  eager_input_streaming: { kind: 'boolean' },
  input_examples: { kind: 'list' },
  allowed_callers: { kind: 'list' },
};

export const THINKING_TYPES: readonly string[] = ['enabled', 'disabled', 'adaptive', 'between_tools'];
export const TOOL_CHOICE_TYPES: readonly string[] = ['auto', 'any', 'tool', 'none'];
export const THREAD_TYPES: readonly string[] = ['create', 'continue'];
export const OUTPUT_EFFORTS: readonly string[] = ['low', 'medium', 'high', 'xhigh', 'max'];
export const OUTPUT_FORMATS: readonly string[] = ['json_schema'];

/** `anthropic-beta` values the SDK names. Any other value is passed on too; this list is what the simulator knows of. */
export const BETAS: readonly string[] = [
  'advanced-tool-use-2025-11-20',
  'advisor-tool-2026-03-01',
  'agent-memory-2026-07-22',
  'cache-diagnosis-2026-04-07',
  'claude-code-20250219',
  'code-execution-2025-05-22',
  'compact-2026-01-12',
  'compact-2026-09-04',
  'computer-use-2024-10-22',
  'computer-use-2025-01-24',
  'computer-use-2025-11-24',
  'context-1m-2025-08-07',
  'context-management-2025-06-27',
  'dev-full-thinking-2025-05-14',
  'experimental-claude-tag-2026-10-21',
  'extended-cache-ttl-2025-04-11',
  'fallback-credit-2026-06-01',
  'fallback-credit-2026-07-01',
  'fast-mode-2026-02-01',
  'files-api-2025-04-14',
  'fine-grained-tool-streaming-2025-05-14',
  'inline-tools-2026-09-15',
  'interleaved-thinking-2025-05-14',
  'mcp-client-2025-04-04',
  'mcp-client-2025-11-20',
  'mcp-client-2026-09-15',
  'mcp-tunnels-2026-06-22',
  'message-batches-2024-09-24',
  'message-threads-2026-08-12',
  'mid-conversation-output-config-2026-07-01',
  'mid-conversation-system-clear-at-2026-08-21',
  'mid-conversation-tool-changes-2026-07-01',
  'model-context-window-exceeded-2025-08-26',
  'output-128k-2025-02-19',
  'output-300k-2026-03-24',
  'pdfs-2024-09-25',
  'prompt-caching-2024-07-31',
  'prompt-caching-scope-2026-01-05',
  'server-side-fallback-2026-06-01',
  'server-side-fallback-2026-07-01',
  'skills-2025-10-02',
  'structured-outputs-2025-11-13',
  'task-budgets-2026-03-13',
  'thinking-binding-controls-2026-08-01',
  'thinking-display-updates-2026-08-18',
  'thinking-token-count-2026-05-13',
  'token-counting-2024-11-01',
  'token-efficient-tools-2025-02-19',
  'user-profiles-2026-03-24',
  'user-profiles-2026-08-18',
  'user-profiles-2026-09-04',
  'web-search-2025-03-05',
];

/**
 * Betas of the SDK's `AnthropicBeta` that are not Messages features (admin, billing, other APIs):
 * listed so the SDK test can tell "not ours" from "missing".
 */
export const OTHER_API_BETAS: readonly string[] = [
  'admin-user-sign-out-2026-10-08',
  'analytics-usage-cost-2026-08-24',
  'ce-claude-code-managed-settings-2026-10-06',
  'ce-plugins-2026-09-01',
  'ce-user-management-2026-07-13',
  'dreaming-2026-04-21',
  'efs-2026-10-01',
  'google-managed-data-controls-2026-09-01',
  'managed-agents-2026-04-01',
  'spend-limit-reads-2026-09-26',
  'telemetry-destinations-2026-08-11',
  'user-profiles-billing-2026-10-01',
  'webhooks-2026-10-07',
];
