// The description of the Messages API (messages-api.ts) compiled once, at load, into the sets and
// lists its readers look things up in; nothing here runs per request.
import { BLOCK_TYPES, type BlockPlace, type BlockType, type BlockTypeName, type Endpoint, REQUEST_FIELDS, TOOL_TYPES, type ToolType } from './messages-api.ts';

function blockTypesIn(place: BlockPlace): readonly BlockTypeName[] {
  return (Object.keys(BLOCK_TYPES) as BlockTypeName[]).filter((type) => (BLOCK_TYPES[type].places as readonly BlockPlace[]).includes(place));
}

/** Block types per place: in a message's content, in `tool_result.content`, in a `content` document source. */
export const blockTypes: Readonly<Record<BlockPlace, readonly BlockTypeName[]>> = {
  message: blockTypesIn('message'),
  tool_result: blockTypesIn('tool_result'),
  document: blockTypesIn('document'),
  system_message: blockTypesIn('system_message'),
};

/** The description of one block type; undefined for a type the API does not have. */
export function blockType(type: string): BlockType | undefined {
  return Object.hasOwn(BLOCK_TYPES, type) ? BLOCK_TYPES[type as BlockTypeName] : undefined;
}

/** Block types that belong to one role's messages (tool calls and server tool results: the assistant's). */
export const blockRoles: ReadonlyMap<string, 'user' | 'assistant'> = new Map(
  Object.entries(BLOCK_TYPES as Readonly<Record<string, BlockType>>).flatMap(([type, spec]) => (spec.role === undefined ? [] : [[type, spec.role] as const])),
);

/** The description of one tool type; undefined for a type the API does not have. */
export function toolType(type: string): ToolType | undefined {
  return Object.hasOwn(TOOL_TYPES, type) ? TOOL_TYPES[type] : undefined;
}

function fieldsOf(endpoint: Endpoint, simulator?: 'read' | 'kept'): ReadonlySet<string> {
  const names = Object.entries(REQUEST_FIELDS).filter(([, f]) => f.endpoints.includes(endpoint) && (simulator === undefined || f.simulator === simulator));
  return new Set(names.map(([name]) => name));
}

/** Top-level body fields per endpoint: all of them, and those the simulator keeps without reading. */
export const requestFields: Readonly<Record<Endpoint, { all: ReadonlySet<string>; kept: readonly string[] }>> = {
  messages: { all: fieldsOf('messages'), kept: [...fieldsOf('messages', 'kept')] },
  count_tokens: { all: fieldsOf('count_tokens'), kept: [...fieldsOf('count_tokens', 'kept')] },
};
