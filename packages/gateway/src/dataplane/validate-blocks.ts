// Content blocks of the Messages API: one function per block type, each turning an untrusted JSON
// value into its typed param. Paths follow the real API, which names the union member taken:
// `messages.1.content.0.tool_use.id`, `messages.0.content.2.image.source.base64.media_type`.
// Fields the gateway does not read (a tool_use's `caller`, an image's `transformations`...) are
// let through unvalidated and left out of the typed value; the raw body still carries them. Which
// block types exist, and where, comes from the API's description (api/messages-api.ts); the types
// the simulator does not read are checked for their required fields and kept as sent.
import { DOCUMENT_SOURCES as DOCUMENT_SOURCE_TYPES, IMAGE_SOURCES as IMAGE_SOURCE_TYPES } from '../api/messages-api.ts';
import { blockType, blockTypes } from '../api/surface.ts';
import type {
  CacheControl,
  ContentBlockParam,
  DocumentBlockParam,
  ImageBlockParam,
  OtherBlockParam,
  RedactedThinkingBlockParam,
  SearchResultBlockParam,
  TextBlockParam,
  ThinkingBlockParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from './types.ts';
import {
  fail,
  type JsonObject,
  optionalBoolean,
  optionalCacheControl,
  optionalString,
  requireDict,
  requireList,
  requireLiteral,
  requireObject,
  requireString,
  taggedObject,
  union,
} from './validate-fields.ts';

const MESSAGE_BLOCKS = union(blockTypes.message);
const TOOL_RESULT_BLOCKS = union(blockTypes.tool_result);
const DOCUMENT_CONTENT_BLOCKS = union(blockTypes.document);
const TEXT_ONLY = union(['text']);
const IMAGE_SOURCES = union(IMAGE_SOURCE_TYPES);
const DOCUMENT_SOURCES = union(DOCUMENT_SOURCE_TYPES);
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * Where a text block sits, for the one message the real API reports without an index:
 * `messages: text content blocks must be non-empty` (or `system: ...`).
 */
export type TextRoot = 'messages' | 'system';

function withCache<T extends { cache_control?: CacheControl }>(block: T, obj: JsonObject, path: string): T {
  const cache = optionalCacheControl(obj.cache_control, `${path}.cache_control`);
  if (cache) block.cache_control = cache;
  return block;
}

export function textBlock(obj: JsonObject, path: string, root: TextRoot): TextBlockParam {
  const p = `${path}.text`;
  const text = requireString(obj.text, `${p}.text`);
  if (text === '') fail(root, 'text content blocks must be non-empty');
  const block: TextBlockParam = { type: 'text', text };
  if (obj.citations !== undefined && obj.citations !== null) block.citations = requireList(obj.citations, `${p}.citations`);
  return withCache(block, obj, p);
}

function imageSource(value: unknown, path: string): Record<string, unknown> {
  const { obj, tag } = taggedObject(value, IMAGE_SOURCES, path);
  const p = `${path}.${tag}`;
  if (tag === 'base64') {
    const mediaType = requireLiteral(obj.media_type, IMAGE_MEDIA_TYPES, `${p}.media_type`);
    return { type: 'base64', media_type: mediaType, data: requireString(obj.data, `${p}.data`) };
  }
  if (tag === 'url') return { type: 'url', url: requireString(obj.url, `${p}.url`) };
  return { type: 'file', file_id: requireString(obj.file_id, `${p}.file_id`) };
}

function imageBlock(obj: JsonObject, path: string): ImageBlockParam {
  const p = `${path}.image`;
  const block: ImageBlockParam = { type: 'image', source: imageSource(obj.source, `${p}.source`) };
  return withCache(block, obj, p);
}

function documentContent(value: unknown, path: string): string | Array<TextBlockParam | ImageBlockParam | OtherBlockParam> {
  if (typeof value === 'string') return value;
  if (value === undefined) fail(path, 'Field required');
  return requireList(value, path).map((item, i) => {
    const p = `${path}.${i}`;
    const { obj, tag } = taggedObject(item, DOCUMENT_CONTENT_BLOCKS, p);
    if (tag === 'text') return textBlock(obj, p, 'messages');
    if (tag === 'image') return imageBlock(obj, p);
    return otherBlock(obj, tag, p);
  });
}

function documentSource(value: unknown, path: string): Record<string, unknown> {
  const { obj, tag } = taggedObject(value, DOCUMENT_SOURCES, path);
  const p = `${path}.${tag}`;
  switch (tag) {
    case 'base64':
      requireLiteral(obj.media_type, ['application/pdf'], `${p}.media_type`);
      return { type: 'base64', media_type: 'application/pdf', data: requireString(obj.data, `${p}.data`) };
    case 'text':
      requireLiteral(obj.media_type, ['text/plain'], `${p}.media_type`);
      return { type: 'text', media_type: 'text/plain', data: requireString(obj.data, `${p}.data`) };
    case 'content':
      return { type: 'content', content: documentContent(obj.content, `${p}.content`) };
    case 'url':
      return { type: 'url', url: requireString(obj.url, `${p}.url`) };
    default:
      return { type: 'file', file_id: requireString(obj.file_id, `${p}.file_id`) };
  }
}

function documentBlock(obj: JsonObject, path: string): DocumentBlockParam {
  const p = `${path}.document`;
  const block: DocumentBlockParam = { type: 'document', source: documentSource(obj.source, `${p}.source`) };
  const title = optionalString(obj.title, `${p}.title`);
  if (title !== undefined) block.title = title;
  const context = optionalString(obj.context, `${p}.context`);
  if (context !== undefined) block.context = context;
  if (obj.citations !== undefined && obj.citations !== null) block.citations = requireObject(obj.citations, `${p}.citations`);
  return withCache(block, obj, p);
}

function searchResultBlock(obj: JsonObject, path: string): SearchResultBlockParam {
  const p = `${path}.search_result`;
  const source = requireString(obj.source, `${p}.source`);
  const title = requireString(obj.title, `${p}.title`);
  if (obj.content === undefined) fail(`${p}.content`, 'Field required');
  const content = requireList(obj.content, `${p}.content`).map((item, i) => {
    const { obj: text } = taggedObject(item, TEXT_ONLY, `${p}.content.${i}`);
    return textBlock(text, `${p}.content.${i}`, 'messages');
  });
  const block: SearchResultBlockParam = { type: 'search_result', source, title, content };
  if (obj.citations !== undefined && obj.citations !== null) block.citations = requireObject(obj.citations, `${p}.citations`);
  return withCache(block, obj, p);
}

function toolUseBlock(obj: JsonObject, path: string): ToolUseBlockParam {
  const p = `${path}.tool_use`;
  const id = requireString(obj.id, `${p}.id`);
  if (!TOOL_USE_ID.test(id)) fail(`${p}.id`, "String should match pattern '^[a-zA-Z0-9_-]+$'");
  const name = requireString(obj.name, `${p}.name`);
  if (obj.input === undefined) fail(`${p}.input`, 'Field required');
  const input = requireDict(obj.input, `${p}.input`);
  const block: ToolUseBlockParam = { type: 'tool_use', id, name, input };
  return withCache(block, obj, p);
}

function toolResultContent(value: unknown, path: string): ToolResultBlockParam['content'] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value;
  return requireList(value, path).map((item, i) => {
    const p = `${path}.${i}`;
    const { obj, tag } = taggedObject(item, TOOL_RESULT_BLOCKS, p);
    if (tag === 'text') return textBlock(obj, p, 'messages');
    if (tag === 'image') return imageBlock(obj, p);
    if (tag === 'document') return documentBlock(obj, p);
    if (tag === 'search_result') return searchResultBlock(obj, p);
    return otherBlock(obj, tag, p);
  });
}

