// The HttpClient @azure/identity is given for a pool member's Entra credentials (set over ARM): its requests (the
// authority's OpenID configuration, the token POST, a same-origin redirect its pipeline follows) are sent through undici
// with the upstream policy's connector (upstream/policy.ts), so a name that resolves to a loopback, private or
// link-local address is refused at connect, as the member's own connections are. Without it, @azure/identity would
// open its own connections, checked by name only when ARM accepted the authority.
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { Agent, type Dispatcher } from 'undici';
import { checkedConnector, type UpstreamPolicy, UpstreamRefused } from '../upstream/policy.ts';

/** Token requests are few (one an hour per credential): an idle connection is not worth keeping long. */
const IDLE_MS = 5_000;
const CONNECT_MS = 10_000;
/** Entra answers in well under a second; a token server that stalls must not hold every request waiting for the token for undici's default 5 minutes. */
const ANSWER_MS = 30_000;

type CreateHeaders = (raw: Record<string, string>) => PipelineResponse['headers'];

export class PolicyHttpClient implements HttpClient {
  readonly #agent: Agent;
  readonly #createHeaders: CreateHeaders;
  /** The last connection the policy refused, kept for the caller: MSAL reports it only as a network error. */
  refused: UpstreamRefused | undefined;

  constructor(policy: UpstreamPolicy, createHeaders: CreateHeaders) {
    const connector = checkedConnector(policy, { timeout: CONNECT_MS, allowH2: false });
    this.#agent = new Agent({
      keepAliveTimeout: IDLE_MS,
      keepAliveMaxTimeout: IDLE_MS,
      headersTimeout: ANSWER_MS,
      bodyTimeout: ANSWER_MS,
      connect: (options, callback) =>
        connector(options, (err, socket) => {
          if (err instanceof UpstreamRefused) this.refused = err;
          (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
        }),
    });
    this.#createHeaders = createHeaders;
  }

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const signals = [request.abortSignal as AbortSignal | undefined, request.timeout > 0 ? AbortSignal.timeout(request.timeout) : undefined].filter((s) => s !== undefined);
    const url = new URL(request.url);
    const res = await this.#agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers.toJSON({ preserveCase: true }) as Record<string, string>,
      body: bodyOf(request),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { request, status: res.statusCode, headers: this.#createHeaders(headers), bodyAsText: await res.body.text() };
  }
}

/** @azure/identity sends forms as strings; a body of any other kind would be a change in it, said plainly. */
function bodyOf(request: PipelineRequest): string | Uint8Array | null {
  const { body } = request;
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new Error(`The Entra token request has a body of a kind the gateway's HTTP client does not send (${Object.prototype.toString.call(body)}).`);
}
