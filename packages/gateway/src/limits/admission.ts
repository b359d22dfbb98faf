// Admitting a Messages request against Foundry's three limits, on its deployment and on its subscription's
// pool, and settling it once answered.
//
// Admission reserves 1 request, the estimated input and max_tokens of output (as Anthropic estimates OTPM from
// max_tokens), or answers 429 in Azure's shape naming the limit, with retry-after for that bucket. Settling, when
// the response closes, reconciles the tokens with the usage the reply reported: uncached input (input + cache
// writes; cache reads are excluded, as Foundry's ITPM excludes them) and output. A reply that failed before any
// usage gives its tokens back; a client that went away reconciles with the usage seen so far (output: at least
// what was forwarded), or keeps the whole estimate if none was seen.
import type { Deployment, Resource } from '../control/types.ts';
import type { BackendReply, TokenUsage } from '../backends/types.ts';
import { UsageTally } from '../backends/upstream/usage.ts';
import type { MessagesRequest } from '../dataplane/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { CatalogModel } from '../models/types.ts';
import { countInputTokens, type TokenModel } from '../tokens/count.ts';
import { deploymentLimits } from './capacity.ts';
import type { Limiter, Rejection, Reservation, Scope } from './index.ts';
import { poolKey, subscriptionQuota } from './quota.ts';

/** For a model the catalog does not know: the legacy tokenizer and a typical tool prompt. */
const FALLBACK_TOKEN_MODEL: TokenModel = { tokenizer: 'legacy', toolSystemPromptTokens: 346 };

/** The tokens a settled request counts against ITPM (uncached input) and OTPM. */
export function countedTokens(usage: TokenUsage): { input: number; output: number } {
  return { input: usage.input_tokens + usage.cache_creation_input_tokens, output: usage.output_tokens };
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
    settleWith(this.#reservation, usage, aborted);
  }
}

/**
 * Settles a reservation with the usage a reply reported; with none, a request that ran to its end used nothing,
 * while an aborted one keeps its estimate (the upstream may have worked on it).
 */
export function settleWith(reservation: Reservation, usage: TokenUsage | undefined, aborted: boolean): void {
  if (usage) reservation.reconcile(countedTokens(usage));
  else if (!aborted) reservation.reconcile({ input: 0, output: 0 });
}

/** The request's input tokens by the gateway's estimator: the context-window check and admission share one count. */
export function estimateInputTokens(request: MessagesRequest, model: CatalogModel | undefined): number {
  return countInputTokens(request, model ?? FALLBACK_TOKEN_MODEL);
}

/** The budgets a deployment draws from: its own, then its subscription's pool for the model (Global Standard). */
export function scopesOf(resource: Resource, deployment: Deployment): Scope[] {
  const own = { key: `${resource.name.toLowerCase()}/${deployment.name}${deployment.instance ? `@${deployment.instance}` : ''}`, limits: deploymentLimits(deployment) };
  const pool = poolKey(resource.subscriptionId, deployment.model, deployment.sku);
  return pool ? [own, { key: pool, limits: subscriptionQuota(deployment.model, resource.subscriptionType, resource.quotas) }] : [own];
}

/** Reserves the request's demand on its deployment and pool, or throws the 429 that says which limit and when to retry. */
export async function admitMessages(
  limiter: Limiter,
  resource: Resource,
  deployment: Deployment,
  request: MessagesRequest,
  inputTokens: number,
  model?: CatalogModel,
): Promise<Admission> {
  const scopes = scopesOf(resource, deployment);
  const outcome = await limiter.reserve(scopes, { requests: 1, input: inputTokens, output: request.max_tokens });
  if (!outcome.ok) throw rateLimitError(resource, deployment, outcome, scopes[outcome.scope]!);
  return new Admission(outcome, model);
}

const WHAT = {
  requests: (n: number) => `call rate limit of ${n} requests per minute`,
  input: (n: number) => `input token rate limit of ${n} input tokens per minute`,
  output: (n: number) => `output token rate limit of ${n} output tokens per minute`,
} as const;

function rateLimitError(resource: Resource, deployment: Deployment, rejection: Rejection, scope: Scope): GatewayError {
  const limit = rejection.limit === 'requests' ? scope.limits.rpm : rejection.limit === 'input' ? scope.limits.itpm : scope.limits.otpm;
  const under = `Requests to the Messages API under deployment '${deployment.name}'`;
  const pool = rejection.scope > 0 ? ` of the subscription's Global Standard quota for ${deployment.model}, shared by its deployments` : '';
  if (rejection.retryAfterMs === Infinity) {
    return new GatewayError(
      'deployment_rate_limited',
      `${under} have exceeded the ${WHAT[rejection.limit](limit)}${pool}: a ${resource.subscriptionType} subscription has no quota for ${deployment.model}. ` +
        'Use a pay-as-you-go or Enterprise subscription, or request a quota increase.',
    );
  }
  const seconds = Math.max(1, Math.ceil(rejection.retryAfterMs / 1000));
  return new GatewayError(
    'deployment_rate_limited',
    `${under} have exceeded ${WHAT[rejection.limit](limit)}${pool}. Please retry after ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { 'retry-after': String(seconds), 'retry-after-ms': String(Math.max(1, rejection.retryAfterMs)) },
  );
}
