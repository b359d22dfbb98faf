// Which headers cross the gateway: to the upstream, the Anthropic ones the client sent and our own
// credentials; back to the client, only what describes the reply (never the upstream's rate-limit
// headers, cookies, organization id or server names). docs/upstreams.md lists both sets.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AnthropicVersion } from '../../dataplane/types.ts';

/** Reply headers passed back, besides the upstream `request-id`, which becomes ours. */
const REPLY_HEADERS = ['content-type', 'retry-after', 'retry-after-ms', 'x-should-retry'] as const;

export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  version: AnthropicVersion,
  auth: Record<string, string>,
  bodyLength: number,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    'content-length': bodyLength,
    accept: 'application/json',
    // Bytes must pass through as they come: no compression to undo before the usage tap.
    'accept-encoding': 'identity',
    'anthropic-version': version,
    'user-agent': 'claude-foundry',
    ...auth,
  };
  const beta = client['anthropic-beta'];
  if (beta !== undefined) headers['anthropic-beta'] = Array.isArray(beta) ? beta.join(',') : beta;
  return headers;
}

export interface ReplyHeaders {
  headers: Record<string, string>;
  requestId: string | undefined;
}

export function replyHeaders(upstream: IncomingHttpHeaders, stream: boolean): ReplyHeaders {
  const headers: Record<string, string> = {};
  for (const name of REPLY_HEADERS) {
    const value = upstream[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const length = upstream['content-length'];
  if (!stream && length !== undefined) headers['content-length'] = length;
  if (stream) headers['cache-control'] = 'no-cache';
  const requestId = upstream['request-id'];
  return { headers, requestId: typeof requestId === 'string' && requestId.length <= 128 ? requestId : undefined };
}
