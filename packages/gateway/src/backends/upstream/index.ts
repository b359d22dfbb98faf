// The forwarding backend that `anthropic` and `foundry` share: the request body with only its `model`
// replaced, the client's Anthropic headers and our credentials go up; the reply comes back as a
// passthrough, byte for byte, its usage tapped on the way.
import type { Pool } from 'undici';
import type { UpstreamSettings } from '../../control/types.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { servedModel } from '../../models/catalog.ts';
import type { Backend, BackendCall, PassthroughReply } from '../types.ts';
import { BodyTap } from './body.ts';
import { replyHeaders, upstreamRequestHeaders } from './headers.ts';
import { UpstreamBody } from './pipe.ts';
import type { UpstreamPool } from './pool.ts';
import { sendUpstream } from './send.ts';
import { replaceModel } from './splice.ts';

export { UpstreamPool } from './pool.ts';
export { UsageTally } from './usage.ts';

/** The credential headers for a deployment's upstream (an API key, or a fresh Entra token). */
export type UpstreamAuthHeaders = (settings: UpstreamSettings) => Record<string, string> | Promise<Record<string, string>>;

/** A backend whose every answer is a passthrough. */
export interface UpstreamBackend extends Backend<PassthroughReply> {
  messages(call: BackendCall<MessagesRequest>): Promise<PassthroughReply>;
}

interface Endpoints {
  /** The paths of the two operations on the upstream's origin. */
  messages: string;
  countTokens: string;
  pool: Pool;
}

export function createUpstreamBackend(authHeaders: UpstreamAuthHeaders, pool: UpstreamPool): UpstreamBackend {
  // Settings objects live as long as their snapshot: their URLs are parsed and their pool found once.
  const endpoints = new WeakMap<UpstreamSettings, Endpoints>();
  function endpointsOf(settings: UpstreamSettings): Endpoints {
    let found = endpoints.get(settings);
    if (!found) {
      const messages = new URL(`${settings.baseUrl}/v1/messages`);
      const countTokens = new URL(`${settings.baseUrl}/v1/messages/count_tokens`);
      found = {
        messages: `${messages.pathname}${messages.search}`,
        countTokens: `${countTokens.pathname}${countTokens.search}`,
        pool: pool.poolFor(messages, settings.maxConnections, settings.timeouts.connectMs, settings.policy),
      };
      endpoints.set(settings, found);
    }
    return found;
  }

  async function forward(call: BackendCall<{ model: string }>, operation: 'messages' | 'countTokens'): Promise<PassthroughReply> {
    const settings = call.deployment.upstream;
    const label = `The upstream of deployment '${call.deployment.name}'`;
    if (!settings) throw new GatewayError('api_error', `Deployment '${call.deployment.name}' has no upstream settings.`);
    const endpoint = endpointsOf(settings);
    const sent = call.request.model === settings.model ? call.rawBody : replaceModel(call.rawBody, settings.model);
    // A key is at hand; an Entra token may have to be fetched.
    const credentials = authHeaders(settings);
    const exchange = await sendUpstream({
      pool: endpoint.pool,
      path: withQuery(endpoint[operation], call.query),
      headers: upstreamRequestHeaders(call.headers, call.anthropicVersion, credentials instanceof Promise ? await credentials : credentials, sent.length),
      body: sent,
      timeouts: settings.timeouts,
      signal: call.signal,
      label,
    });
    const { status } = exchange;
    const ok = status >= 200 && status < 300;
    const stream = ok && (exchange.headers['content-type'] ?? '').startsWith('text/event-stream');
    const { headers, requestId } = replyHeaders(exchange.headers, stream);
    const tap = new BodyTap({ stream, json: ok && !stream && operation === 'messages', signal: call.signal, label, tokens: servedModel(call.deployment) });
    const body = new UpstreamBody(exchange, tap);
    const reply: PassthroughReply = { kind: 'passthrough', status, headers, stream, body, usage: tap.usage };
    if (requestId) reply.requestId = requestId;
    return reply;
  }

  return {
    messages: (call) => forward(call, 'messages'),
    countTokens: (call) => forward(call, 'countTokens'),
  };
}

/** The caller's query (Claude Code's `?beta=true`) goes upstream as sent, after any the base URL has. */
function withQuery(path: string, query: string | undefined): string {
  if (!query || query === '?') return path;
  return path.includes('?') ? `${path}&${query.slice(1)}` : `${path}${query}`;
}
