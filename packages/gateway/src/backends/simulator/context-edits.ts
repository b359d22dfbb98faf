// Context management edits (`context_management.edits`): what the model reads after the API clears old context.
//
// As documented for the beta `context-management-2025-06-27` (platform.claude.com, "Context editing"):
// - `clear_tool_uses_20250919`: once the prompt reaches `trigger` (default 100,000 input tokens; or
//   a number of tool uses), the results of all tool uses but the last `keep` (default 3), less
//   `exclude_tools`, are replaced by a placeholder; with `clear_tool_inputs` (true, or a list of tool
//   names) their inputs are emptied too. If `clear_at_least` is set and fewer tokens would be
//   cleared, nothing is.
// - `clear_thinking_20251015`: thinking blocks of all assistant turns but the last `keep` (default 1
//   thinking turn; `all` keeps every one) are removed.
// Each edit that cleared something is reported in `context_management.applied_edits` with the
// tokens it cleared (the token estimate before minus after, so usage stays countInputTokens of
// what the model reads), and count_tokens answers the edited count and `original_input_tokens`.
import type { ContentBlockParam, CountTokensRequest, MessageParam } from '../../dataplane/types.ts';
import { countInputTokens, type TokenModel } from '../../tokens/count.ts';

const DEFAULT_TRIGGER_TOKENS = 100_000;
const DEFAULT_KEEP_TOOL_USES = 3;
const DEFAULT_KEEP_THINKING_TURNS = 1;
export const CLEARED_TOOL_RESULT = '[Tool result cleared by context management]';

type Edit = Record<string, unknown>;
export type AppliedEdit = Record<string, unknown> & { type: string; cleared_input_tokens: number };

export type EditedPrompt<R> =
  /** No `context_management`: the reply then has no such key. */
  | { request: R; applied: undefined }
  | { request: R; applied: AppliedEdit[]; originalInputTokens: number };

function valueOf(setting: unknown, type: string, fallback: number): number {
  const s = setting as { type?: unknown; value?: unknown } | undefined;
  return s?.type === type && typeof s.value === 'number' ? s.value : fallback;
}

function clearToolUses(messages: MessageParam[], edit: Edit, tokens: number): { messages: MessageParam[]; cleared: number } | undefined {
  const uses = messages.flatMap((m) => (m.role === 'assistant' ? m.content.filter((b) => b.type === 'tool_use') : []));
  const trigger = edit['trigger'] as { type?: string } | undefined;
  const reached = trigger?.type === 'tool_uses' ? uses.length >= valueOf(trigger, 'tool_uses', 0) : tokens >= valueOf(trigger, 'input_tokens', DEFAULT_TRIGGER_TOKENS);
  if (!reached) return undefined;
  const excluded = new Set(Array.isArray(edit['exclude_tools']) ? (edit['exclude_tools'] as string[]) : []);
  const keep = valueOf(edit['keep'], 'tool_uses', DEFAULT_KEEP_TOOL_USES);
  const cleared = uses.slice(0, Math.max(0, uses.length - keep)).filter((u) => !excluded.has(u.name));
  if (cleared.length === 0) return undefined;
  const ids = new Set(cleared.map((u) => u.id));
  const inputs = edit['clear_tool_inputs'];
  const clearsInput = (name: string) => inputs === true || (Array.isArray(inputs) && inputs.includes(name));
  const edited = messages.map((m) => ({
    role: m.role,
    content: m.content.map((b): ContentBlockParam => {
      if (b.type === 'tool_result' && ids.has(b.tool_use_id)) return { ...b, content: CLEARED_TOOL_RESULT };
      if (b.type === 'tool_use' && ids.has(b.id) && clearsInput(b.name)) return { ...b, input: {} };
      return b;
    }),
  }));
  return { messages: edited, cleared: cleared.length };
}

function clearThinking(messages: MessageParam[], edit: Edit): { messages: MessageParam[]; cleared: number } | undefined {
  const keepSetting = edit['keep'];
  if (keepSetting === 'all' || (keepSetting as { type?: unknown } | undefined)?.type === 'all') return undefined;
  const keep = valueOf(keepSetting, 'thinking_turns', DEFAULT_KEEP_THINKING_TURNS);
  const thinks = (m: MessageParam) => m.role === 'assistant' && m.content.some((b) => b.type === 'thinking' || b.type === 'redacted_thinking');
  const turns = messages.map((m, i) => (thinks(m) ? i : -1)).filter((i) => i >= 0);
  const cleared = new Set(turns.slice(0, Math.max(0, turns.length - keep)));
  if (cleared.size === 0) return undefined;
  const edited = messages.map((m, i) => (cleared.has(i) ? { role: m.role, content: m.content.filter((b) => b.type !== 'thinking' && b.type !== 'redacted_thinking') } : m));
  return { messages: edited, cleared: cleared.size };
}

/** The request as the model reads it after the edits, and what each edit cleared. */
export function applyContextEdits<R extends CountTokensRequest>(request: R, model: TokenModel): EditedPrompt<R> {
  const config = request.extra?.['context_management'] as { edits?: unknown } | undefined;
  if (config === undefined) return { request, applied: undefined };
  const originalInputTokens = countInputTokens(request, model);
  const applied: AppliedEdit[] = [];
  let current = request;
  let tokens = originalInputTokens;
  for (const edit of Array.isArray(config.edits) ? (config.edits as Edit[]) : []) {
    const result =
      edit['type'] === 'clear_tool_uses_20250919' ? clearToolUses(current.messages, edit, tokens) : edit['type'] === 'clear_thinking_20251015' ? clearThinking(current.messages, edit) : undefined;
    if (result === undefined) continue;
    const next = { ...current, messages: result.messages };
    const after = countInputTokens(next, model);
    if (edit['type'] === 'clear_tool_uses_20250919' && tokens - after < valueOf(edit['clear_at_least'], 'input_tokens', 0)) continue;
    const counter = edit['type'] === 'clear_tool_uses_20250919' ? 'cleared_tool_uses' : 'cleared_thinking_turns';
    applied.push({ type: String(edit['type']), cleared_input_tokens: tokens - after, [counter]: result.cleared });
    current = next;
    tokens = after;
  }
  return { request: current, applied, originalInputTokens };
}
