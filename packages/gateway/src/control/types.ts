// Resources and deployments as the data plane sees them: plain values in an in-memory snapshot, built from the
// store (which the config file seeds and the ARM API changes) by control/build.ts.
import type { BlockList } from 'node:net';
import type { UpstreamPolicy } from '../backends/upstream/policy.ts';
import type { CatalogModel } from '../models/types.ts';

export interface SimulatorFaults {
  /** Probability (0..1) that a request answers 429 rate_limit_error with retry-after. */
  rate429: number;
  /** Probability that a request answers 500 api_error. */
  rate500: number;
  /** Probability that a request answers 529 overloaded_error. */
  rate529: number;
  /** Probability that a stream breaks off with `event: error` after its first content. */
  rateMidstream: number;
}

export interface SimulatorProfile {
  /** Time to first token, in milliseconds. */
  ttftMs: number;
  /** Output pace; 0 means as fast as possible. */
  tokensPerSecond: number;
  faults: SimulatorFaults;
}

export type DeploymentSku = 'GlobalStandard' | 'DataZoneStandard';

/** What serves a deployment: the embedded simulator, the Anthropic API, a real Foundry resource, or recordings. */
export type DeploymentBackend = 'simulator' | 'anthropic' | 'foundry' | 'replay' | 'pool';

/**
 * Requests, uncached input tokens and output tokens per minute (docs/upstreams.md "Quota model"): a deployment's
 * from its capacity or the config, a subscription's pool from its type.
 */
export interface RateLimits {
  rpm: number;
  itpm: number;
  otpm: number;
}

/** Which default quotas a subscription gets: pay-as-you-go, an Enterprise agreement or MCA-E, or a free trial. */
export type SubscriptionType = 'payg' | 'enterprise' | 'trial';

/** A secret from config or the environment: `reveal()` gives it; printing or serializing gives `[redacted]`. */
export interface SecretValue {
  reveal(): string;
}

/** Entra settings both credentials share: the token scope, and the authority for sovereign clouds. */
interface EntraCommon {
  kind: 'entra';
  scope: string;
  /** e.g. https://login.microsoftonline.us; absent: the public cloud. */
  authorityHost?: string;
}

export type UpstreamAuth =
  | { kind: 'key'; key: SecretValue }
  | (EntraCommon & { credential: 'default' })
  | (EntraCommon & { credential: 'clientSecret'; tenantId: string; clientId: string; clientSecret: SecretValue });

export interface UpstreamTimeouts {
  /** TCP connect (and TLS handshake) of a new connection. */
  connectMs: number;
  /** From the request sent to the response headers (a JSON reply's headers come when it is complete). */
  firstByteMs: number;
  /** Longest silence between two body chunks. */
  betweenChunksMs: number;
}

/** Where an `anthropic` or `foundry` deployment forwards, and how. */
export interface UpstreamSettings {
  /** e.g. `https://api.anthropic.com` or `https://{resource}.services.ai.azure.com/anthropic`; no trailing slash. */
  baseUrl: string;
  /** The `model` sent upstream: an Anthropic model id, or the upstream Foundry deployment's name. */
  model: string;
  auth: UpstreamAuth;
  timeouts: UpstreamTimeouts;
  /** Most open connections to the upstream's origin (a keep-alive pool). */
  maxConnections: number;
  /** Set when the endpoint arrived over ARM: every connection to it is checked against the config's upstream policy. */
  policy?: UpstreamPolicy;
}

/** One upstream of a pool: where it forwards (as a single upstream's settings), and how it is chosen. */
export interface PoolMemberSettings {
  /** Names it in the request log and /metrics; unique within the pool. */
  name: string;
  backend: 'anthropic' | 'foundry';
  upstream: UpstreamSettings;
  /** Its share of its priority group's requests, relative to the others'. */
  weight: number;
  /** Lower groups are tried first; a higher one only when every member of the lower ones is unavailable. */
  priority: number;
  /** Its own requests, uncached input and output tokens per minute: while spent it is skipped (not failed). A missing field is no limit. */
  rateLimits?: Partial<RateLimits>;
}

