// The one interface every model backend implements (simulator now; anthropic, foundry, replay later).
import type { IncomingHttpHeaders } from 'node:http';
import type { Deployment, Resource } from '../control/types.ts';
import type { AnthropicVersion, CountTokensRequest, Message, MessagesRequest, StreamEvent } from '../dataplane/types.ts';

export interface BackendCall<R> {
  request: R;
  /** The body as received, for backends that forward it without re-serializing. */
  rawBody: Buffer;
  resource: Resource;
  deployment: Deployment;
  anthropicVersion: AnthropicVersion;
  headers: IncomingHttpHeaders;
  requestId: string;
  /** Aborted when the client goes away; a backend stops its work on it. */
  signal: AbortSignal;
}

/**
 * What a backend answers. Throwing a GatewayError before answering sends that error;
 * an error thrown while `events` is being read ends the stream with `event: error`.
 */
export type BackendReply = { kind: 'message'; message: Message } | { kind: 'events'; events: AsyncIterable<StreamEvent> };

export interface Backend {
  messages(call: BackendCall<MessagesRequest>): Promise<BackendReply>;
  countTokens(call: BackendCall<CountTokensRequest>): Promise<{ input_tokens: number }>;
}
