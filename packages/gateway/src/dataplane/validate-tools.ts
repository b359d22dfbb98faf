// `tools`, `tool_choice` and `thinking`: the request fields that configure how the model may act,
// and the rules that tie them together (a forced tool must exist; thinking cannot force tools).
import { CUSTOM_TOOL_OPTIONS, THINKING_TYPES as THINKING_TYPE_NAMES, TOOL_CHOICE_TYPES, TOOL_TYPES } from '../api/messages-api.ts';
import { toolType } from '../api/surface.ts';
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
  unionTag,
  type Union,
} from './validate-fields.ts';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
/** What a tool-type error lists: every tool type of the API's description. */
const TOOL_TYPE_UNION = union(Object.keys(TOOL_TYPES));
const optionsOfKind = (kind: 'boolean' | 'list'): string[] => Object.keys(CUSTOM_TOOL_OPTIONS).filter((key) => CUSTOM_TOOL_OPTIONS[key]!.kind === kind);
const BOOLEAN_TOOL_OPTIONS = optionsOfKind('boolean') as Array<'defer_loading' | 'strict' | 'eager_input_streaming'>;
const LIST_TOOL_OPTIONS = optionsOfKind('list');
const SCHEMA_COMBINATORS = ['oneOf', 'allOf', 'anyOf'] as const;

function typeOfTool(obj: JsonObject, path: string): string {
  const type = obj.type;
  if (type === undefined || type === null) return 'custom';
  return unionTag(obj, TOOL_TYPE_UNION, path);
}

/** defer_loading, strict, eager_input_streaming (kept on the tool) and the list options; `null` counts as absent. */
function customToolOptions(obj: JsonObject, tool: Tool, path: string): void {
  for (const key of BOOLEAN_TOOL_OPTIONS) {
    const value = optionalBoolean(obj[key] ?? undefined, `${path}.${key}`);
    if (value !== undefined) tool[key] = value;
  }
  for (const key of LIST_TOOL_OPTIONS) {
    if (obj[key] !== undefined && obj[key] !== null) requireList(obj[key], `${path}.${key}`);
  }
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
  customToolOptions(obj, tool, p);
  return tool;
}

/**
 * An Anthropic-defined tool: its fixed name (toolsets have none), required options and cache
 * breakpoint are checked, its other options passed through.
 */
function versionedTool(obj: JsonObject, type: string, path: string): Tool {
  const p = `${path}.${type}`;
  const spec = toolType(type);
  const name = spec?.name === undefined ? (typeof obj.mcp_server_name === 'string' ? obj.mcp_server_name : type) : requireLiteral(obj.name, [spec.name], `${p}.name`);
  for (const field of spec?.required ?? []) {
    if (obj[field] === undefined || obj[field] === null) fail(`${p}.${field}`, 'Field required');
  }
  const tool: Tool = { type, name };
  const cache = optionalCacheControl(obj.cache_control, `${p}.cache_control`);
  if (cache) tool.cache_control = cache;
  const defer = optionalBoolean(obj.defer_loading ?? undefined, `${p}.defer_loading`);
  if (defer !== undefined) tool.defer_loading = defer;
  return tool;
}

export function validateTools(value: unknown): Tool[] {
  const names = new Set<string>();
  return requireList(value, 'tools').map((item, i) => {
    const path = `tools.${i}`;
    const obj = requireObject(item, path);
    const type = typeOfTool(obj, path);
    const tool = type === 'custom' ? customTool(obj, path) : versionedTool(obj, type, path);
    // A toolset has no name of its own, so it cannot clash.
    if (toolType(type)?.name === undefined && type !== 'custom') return tool;
    if (names.has(tool.name)) throw invalidRequest('tools: Tool names must be unique.');
    names.add(tool.name);
    return tool;
  });
}

const TOOL_CHOICES: Union = union(TOOL_CHOICE_TYPES);

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

const THINKING_TYPES: Union = union(THINKING_TYPE_NAMES);
const DISPLAYS = ['summarized', 'omitted'] as const;

export function validateThinking(value: unknown): ThinkingConfig {
  const { obj, tag } = taggedObject(value, THINKING_TYPES, 'thinking');
  const p = `thinking.${tag}`;
  if (tag === 'disabled') return { type: 'disabled' };
  if (tag === 'between_tools') return { type: 'between_tools' };
  const display = obj.display === undefined || obj.display === null ? undefined : requireLiteral(obj.display, DISPLAYS, `${p}.display`);
  const config: ThinkingConfig =
    tag === 'enabled' ? { type: 'enabled', budget_tokens: requireInteger(obj.budget_tokens, `${p}.budget_tokens`, 1024) } : { type: 'adaptive' };
  if (display !== undefined) config.display = display;
  return config;
}
