// The forwarding backend that `anthropic` and `foundry` share: the request body with only its `model`
// replaced, the client's Anthropic headers and our credentials go up; the reply comes back as a
// passthrough, byte for byte, its usage tapped on the way.
import type { Agent } from 'node:http';
import type { UpstreamSettings } from '../../control/types.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Backend, BackendCall, PassthroughReply } from '../types.ts';
import { BodyTap } from './body.ts';
import { replyHeaders, upstreamRequestHeaders } from './headers.ts';
import { UpstreamBody } from './pipe.ts';
import type { UpstreamPool } from './pool.ts';
import { sendUpstream, type UpstreamTarget, upstreamTarget } from './send.ts';
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
  messages: UpstreamTarget;
  countTokens: UpstreamTarget;
  agent: Agent;
}

export function createUpstreamBackend(authHeaders: UpstreamAuthHeaders, pool: UpstreamPool): UpstreamBackend {
  // Settings objects live as long as their snapshot: their URLs are parsed and their pool found once.
  const endpoints = new WeakMap<UpstreamSettings, Endpoints>();
  function endpointsOf(settings: UpstreamSettings): Endpoints {
    let found = endpoints.get(settings);
    if (!found) {
      const messages = new URL(`${settings.baseUrl}/v1/messages`);
      found = {
        messages: upstreamTarget(messages),
        countTokens: upstreamTarget(new URL(`${settings.baseUrl}/v1/messages/count_tokens`)),
        agent: pool.agentFor(messages, settings.maxConnections),
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
    const res = await sendUpstream({
      target: endpoint[operation],
      agent: endpoint.agent,
      headers: upstreamRequestHeaders(call.headers, call.anthropicVersion, await authHeaders(settings), sent.length),
      body: sent,
      timeouts: settings.timeouts,
      signal: call.signal,
      label,
    });
    const status = res.statusCode ?? 502;
    const ok = status >= 200 && status < 300;
    const stream = ok && (res.headers['content-type'] ?? '').startsWith('text/event-stream');
    const { headers, requestId } = replyHeaders(res.headers, stream);
    const tap = new BodyTap({ stream, json: ok && !stream && operation === 'messages', signal: call.signal, label });
    const body = new UpstreamBody(res, tap, settings.timeouts.betweenChunksMs, label);
    const reply: PassthroughReply = { kind: 'passthrough', status, headers, stream, body, usage: tap.usage };
    if (requestId) reply.requestId = requestId;
    return reply;
  }

  return {
    messages: (call) => forward(call, 'messages'),
    countTokens: (call) => forward(call, 'countTokens'),
  };
}
