// `tools`, `tool_choice` and `thinking`: the request fields that configure how the model may act,
// and the rules that tie them together (a forced tool must exist; thinking cannot force tools).
import { invalidRequest } from '../errors/index.ts';
import type { ThinkingConfig, Tool, ToolChoice } from './types.ts';
import {
  clip,
  fail,
  type JsonObject,
  optionalBoolean,
  optionalCacheControl,
  optionalString,
  requireDict,
  requireInteger,
  requireList,
  requireLiteral,
  requireObject,
  requireString,
  taggedObject,
  union,
  type Union,
} from './validate-fields.ts';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
/** Anthropic-defined tools are versioned by date: bash_20250124, text_editor_20250728, web_search_20250305... */
const VERSIONED_TOOL = /^[a-z][a-z0-9_]*_\d{8}$/;
/** Undated aliases the SDK also declares. */
const TOOL_ALIASES: ReadonlySet<string> = new Set(['tool_search_tool_bm25', 'tool_search_tool_regex']);
/** What a tool-type error lists: custom tools and the Anthropic-defined tools of `@anthropic-ai/sdk` 1.14. */
const TOOL_TYPES = union([
  'custom',
  'bash_20250124',
  'browser_toolset_20260801',
  'code_execution_20250522',
  'code_execution_20250825',
  'code_execution_20260120',
  'code_execution_20260521',
  'computer_toolset_20260801',
  'memory_20250818',
  'text_editor_20250124',
  'text_editor_20250429',
  'text_editor_20250728',
  'tool_search_tool_bm25_20251119',
  'tool_search_tool_regex_20251119',
  'web_fetch_20250910',
  'web_fetch_20260209',
  'web_fetch_20260309',
  'web_fetch_20260318',
  'web_search_20250305',
  'web_search_20260209',
  'web_search_20260318',
]);
const SCHEMA_COMBINATORS = ['oneOf', 'allOf', 'anyOf'] as const;

function toolType(obj: JsonObject, path: string): string {
  const type = obj.type;
  if (type === undefined || type === null || type === 'custom') return 'custom';
  if (typeof type === 'string' && (VERSIONED_TOOL.test(type) || TOOL_ALIASES.has(type))) return type;
  // Not a type we know: let the union check word the error.
  return taggedObject(obj, TOOL_TYPES, path).tag;
}

function inputSchema(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined) fail(path, 'Field required');
  const schema = requireDict(value, path);
  requireLiteral(schema.type, ['object'], `${path}.type`);
  if (SCHEMA_COMBINATORS.some((key) => schema[key] !== undefined)) {
    fail(path, 'input_schema does not support oneOf, allOf, or anyOf at the top level');
  }
  return schema;
}

function customTool(obj: JsonObject, path: string): Tool {
  const p = `${path}.custom`;
  const name = requireString(obj.name, `${p}.name`);
  if (!TOOL_NAME.test(name)) fail(`${p}.name`, "String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
  const tool: Tool = { type: 'custom', name, input_schema: inputSchema(obj.input_schema, `${p}.input_schema`) };
  const description = optionalString(obj.description, `${p}.description`);
  if (description !== undefined) tool.description = description;
  const cache = optionalCacheControl(obj.cache_control, `${p}.cache_control`);
  if (cache) tool.cache_control = cache;
  const strict = optionalBoolean(obj.strict, `${p}.strict`);
  if (strict !== undefined) tool.strict = strict;
  deferLoading(obj, p, tool);
  return tool;
}

function deferLoading(obj: JsonObject, path: string, tool: Tool): void {
  const defer = optionalBoolean(obj.defer_loading, `${path}.defer_loading`);
  if (defer !== undefined) tool.defer_loading = defer;
}

/** An Anthropic-defined tool: its name and cache breakpoint are read, its options passed through. */
function versionedTool(obj: JsonObject, type: string, path: string): Tool {
  const p = `${path}.${type}`;
  const tool: Tool = { type, name: requireString(obj.name, `${p}.name`) };
  const cache = optionalCacheControl(obj.cache_control, `${p}.cache_control`);
  if (cache) tool.cache_control = cache;
  deferLoading(obj, p, tool);
  return tool;
}

export function validateTools(value: unknown): Tool[] {
  const names = new Set<string>();
  return requireList(value, 'tools').map((item, i) => {
    const path = `tools.${i}`;
    const obj = requireObject(item, path);
    const type = toolType(obj, path);
    const tool = type === 'custom' ? customTool(obj, path) : versionedTool(obj, type, path);
    if (names.has(tool.name)) throw invalidRequest('tools: Tool names must be unique.');
    names.add(tool.name);
    return tool;
  });
}

const TOOL_CHOICES: Union = union(['auto', 'any', 'tool', 'none']);

export function validateToolChoice(value: unknown): ToolChoice {
  const { obj, tag } = taggedObject(value, TOOL_CHOICES, 'tool_choice');
  const p = `tool_choice.${tag}`;
  if (tag === 'none') return { type: 'none' };
  const name = tag === 'tool' ? requireString(obj.name, `${p}.name`) : undefined;
  const disable = optionalBoolean(obj.disable_parallel_tool_use, `${p}.disable_parallel_tool_use`);
  const options = disable === undefined ? {} : { disable_parallel_tool_use: disable };
  if (name !== undefined) return { type: 'tool', name, ...options };
  return { type: tag === 'any' ? 'any' : 'auto', ...options };
}

/** `any` and `tool` force a tool call, so there must be tools, and a named tool must be one of them. */
export function checkToolChoice(choice: ToolChoice, tools: Tool[] | undefined): void {
  if (choice.type !== 'any' && choice.type !== 'tool') return;
  if (!tools || tools.length === 0) {
    fail('tool_choice', `\`tool_choice\` of type '${choice.type}' requires \`tools\` to be provided`);
  }
  if (choice.type === 'tool' && !tools.some((tool) => tool.name === choice.name)) {
    fail('tool_choice.tool.name', `no tool named '${clip(choice.name)}' is provided in \`tools\``);
  }
}

const THINKING_TYPES: Union = union(['enabled', 'disabled', 'adaptive']);
const DISPLAYS = ['summarized', 'omitted'] as const;

export function validateThinking(value: unknown): ThinkingConfig {
  const { obj, tag } = taggedObject(value, THINKING_TYPES, 'thinking');
  const p = `thinking.${tag}`;
  if (tag === 'disabled') return { type: 'disabled' };
  const display = obj.display === undefined || obj.display === null ? undefined : requireLiteral(obj.display, DISPLAYS, `${p}.display`);
  const config: ThinkingConfig =
    tag === 'enabled' ? { type: 'enabled', budget_tokens: requireInteger(obj.budget_tokens, `${p}.budget_tokens`, 1024) } : { type: 'adaptive' };
  if (display !== undefined) config.display = display;
  return config;
}
