// Admitting a Messages request against its deployment's limits, and settling it once answered.
//
// Admission reserves 1 request and (estimated input tokens + max_tokens), or answers 429 in Azure's
// shape with retry-after. Settling, when the response closes, reconciles the tokens with the usage
// the reply reported: input + cache writes + output (cache reads are not counted, as on Anthropic's
// input-token limits). A reply that failed before any usage gives its tokens back; a client that
// went away reconciles with the usage seen so far, or keeps the whole estimate if none was seen.
import type { Deployment, Resource } from '../control/types.ts';
import type { BackendReply, TokenUsage } from '../backends/types.ts';
import { UsageTally } from '../backends/upstream/usage.ts';
import type { MessagesRequest } from '../dataplane/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { CatalogModel } from '../models/types.ts';
import { countInputTokens, type TokenModel } from '../tokens/count.ts';
import { deploymentLimits } from './capacity.ts';
import type { Limiter, Rejection, Reservation } from './index.ts';

/** For a model the catalog does not know: the legacy tokenizer and a typical tool prompt. */
const FALLBACK_TOKEN_MODEL: TokenModel = { tokenizer: 'legacy', toolSystemPromptTokens: 346 };

/** The tokens a settled request counts against TPM. */
export function countedTokens(usage: TokenUsage): number {
  return usage.input_tokens + usage.cache_creation_input_tokens + usage.output_tokens;
}

export class Admission {
  /** Stream events feed it as they are written. */
  readonly usage: UsageTally;
  readonly #reservation: Reservation;
  #pending: Promise<TokenUsage | undefined> | undefined;
  #settled = false;

  constructor(reservation: Reservation, model?: TokenModel) {
    this.#reservation = reservation;
    this.usage = new UsageTally(model);
  }

  /** Takes the usage a reply carries: a message's now, a passthrough's when its body is done. */
  observe(reply: BackendReply): void {
    if (reply.kind === 'message') this.usage.start(reply.message.usage);
    else if (reply.kind === 'passthrough') this.#pending = reply.usage;
  }

  /** Reconciles the reservation; call once the response has closed. */
  settle(aborted: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#pending) void this.#pending.then((usage) => this.#finish(usage, aborted), () => this.#finish(undefined, aborted));
    else this.#finish(this.usage.current, aborted);
  }

  #finish(usage: TokenUsage | undefined, aborted: boolean): void {
    if (usage) this.#reservation.reconcile(countedTokens(usage));
    else if (!aborted) this.#reservation.reconcile(0);
    // Aborted with no usage seen: the upstream may have worked on it; the estimate stands.
  }
}

/** The request's input tokens by the gateway's estimator: the context-window check and admission share one count. */
export function estimateInputTokens(request: MessagesRequest, model: CatalogModel | undefined): number {
  return countInputTokens(request, model ?? FALLBACK_TOKEN_MODEL);
}

/** Reserves the request's demand on its deployment, or throws the 429 that says when to retry. */
export async function admitMessages(
  limiter: Limiter,
  resource: Resource,
  deployment: Deployment,
  request: MessagesRequest,
  inputTokens: number,
  model?: CatalogModel,
): Promise<Admission> {
  const limits = deploymentLimits(deployment);
  const tokens = inputTokens + request.max_tokens;
  const key = `${resource.name.toLowerCase()}/${deployment.name}${deployment.instance ? `@${deployment.instance}` : ''}`;
  const outcome = await limiter.reserve(key, limits, { requests: 1, tokens });
  if (!outcome.ok) throw rateLimitError(deployment, outcome, limits.rpm, limits.tpm);
  return new Admission(outcome, model);
}

function rateLimitError(deployment: Deployment, rejection: Rejection, rpm: number, tpm: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(rejection.retryAfterMs / 1000));
  const what = rejection.limit === 'tokens' ? `token rate limit of ${tpm} tokens per minute` : `call rate limit of ${rpm} requests per minute`;
  return new GatewayError(
    'deployment_rate_limited',
    `Requests to the Messages API under deployment '${deployment.name}' have exceeded ${what}. ` +
      `Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { 'retry-after': String(seconds), 'retry-after-ms': String(Math.max(1, rejection.retryAfterMs)) },
  );
}
