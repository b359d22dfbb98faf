// Streaming: a finished Message replayed as server-sent events in wire order, paced and abortable.
//
// Order (foundry-wire.md section 3.6): message_start (no content, null stop reason, output_tokens
// 1); per block content_block_start, deltas, content_block_stop; one ping after the first
// content_block_start; message_delta with the cumulative usage; message_stop. Text and thinking go
// out in chunks of DELTA_TOKENS tokens, a thinking block's signature in one signature_delta just
// before its stop, tool input as input_json_delta chunks of its JSON (the first one empty).
import type { ContentBlock, Message, StreamEvent } from '../../dataplane/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { chunkByTokens, countTextTokens } from '../../tokens/count.ts';
import { throwIfAborted, tokensMs, wait, type Pace } from './pacing.ts';

const DELTA_TOKENS = 4;
const JSON_DELTA_TOKENS = 8;

type Delta = Extract<StreamEvent, { type: 'content_block_delta' }>['delta'];

export interface StreamOptions {
  pace: Pace;
  signal: AbortSignal;
  /** Break off with an overloaded error right after the first content delta (fault `midstream`). */
  breakAfterFirstDelta: boolean;
}

/** The block as `content_block_start` carries it: empty text and input, whole server tool results. */
function emptyBlock(block: ContentBlock): ContentBlock {
  switch (block.type) {
    case 'text':
      return block.citations === undefined ? { type: 'text', text: '' } : { type: 'text', text: '', citations: [] };
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'tool_use':
    case 'server_tool_use':
      return { type: block.type, id: block.id, name: block.name, input: {} };
    default:
      return block;
  }
}

function deltasOf(block: ContentBlock): Delta[] {
  switch (block.type) {
    case 'text':
      return [
        // As the API streams a cited text: each citation, then the text it covers.
        ...(block.citations ?? []).map((citation): Delta => ({ type: 'citations_delta', citation })),
        ...chunkByTokens(block.text, DELTA_TOKENS).map((text): Delta => ({ type: 'text_delta', text })),
      ];
    case 'thinking':
      return [
        ...chunkByTokens(block.thinking, DELTA_TOKENS).map((thinking): Delta => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ];
    case 'tool_use':
    case 'server_tool_use':
      return ['', ...chunkByTokens(JSON.stringify(block.input), JSON_DELTA_TOKENS)].map((partial_json) => ({
        type: 'input_json_delta',
        partial_json,
      }));
    default:
      return [];
  }
}

function deltaText(delta: Delta): string {
  switch (delta.type) {
    case 'text_delta':
      return delta.text;
    case 'thinking_delta':
      return delta.thinking;
    case 'input_json_delta':
      return delta.partial_json;
    case 'signature_delta':
    case 'citations_delta':
      return '';
  }
}

export async function* streamMessage(message: Message, options: StreamOptions): AsyncGenerator<StreamEvent> {
  const { pace, signal } = options;
  throwIfAborted(signal);
  // The applied context edits come with message_delta, as the API streams them.
  const { context_management, ...start } = message;
  yield {
    type: 'message_start',
    message: { ...start, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage, output_tokens: 1 } },
  };
  let firstDelta = true;
  for (const [index, block] of message.content.entries()) {
    throwIfAborted(signal);
    yield { type: 'content_block_start', index, content_block: emptyBlock(block) };
    if (index === 0) yield { type: 'ping' };
    for (const delta of deltasOf(block)) {
      await wait(firstDelta ? pace.ttftMs : tokensMs(countTextTokens(deltaText(delta)), pace), signal);
      yield { type: 'content_block_delta', index, delta };
      if (firstDelta && options.breakAfterFirstDelta) throw new GatewayError('overloaded');
      firstDelta = false;
    }
    throwIfAborted(signal);
    yield { type: 'content_block_stop', index };
  }
  if (options.breakAfterFirstDelta) throw new GatewayError('overloaded');
  throwIfAborted(signal);
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, server_tool_use } = message.usage;
  yield {
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, ...(server_tool_use && { server_tool_use }) },
    ...(context_management && { context_management }),
  };
  throwIfAborted(signal);
  yield { type: 'message_stop' };
}
