// A scripted reply as the Messages API sends it: a Message (JSON, or streamed in wire order by the
// simulator's stream.ts) with usage counted as the simulator counts it, so `input_tokens` equals what
// count_tokens answers; or an error, written as an upstream's would be (status, body, retry headers).
import { createHash } from 'node:crypto';
import type { ContentBlock, Message, MessagesRequest, StreamEvent } from '../../dataplane/types.ts';
import { type ErrorCode, GatewayError } from '../../errors/index.ts';
import { base58FromBytes, newMessageId } from '../../ids/index.ts';
import type { CatalogModel } from '../../models/types.ts';
import { countInputTokens, countTextTokens, scaleTextTokens } from '../../tokens/count.ts';
import type { BackendReply, PassthroughReply } from '../types.ts';
import { tokensMs, wait, type Pace } from '../simulator/pacing.ts';
import { streamMessage } from '../simulator/stream.ts';
import type { ScriptedError, ScriptedMessage, STREAM_ERROR_TYPES } from './rules.ts';

/** The catalogue entry each stream error type is sent as (`event: error` carries the type). */
const STREAM_ERRORS: Record<keyof typeof STREAM_ERROR_TYPES, ErrorCode> = {
  invalid_request_error: 'invalid_request',
  not_found_error: 'replay_no_match',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limited',
  api_error: 'api_error',
  timeout_error: 'gateway_timeout',
  overloaded_error: 'overloaded',
};

export interface PlayContext {
  request: MessagesRequest;
  model: CatalogModel;
  /** The deployment's own pace, used where the reply sets none. */
  pace: Pace;
  signal: AbortSignal;
  requestId: string;
  /** Seeds tool-use ids the reply leaves out, so the same conversation turn gets the same ids. */
  seed: string;
}

export async function play(reply: ScriptedMessage | ScriptedError, context: PlayContext): Promise<BackendReply> {
  if (reply.kind === 'error') {
    await wait(reply.ttftMs ?? 0, context.signal);
    return errorReply(reply.status, reply.shape, reply.code, reply.message, reply.headers, context.requestId);
  }
  const message = messageOf(reply, context);
  const pace: Pace = { ttftMs: reply.ttftMs ?? context.pace.ttftMs, tokensPerSecond: reply.tokensPerSecond ?? context.pace.tokensPerSecond };
  const streamError = reply.streamError;
  if (context.request.stream) {
    const events = streamMessage(message, { pace, signal: context.signal, breakAfterFirstDelta: false });
    return { kind: 'events', events: streamError ? endWithError(events, new GatewayError(STREAM_ERRORS[streamError.type], streamError.message)) : events };
  }
  await wait(pace.ttftMs + tokensMs(message.usage.output_tokens, pace), context.signal);
  if (streamError) {
    const error = new GatewayError(STREAM_ERRORS[streamError.type], streamError.message);
    return errorReply(error.status, 'anthropic', streamError.type, streamError.message, {}, context.requestId);
  }
  return { kind: 'message', message };
}

function messageOf(reply: ScriptedMessage, context: PlayContext): Message {
  let textTokens = 0;
  const content = reply.content.map((block, i): ContentBlock => {
    switch (block.type) {
      case 'text':
        textTokens += countTextTokens(block.text);
        return { type: 'text', text: block.text };
      case 'thinking':
        textTokens += countTextTokens(block.thinking);
        return { type: 'thinking', thinking: block.thinking, signature: block.signature ?? signatureOf(block.thinking) };
      case 'tool_use': {
        textTokens += countTextTokens(block.name) + countTextTokens(JSON.stringify(block.input));
        return { type: 'tool_use', id: block.id ?? toolUseId(context.seed, i), name: block.name, input: block.input };
      }
    }
  });
  const override = reply.usage;
  const cacheCreation = override.cache_creation_input_tokens ?? 0;
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: context.request.model,
    content,
    stop_reason: reply.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    stop_sequence: reply.stopSequence ?? null,
    usage: {
      input_tokens: override.input_tokens ?? countInputTokens(context.request, context.model),
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: override.cache_read_input_tokens ?? 0,
      cache_creation: override.cache_creation ?? { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
      output_tokens: override.output_tokens ?? scaleTextTokens(textTokens, context.model),
      service_tier: 'standard',
    },
  };
}

/** `toolu_01` and 22 base58 characters, as real ids are, derived from the conversation turn. */
function toolUseId(seed: string, index: number): string {
  return `toolu_01${base58FromBytes(createHash('sha256').update(`${seed}\0${index}`).digest(), 22)}`;
}

/** Opaque, like a real signature; nothing checks it, since scripted thinking is not the simulator's to sign. */
function signatureOf(thinking: string): string {
  return createHash('sha256').update(`scenario-thinking\0${thinking}`).digest('base64');
}

/** The stream's content, then `event: error` where message_delta and message_stop would be. */
async function* endWithError(events: AsyncIterable<StreamEvent>, error: GatewayError): AsyncGenerator<StreamEvent> {
  for await (const event of events) {
    if (event.type === 'message_delta') throw error;
    yield event;
  }
}

/** An error answered as an upstream would send it: its status, its body in its dialect, its retry headers. */
function errorReply(status: number, shape: 'anthropic' | 'azure', code: string, message: string, headers: Record<string, string>, requestId: string): PassthroughReply {
  const body =
    shape === 'azure'
      ? JSON.stringify({ error: { code, message } })
      : JSON.stringify({ type: 'error', error: { type: code, message }, request_id: requestId });
  const bytes = Buffer.from(body);
  return {
    kind: 'passthrough',
    status,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
    stream: false,
    body: (async function* () {
      yield bytes;
    })(),
    usage: Promise.resolve(undefined),
  };
}
