// The one interface every model backend implements: simulator, anthropic, foundry and replay.
import type { IncomingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';
import type { Deployment, Resource } from '../control/types.ts';
import type { AnthropicVersion, CountTokensRequest, Message, MessagesRequest, StreamEvent } from '../dataplane/types.ts';

export interface BackendCall<R> {
  request: R;
  /** The body as received, for backends that forward it without re-serializing. */
  rawBody: Buffer;
  /** The request's query string with its `?` (`?beta=true` from Claude Code), or '': forwarded upstream as sent. */
  query?: string;
  resource: Resource;
  deployment: Deployment;
  anthropicVersion: AnthropicVersion;
  headers: IncomingHttpHeaders;
  requestId: string;
  /** Aborted when the client goes away; a backend stops its work on it. */
  signal: AbortSignal;
  /** The gateway's estimate of the request's input tokens (messages only): a pool draws its members' budgets with it. */
  inputTokens?: number;
  /** Filled by a pool backend for the request log: the member that served, and each attempt. */
  route?: PoolRoute;
}

/** What a pool did for one request: `attempts` as "member status" in order (e.g. "east 529", "west 200"). */
export interface PoolRoute {
  upstream?: string | undefined;
  attempts: string[];
}

/** Tokens one reply used, as the Messages API reports them: cumulative totals, cache writes split 5m/1h. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/**
 * A passthrough's body chunks. A body that can also `pipeTo` a writable is written from its source's
 * events (no promise per chunk); either way the outcome is the same. Read it one way, once.
 */
export interface PassthroughBody extends AsyncIterable<Uint8Array> {
  /** Writes every chunk to `out`, pausing while it is full; resolves when done or `signal` aborts, rejects as iterating would throw. */
  pipeTo?(out: Writable, signal: AbortSignal): Promise<void>;
}

/**
 * An upstream's answer, written out byte for byte: its status, the headers to send (already
 * filtered: no hop-by-hop, no `anthropic-ratelimit-*`) and its body chunks as they arrive.
 */
export interface PassthroughReply {
  kind: 'passthrough';
  status: number;
  headers: Record<string, string>;
  /** True for `text/event-stream`: a failure mid-body then ends it with `event: error`. */
  stream: boolean;
  /** Yields whole SSE events (or JSON chunks); throws a GatewayError when the upstream fails midway. */
  body: PassthroughBody;
  /** The usage tapped from the body: settles when the body ends, fails or is abandoned (undefined if none was seen). */
  usage: Promise<TokenUsage | undefined>;
  /** The upstream's `request-id`, kept as ours. */
  requestId?: string;
}

/**
 * What a backend answers. Throwing a GatewayError before answering sends that error;
 * an error thrown while `events` (or a passthrough body) is being read ends the stream with `event: error`.
 */
export type BackendReply = { kind: 'message'; message: Message } | { kind: 'events'; events: AsyncIterable<StreamEvent> } | PassthroughReply;

/** A backend that counts tokens itself (the simulator) answers `{input_tokens}`; one that forwards answers a passthrough. */
export interface Backend<Counted extends { input_tokens: number } | PassthroughReply = { input_tokens: number }> {
  messages(call: BackendCall<MessagesRequest>): Promise<BackendReply>;
  countTokens(call: BackendCall<CountTokensRequest>): Promise<Counted>;
}

/** Any backend, as the data plane holds them. */
export type AnyBackend = Backend<{ input_tokens: number } | PassthroughReply>;