function toolResultBlock(obj: JsonObject, path: string): ToolResultBlockParam {
  const p = `${path}.tool_result`;
  const toolUseId = requireString(obj.tool_use_id, `${p}.tool_use_id`);
  const block: ToolResultBlockParam = { type: 'tool_result', tool_use_id: toolUseId, content: toolResultContent(obj.content, `${p}.content`) };
  const isError = optionalBoolean(obj.is_error, `${p}.is_error`);
  if (isError !== undefined) block.is_error = isError;
  return withCache(block, obj, p);
}

/** Thinking blocks cannot carry a cache breakpoint: the real API has no such field on them. */
function refuseCacheControl(obj: JsonObject, path: string): void {
  if (obj.cache_control !== undefined) fail(`${path}.cache_control`, 'Extra inputs are not permitted');
}

function thinkingBlock(obj: JsonObject, path: string): ThinkingBlockParam {
  const p = `${path}.thinking`;
  const thinking = requireString(obj.thinking, `${p}.thinking`);
  const signature = requireString(obj.signature, `${p}.signature`);
  refuseCacheControl(obj, p);
  return { type: 'thinking', thinking, signature };
}

function redactedThinkingBlock(obj: JsonObject, path: string): RedactedThinkingBlockParam {
  const p = `${path}.redacted_thinking`;
  const data = requireString(obj.data, `${p}.data`);
  refuseCacheControl(obj, p);
  return { type: 'redacted_thinking', data };
}

/**
 * A block the simulator does not read (tool_reference, server_tool_use, web_search_tool_result...):
 * its required fields must be there and its cache breakpoint well formed; it is kept as sent.
 */
function otherBlock(obj: JsonObject, tag: string, path: string): OtherBlockParam {
  const p = `${path}.${tag}`;
  for (const field of blockType(tag)?.required ?? []) {
    if (obj[field] === undefined || obj[field] === null) fail(`${p}.${field}`, 'Field required');
  }
  optionalCacheControl(obj.cache_control, `${p}.cache_control`);
  return obj as OtherBlockParam;
}

/** One block of a message's `content` array. */
export function contentBlock(value: unknown, path: string): ContentBlockParam {
  const { obj, tag } = taggedObject(value, MESSAGE_BLOCKS, path);
  switch (tag) {
    case 'text':
      return textBlock(obj, path, 'messages');
    case 'image':
      return imageBlock(obj, path);
    case 'document':
      return documentBlock(obj, path);
    case 'search_result':
      return searchResultBlock(obj, path);
    case 'tool_use':
      return toolUseBlock(obj, path);
    case 'tool_result':
      return toolResultBlock(obj, path);
    case 'thinking':
      return thinkingBlock(obj, path);
    case 'redacted_thinking':
      return redactedThinkingBlock(obj, path);
    default:
      return otherBlock(obj, tag, path);
  }
}

/** The top-level `system`: a string or an array of text blocks, normalised to blocks. */
export function systemBlocks(value: unknown): TextBlockParam[] {
  // An empty system string means "no system prompt"; the SDKs and many clients send it.
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  return requireList(value, 'system').map((item, i) => {
    const { obj } = taggedObject(item, TEXT_ONLY, `system.${i}`);
    return textBlock(obj, `system.${i}`, 'system');
  });
}
