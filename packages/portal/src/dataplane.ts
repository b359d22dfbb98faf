// One streamed Messages call from the playground: fetch on the page's own origin, addressed by path
// (/{resource}/anthropic/v1/messages, as the SDKs' baseURL does), the SSE read by eventsource-parser and folded
// into the reply's content blocks and usage as each event arrives.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; partial?: string };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export interface Reply {
  requestId: string;
  blocks: Block[];
  usage: Usage;
  stopReason: string | null;
}

export class CallError extends Error {
  readonly requestId: string | undefined;
  constructor(message: string, requestId: string | undefined) {
    super(message);
    this.requestId = requestId;
  }
}

/** The fields of the stream's events the playground reads. */
interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: Partial<Usage> };
  content_block?: Block;
  delta?: { type?: string; text?: string; thinking?: string; signature?: string; partial_json?: string; stop_reason?: string };
  usage?: Partial<Usage>;
  error?: { type?: string; message?: string };
}

const emptyUsage = (): Usage => ({
  input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0,
  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
});

/** Usage as the API streams it: message_start's, then each message_delta's fields replace (never add to) it. */
function mergeUsage(into: Usage, from: Partial<Usage> | undefined): void {
  if (!from) return;
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    if (typeof from[key] === 'number') into[key] = from[key];
  }
  if (from.cache_creation) into.cache_creation = { ...into.cache_creation, ...from.cache_creation };
}

const errorText = (body: string, status: number) => {
  try {
    const json = JSON.parse(body) as { error?: { message?: string; type?: string; code?: string } };
    if (json.error?.message) return `${status} ${json.error.type ?? json.error.code ?? ''}: ${json.error.message}`;
  } catch {
    // not JSON: the status says enough
  }
  return `The gateway answered ${status}.`;
};

/**
 * Streams one reply, calling `onUpdate` with the reply so far after every event. `auth` is the header that
 * authenticates it (x-api-key with a key the user's role may list, or Authorization with a data-plane token).
 */
export async function streamMessage(
  resource: string, auth: Record<string, string>, body: Record<string, unknown>, onUpdate: (reply: Reply) => void, signal?: AbortSignal,
): Promise<Reply> {
  const res = await fetch(`/${encodeURIComponent(resource)}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...auth },
    body: JSON.stringify({ ...body, stream: true }),
    ...(signal ? { signal } : {}),
  });
  const requestId = res.headers.get('request-id') ?? '';
  if (!res.ok || !res.body) throw new CallError(errorText(await res.text(), res.status), requestId || undefined);
  const reply: Reply = { requestId, blocks: [], usage: emptyUsage(), stopReason: null };
  let failure: string | undefined;
  const onEvent = (event: EventSourceMessage) => {
    const data = JSON.parse(event.data) as StreamEvent;
    const block = data.index === undefined ? undefined : reply.blocks[data.index];
    const delta = data.delta ?? {};
    switch (data.type) {
      case 'message_start':
        mergeUsage(reply.usage, data.message?.usage);
        break;
      case 'content_block_start':
        if (data.index !== undefined && data.content_block) reply.blocks[data.index] = { ...data.content_block };
        break;
      case 'content_block_delta':
        if (block?.type === 'text' && delta.type === 'text_delta') block.text += delta.text ?? '';
        else if (block?.type === 'thinking' && delta.type === 'thinking_delta') block.thinking += delta.thinking ?? '';
        else if (block?.type === 'thinking' && delta.type === 'signature_delta') block.signature = delta.signature ?? '';
        else if (block?.type === 'tool_use' && delta.type === 'input_json_delta') block.partial = (block.partial ?? '') + (delta.partial_json ?? '');
        break;
      case 'content_block_stop':
        if (block?.type === 'tool_use' && block.partial !== undefined) {
          block.input = block.partial ? JSON.parse(block.partial) : {};
          delete block.partial;
        }
        break;
      case 'message_delta':
        reply.stopReason = delta.stop_reason ?? reply.stopReason;
        mergeUsage(reply.usage, data.usage);
        break;
      case 'error':
        failure = `${data.error?.type ?? 'error'}: ${data.error?.message ?? 'the stream ended with an error.'}`;
        break;
    }
    onUpdate({ ...reply, blocks: [...reply.blocks] });
  };
  const parser = createParser({ onEvent });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  if (failure) throw new CallError(failure, requestId);
  return reply;
}