/** A circuit breaker per member: open when `failureRatio` of at least `minRequests` in `windowMs` failed. */
export interface BreakerSettings {
  windowMs: number;
  minRequests: number;
  failureRatio: number;
  /** How long it stays open before one probe request is let through (half-open). */
  openMs: number;
}

export interface PoolSettings {
  members: PoolMemberSettings[];
  /** Upstreams tried for one request, at most. */
  maxAttempts: number;
  /** No new attempt starts this long after the request reached the pool. */
  deadlineMs: number;
  breaker: BreakerSettings;
  /** Cache affinity (the default): requests sharing a cacheable prefix go to one member. Off: weighted random. */
  affinity: boolean;
}

/** Record mode: each upstream exchange is appended to a cassette (JSON lines). */
export interface RecordSettings {
  cassette: string;
  /** Replaced by `[REDACTED]` in what is written, besides keys and tokens. */
  redact: RegExp[];
}

/** `original` keeps the recorded pacing, `fast` drops it, a number divides it (2 = twice as fast). */
export type ReplayTiming = 'original' | 'fast' | number;

export interface ReplaySettings {
  cassette: string;
  timing: ReplayTiming;
}

export interface Deployment {
  /** What callers put in `model`. */
  name: string;
  /**
   * Tells a re-created deployment from the one deleted before it (its creation time), so per-deployment state such
   * as rate-limit buckets starts afresh, as a new deployment's quota does in Azure.
   */
  instance?: string;
  /** The catalog model this deployment serves, e.g. `claude-sonnet-4-6`. */
  model: string;
  /** The config's declaration of `model` when the catalog lacks it (`models` in the config): its limits, prices, dates. */
  declaredModel?: CatalogModel;
  backend: DeploymentBackend;
  sku: DeploymentSku;
  capacity: number;
  /** Set when the config overrides the limits derived from `capacity` (limits/capacity.ts). */
  rateLimits?: RateLimits;
  simulator: SimulatorProfile;
  /** Set for `anthropic` and `foundry`. */
  upstream?: UpstreamSettings;
  /** Set for `pool`: several upstreams behind the one deployment (backends/pool/). */
  pool?: PoolSettings;
  /** Set when this deployment records its upstream exchanges. */
  record?: RecordSettings;
  /** Set for `replay`. */
  replay?: ReplaySettings;
}

export interface Resource {
  name: string;
  /** This creation of the account (names.ts accountInstance, ARM's `internalId`): what its monitoring data is keyed by. */
  instance: string;
  /** When this instance was created, ms since the epoch. */
  createdAt: number;
  /** Where the resource sits in ARM: its ID is `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}`. */
  subscriptionId: string;
  resourceGroup: string;
  /** The subscription's type, which sets its default Claude quotas (limits/quota.ts). */
  subscriptionType: SubscriptionType;
  /** The config's `quotas`: a model's pool limits (by catalog id) instead of the type's defaults. */
  quotas: ReadonlyMap<string, RateLimits>;
  /** Key1 and Key2, as Azure names them. */
  keys: { key1: string; key2: string };
  /** When true, API keys are refused and only Entra tokens are accepted. */
  disableLocalAuth: boolean;
  /** Who may reach it: `publicNetworkAccess` and `networkAcls`, compiled (control/network.ts). */
  network: NetworkAccess;
  /** `properties.customSubDomainName`: a second name that addresses it by host or path. */
  customSubDomainName?: string;
  deployments: ReadonlyMap<string, Deployment>;
}

export interface NetworkAccess {
  /** `publicNetworkAccess: "Disabled"` refuses every caller (this gateway has no private endpoints). */
  publicAccess: boolean;
  /** `networkAcls.defaultAction: "Deny"`: only these addresses and ranges; absent: every address. */
  allowed?: BlockList;
}

export type KeyName = 'key1' | 'key2';
