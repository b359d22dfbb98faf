// Which headers cross the gateway: to the upstream, the Anthropic ones the client sent and our own
// credentials; back to the client, only what describes the reply (never the upstream's rate-limit
// headers, cookies, organization id or server names). docs/upstreams.md lists both sets. undici hands
// a reply's headers over lower-cased with repeats as arrays; they are folded as node:http folds them.
import type { IncomingHttpHeaders } from 'node:http';
import type { AnthropicVersion } from '../../dataplane/types.ts';

/** Reply headers passed back, besides the upstream `request-id`, which becomes ours. */
const REPLY_HEADERS = ['content-type', 'retry-after', 'retry-after-ms', 'x-should-retry'] as const;

export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  version: AnthropicVersion,
  auth: Record<string, string>,
  bodyLength: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(bodyLength),
    accept: 'application/json',
    // Bytes must pass through as they come: no compression to undo before the usage tap.
    'accept-encoding': 'identity',
    'anthropic-version': version,
    'user-agent': 'claude-foundry',
    ...auth,
  };
  const beta = client['anthropic-beta'];
  if (beta !== undefined) headers['anthropic-beta'] = Array.isArray(beta) ? beta.join(',') : beta;
  // W3C trace context goes up as an intermediary passes it (the gateway's own span's, when OTLP is on).
  const { traceparent, tracestate } = client;
  if (typeof traceparent === 'string') headers['traceparent'] = traceparent;
  if (typeof tracestate === 'string') headers['tracestate'] = tracestate;
  return headers;
}

/** Fields that node:http keeps the first of when a reply repeats them; others are joined (set-cookie: a list). */
const FIRST_ONLY = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/** undici's parsed reply headers (lower-cased, repeats as arrays), made what IncomingMessage.headers would be. Reuses `parsed`. */
export function incomingHeaders(parsed: Record<string, string | string[] | undefined>): IncomingHttpHeaders {
  for (const name in parsed) {
    const value = parsed[name];
    if (name === 'set-cookie') {
      if (typeof value === 'string') parsed[name] = [value];
    } else if (Array.isArray(value)) {
      parsed[name] = FIRST_ONLY.has(name) ? value[0] : value.join(name === 'cookie' ? '; ' : ', ');
    }
  }
  return parsed as IncomingHttpHeaders;
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
