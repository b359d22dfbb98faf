// Server-side message threads (beta `message-threads-2026-08-12`): the simulator holds the conversation.
//
// `thread: {type: 'create'}` answers the full conversation and holds it, with the reply, under the
// reply's `id`; `{type: 'continue', previous_message_id}` sends only the new messages, which follow
// the held ones, and takes `system` and `tools` from the thread. The wire format and errors are the
// official SDK's (`@anthropic-ai/sdk` 1.16: BetaThreadCreateParams, ThreadNotFoundError and its
// siblings, lib/internal/threads/ThreadState.ts):
// - `thread_not_found` (404): nothing held under that id (expired after the TTL, evicted, restart);
// - `thread_already_continued` (400): each reply can be continued once;
// - `thread_fingerprint_mismatch` (400): a continue sends a `system` or `tools` other than the thread's;
// - `thread_unsupported_request` (400, `details.unsupported`): `thread` with a field threads do not
//   support; of the SDK's ThreadUnsupportedFeatureName values, the request fields
//   `cache_control` (top level), `context_management` and `thinking` (enabled or adaptive).
// The store is in memory, per resource and deployment, bounded (LRU) and expiring.
import { GatewayError, invalidRequest } from '../../errors/index.ts';
import type { ContentBlockParam, Message, MessageParam, MessagesRequest } from '../../dataplane/types.ts';
import { canonicalJson } from './seed.ts';

export const MESSAGE_THREADS_BETA = 'message-threads-2026-08-12';
export const DEFAULT_THREAD_ENTRIES = 10_000;
export const DEFAULT_THREAD_TTL_MS = 60 * 60_000;

interface Held {
  /** Empty once continued: only the fact is kept, to say so. */
  messages: MessageParam[];
  system: MessagesRequest['system'];
  tools: MessagesRequest['tools'];
  expiresAt: number;
  continued: boolean;
}

function threadError(message: string, details: Record<string, unknown>): GatewayError {
  return new GatewayError('invalid_request', message, {}, details);
}

function betasOf(header: string | string[] | undefined): string[] {
  return (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((b) => b.trim());
}

/** The request fields threads do not support, as `details.unsupported` names them. */
function unsupportedFields(request: MessagesRequest): string[] {
  const unsupported: string[] = [];
  if (request.cache_control !== undefined) unsupported.push('cache_control');
  if (request.extra?.['context_management'] !== undefined) unsupported.push('context_management');
  if (request.thinking !== undefined && request.thinking.type !== 'disabled') unsupported.push('thinking');
  return unsupported;
}

export class ThreadStore {
  readonly #held = new Map<string, Held>();
  readonly #clock: () => number;
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(clock: () => number, maxEntries = DEFAULT_THREAD_ENTRIES, ttlMs = DEFAULT_THREAD_TTL_MS) {
    this.#clock = clock;
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#held.size;
  }

  /**
   * The request as the model reads it: for a continue, the held conversation then the new messages,
   * with the thread's system and tools. Throws the API's thread errors; a request without `thread`
   * comes back as it is.
   */
  expand(scope: string, request: MessagesRequest, betaHeader: string | string[] | undefined): MessagesRequest {
    const thread = request.thread;
    if (thread === undefined) return request;
    if (!betasOf(betaHeader).includes(MESSAGE_THREADS_BETA)) {
      throw invalidRequest(`thread: Extra inputs are not permitted (message threads need the anthropic-beta header '${MESSAGE_THREADS_BETA}')`);
    }
    const unsupported = unsupportedFields(request);
    if (unsupported.length > 0) {
      throw threadError(
        `Threads do not support ${unsupported.map((f) => `\`${f}\``).join(', ')}. Send the full conversation without \`thread\`, or leave out that field.`,
        { error_code: 'thread_unsupported_request', unsupported },
      );
    }
    if (thread.type === 'create') return request;
    const key = `${scope}\n${thread.previous_message_id}`;
    const held = this.#live(key);
    if (held === undefined) {
      throw new GatewayError(
        'thread_not_found',
        `No thread is held for previous_message_id '${thread.previous_message_id.slice(0, 64)}': it expired, was evicted, or the gateway restarted. Replay the full conversation with thread: {"type": "create"} to start a new thread.`,
        {},
        { error_code: 'thread_not_found' },
      );
    }
    if (held.continued) {
      throw threadError(
        `The reply '${thread.previous_message_id.slice(0, 64)}' has already been continued; each reply can be continued once. Continue from the thread's latest reply.`,
        { error_code: 'thread_already_continued' },
      );
    }
    const changed = (['system', 'tools'] as const).filter((f) => request[f] !== undefined && canonicalJson(request[f]) !== canonicalJson(held[f]));
    if (changed.length > 0) {
      throw threadError(
        `${changed.map((f) => `\`${f}\``).join(' and ')} differ from the thread's. Send the thread's values or none, or replay the full conversation with thread: {"type": "create"} to change them.`,
        { error_code: 'thread_fingerprint_mismatch' },
      );
    }
    const expanded: MessagesRequest = { ...request, messages: [...held.messages, ...request.messages] };
    if (held.system !== undefined) expanded.system = held.system;
    else delete expanded.system;
    if (held.tools !== undefined) expanded.tools = held.tools;
    else delete expanded.tools;
    // Continued once: the history moves on to the reply this request makes.
    this.#put(key, { ...held, messages: [], continued: true });
    return expanded;
  }

  /** Holds the conversation `expanded` answered by `reply`, for a continue from `reply.id`. */
  hold(scope: string, expanded: MessagesRequest, reply: Message): void {
    if (expanded.thread === undefined) return;
    this.#put(`${scope}\n${reply.id}`, {
      messages: [...expanded.messages, { role: 'assistant', content: reply.content as unknown as ContentBlockParam[] }],
      system: expanded.system,
      tools: expanded.tools,
      expiresAt: this.#clock() + this.#ttlMs,
      continued: false,
    });
  }

  #live(key: string): Held | undefined {
    const held = this.#held.get(key);
    if (held !== undefined && held.expiresAt <= this.#clock()) this.#held.delete(key);
    return held !== undefined && held.expiresAt > this.#clock() ? held : undefined;
  }

  #put(key: string, held: Held): void {
    this.#held.delete(key);
    this.#held.set(key, held);
    if (this.#held.size > this.#maxEntries) this.#held.delete(this.#held.keys().next().value as string);
  }
}
