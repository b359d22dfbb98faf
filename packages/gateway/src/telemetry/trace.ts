// The per-request record the data plane fills in as it goes: a few field assignments on the hot path.
// Telemetry finishes it once, when the response closes (after the last byte, an error, or a client leaving).
import type { Principal } from '../auth/authenticate.ts';
import type { PassthroughReply, PoolRoute, TokenUsage } from '../backends/types.ts';
import type { UsageTally } from '../backends/upstream/usage.ts';
import type { Deployment, Resource } from '../control/types.ts';
import type { StreamEvent } from '../dataplane/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { Correlation } from '../http/respond.ts';
import type { SpanIds } from './otlp.ts';

/** Request and response bodies, kept only for a resource with content logging, each cut at `limit` bytes. */
export class ContentCapture {
  readonly limit: number;
  request = '';
  response = '';
  truncated = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  setRequest(body: Buffer): void {
    this.truncated ||= body.length > this.limit;
    this.request = body.subarray(0, this.limit).toString('utf8');
  }

  addResponse(text: string): void {
    const room = this.limit - this.response.length;
    if (room <= 0) {
      this.truncated ||= text.length > 0;
      return;
    }
    if (text.length > room) this.truncated = true;
    this.response += text.length > room ? text.slice(0, room) : text;
  }
}

export class RequestTrace {
  readonly time = Date.now();
  readonly start = performance.now();
  readonly ids: Correlation;
  readonly clientIp: string | undefined;
  readonly userAgent: string | undefined;
  operation: 'messages' | 'count_tokens' | undefined;
  resource: Resource | undefined;
  principal: Principal | undefined;
  deployment: Deployment | undefined;
  stream = false;
  errorCode: string | undefined;
  /** The reply's usage: the admission's tally, fed by the message or the stream's events. */
  usage: UsageTally | undefined;
  /** A passthrough's usage, settled when its body ends. */
  pendingUsage: Promise<TokenUsage | undefined> | undefined;
  firstByte: number | undefined;
  firstToken: number | undefined;
  backendWaitMs = 0;
  /** A pool backend's choices (backends/pool/): the serving member and the attempts. */
  readonly route: PoolRoute = { attempts: [] };
  /** When the backend was first called (performance.now): the upstream span's start. */
  backendStart: number | undefined;
  /** The trace context, only while the OTLP exporter is on. */
  spans: SpanIds | undefined;
  content: ContentCapture | undefined;
  #waitingSince: number | undefined;
  readonly #contentLimit: (resource: Resource) => number;

  constructor(ids: Correlation, clientIp: string | undefined, userAgent: string | undefined, contentLimit: (resource: Resource) => number) {
    this.ids = ids;
    this.clientIp = clientIp;
    this.userAgent = userAgent;
    this.#contentLimit = contentLimit;
  }

  /**
   * The resource the URL or Host names, known before credentials are checked: a refusal (401, 403, 404) is then
   * counted in that resource's log, usage and metrics, not under no resource.
   */
  addressed(resource: Resource): void {
    this.resource = resource;
  }

  /** Whether the body asked to stream, known before validation: a refused stream is recorded as one. */
  requested(json: unknown): void {
    if (typeof json === 'object' && json !== null && (json as { stream?: unknown }).stream === true) this.stream = true;
  }

  authenticated(resource: Resource, principal: Principal): void {
    this.resource = resource;
    this.principal = principal;
    const limit = this.#contentLimit(resource);
    if (limit > 0) this.content = new ContentCapture(limit);
  }

  /** The request body, kept only when the resource logs content. */
  body(raw: Buffer): void {
    this.content?.setRequest(raw);
  }

  /** The gateway now waits on the backend (a call, or a stream's next event). */
  waiting(): void {
    this.#waitingSince = performance.now();
    this.backendStart ??= this.#waitingSince;
  }

  /** The backend answered: the wait since `waiting()` counts as backend time, not gateway overhead. */
  answered(): void {
    if (this.#waitingSince === undefined) return;
    this.backendWaitMs += performance.now() - this.#waitingSince;
    this.#waitingSince = undefined;
  }

  /** A JSON body is about to be sent. */
  responded(body: string): void {
    this.firstByte ??= performance.now();
    this.content?.addResponse(body);
  }

  /** A stream event was written; the wait for the next one starts. */
  event(event: StreamEvent, data: string): void {
    const now = performance.now();
    this.firstByte ??= now;
    if (this.firstToken === undefined && event.type === 'content_block_delta') this.firstToken = now;
    if (this.content) this.content.addResponse(`event: ${event.type}\ndata: ${data}\n\n`);
    this.#waitingSince = now;
  }

  /**
   * An upstream's reply passed through byte for byte: its headers go out now, its usage settles when its body
   * ends, and the whole body is upstream time until `answered()`.
   */
  passthrough(reply: PassthroughReply): void {
    this.firstByte ??= performance.now();
    // count_tokens is free: only a Messages reply's usage is priced.
    if (this.operation === 'messages') this.pendingUsage = reply.usage;
    this.#waitingSince = this.firstByte;
  }

  /** What failed; the last failure wins (a stream's `event: error` after its 200). */
  fail(err: unknown): void {
    this.answered();
    this.errorCode = err instanceof GatewayError ? err.code : 'api_error';
  }
}
