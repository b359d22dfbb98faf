// The config file's schema: every key, its type and range, its default and what it means, in one place.
// Loading checks a file against it first (unknown keys, wrong types: config/strict.ts); the RawConfig type is
// inferred from it; docs/configuration.md's table is generated from it (scripts/config-table.ts).
import { z } from 'zod';

/** What the docs' table says of a field. */
export interface FieldDoc {
  default: string;
  meaning: string;
  /** Its keys are documented under another path (the table does not repeat them). */
  sameAs?: string;
}

/** A documented optional field. */
function doc<T extends z.ZodType>(schema: T, defaultText: string, meaning: string) {
  return schema.optional().meta({ doc: { default: defaultText, meaning } satisfies FieldDoc });
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const text = () => z.string().min(1);
const strings = () => z.array(text());

const faults = z.strictObject({
  rate429: doc(z.number().min(0).max(1), '`0`', 'probability per request of a 429 `rate_limit_error`'),
  rate500: doc(z.number().min(0).max(1), '`0`', 'probability per request of a 500 `api_error`'),
  rate529: doc(z.number().min(0).max(1), '`0`', 'probability per request of a 529 `overloaded_error`'),
  rateMidstream: doc(z.number().min(0).max(1), '`0`', 'probability per request of a stream broken by `event: error`'),
});

const simulator = z.strictObject({
  ttftMs: doc(int(0, 600_000), '`0`', 'simulated time to first token'),
  tokensPerSecond: doc(z.number().min(0).max(1_000_000), '`0` (no pacing)', 'simulated output speed'),
  faults: doc(faults, '—', 'fault injection'),
});

const timeouts = z.strictObject({
  connectMs: doc(int(1, 3_600_000), '`10000`', 'connecting to the upstream'),
  firstByteMs: doc(int(1, 3_600_000), '`600000`', 'waiting for the response headers'),
  betweenChunksMs: doc(int(1, 3_600_000), '`300000`', 'waiting between two body chunks'),
});

const entra = z.union([
  z.literal(true),
  z.strictObject({
    credential: doc(z.enum(['default', 'clientSecret']), '`default` (`clientSecret` with `tenantId`)', 'which @azure/identity credential'),
    scope: doc(text(), '`https://cognitiveservices.azure.com/.default`', 'the token scope'),
    authorityHost: doc(text(), 'Entra ID', 'the token issuer'),
    tenantId: doc(text(), '—', 'for `clientSecret`'),
    clientId: doc(text(), '—', 'for `clientSecret`'),
    clientSecret: doc(text(), '—', 'the secret, inline'),
    clientSecretEnv: doc(text(), '—', 'an environment variable holding the secret'),
  }),
]);

const upstream = z.strictObject({
  baseUrl: doc(text(), '`https://api.anthropic.com` (anthropic)', 'where the upstream API is'),
  resource: doc(text(), '—', 'for `foundry`: the Foundry resource name, instead of `baseUrl`'),
  apiKey: doc(text(), '—', 'the upstream key, inline'),
  apiKeyEnv: doc(text(), '—', 'an environment variable holding the upstream key'),
  entra: doc(entra, '—', 'for `foundry`: Entra ID instead of a key (`true`: DefaultAzureCredential)'),
  model: doc(text(), "the deployment's model", 'the model the upstream is asked for'),
  timeouts: doc(timeouts, 'see upstreams.md', 'connect, first byte and between-chunk timeouts'),
  maxConnections: doc(int(1, 65_536), '`256`', 'connections per upstream origin'),
});

const poolMember = upstream.extend({
  name: doc(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/), 'from the host', 'names the member in the request log and /metrics'),
  backend: z.enum(['anthropic', 'foundry']).meta({ doc: { default: '—', meaning: '`anthropic` or `foundry`' } satisfies FieldDoc }),
  weight: doc(z.number().min(0.001).max(1_000_000), '`1`', 'its share of its priority group'),
  priority: doc(int(0, 1000), '`0`', 'lower groups first; the next only when a whole group is unavailable'),
  rateLimits: doc(
    z.strictObject({ rpm: doc(int(1, 1_000_000_000_000), 'no limit', 'requests per minute'), itpm: doc(int(1, 1_000_000_000_000), 'no limit', 'uncached input tokens per minute'), otpm: doc(int(1, 1_000_000_000_000), 'no limit', 'output tokens per minute') }),
    'no limit',
    "the member's own budget: skipped (not failed) while spent",
  ),
});
const pool = z.strictObject({
  maxAttempts: doc(int(1, 16), '`3` (at most the members)', 'upstreams tried for one request'),
  deadlineMs: doc(int(1, 3_600_000), '`120000`', 'no new attempt after this long'),
  breaker: doc(
    z.strictObject({
      windowMs: doc(int(100, 3_600_000), '`60000`', 'the window failures are counted over'),
      minRequests: doc(int(1, 1_000_000), '`5`', 'requests in the window before it may open'),
      failureRatio: doc(z.number().min(0.01).max(1), '`0.5`', 'failed share that opens it'),
      openMs: doc(int(100, 3_600_000), '`30000`', 'open this long, then one probe'),
    }),
    'see upstreams.md',
    'the circuit breaker of each member',
  ),
  affinity: doc(z.boolean(), '`true`', 'cache affinity; `false`: weighted random'),
});

const record = z.union([z.boolean(), z.strictObject({ cassette: doc(text(), 'per deployment', 'the cassette file'), redact: doc(strings(), '`[]`', 'regular expressions to mask') })]);
const replay = z.strictObject({
  cassette: doc(text(), 'per deployment', 'the cassette file'),
  timing: doc(z.union([z.enum(['original', 'fast']), z.number().min(0.001).max(1_000_000)]), '`original`', '`original`, `fast` or a speed factor'),
});
const rateLimits = z.strictObject({
  rpm: doc(int(1, 1_000_000_000), 'from `capacity`', 'requests per minute'),
  itpm: doc(int(1, 1_000_000_000_000), 'from `capacity`', 'uncached input tokens (input + cache writes) per minute'),
  otpm: doc(int(1, 1_000_000_000_000), 'from `capacity`', 'output tokens per minute'),
  // Kept in the schema so that the parser can say what replaced it (a single token limit is not Foundry's).
  tpm: doc(z.unknown(), '—', 'refused: Foundry limits input and output separately; use `itpm` and `otpm`'),
});
const limitsOf = (min: number) =>
  z.strictObject({ rpm: doc(int(min, 1_000_000_000_000), '—', 'requests per minute'), itpm: doc(int(min, 1_000_000_000_000), '—', 'uncached input tokens per minute'), otpm: doc(int(min, 1_000_000_000_000), '—', 'output tokens per minute') });
const subscriptionType = z.enum(['payg', 'enterprise', 'trial']);

/** What a deployment and `deploymentDefaults` share: how it is served. */
const backendFields = {
  backend: doc(z.enum(['simulator', 'anthropic', 'foundry', 'replay', 'pool']), '`simulator` (`pool` with `upstreams`)', '`simulator`, `anthropic` (the Anthropic API), `foundry` (a real Foundry resource), `replay` (cassettes) or `pool` (several upstreams); see [upstreams.md](upstreams.md)'),
  upstream: doc(upstream, '—', 'for `anthropic` and `foundry`: base URL or resource, key (`apiKeyEnv`) or Entra, upstream model, timeouts, pool size ([upstreams.md](upstreams.md#upstream-settings))'),
  record: doc(record, '—', '`true` or `{ "cassette", "redact" }`: append each upstream exchange to a cassette'),
  replay: doc(replay, '—', 'for `replay`: `{ "cassette", "timing": "original" | "fast" | factor }`'),
  rateLimits: doc(rateLimits, 'from `capacity`', '`{ "rpm", "itpm", "otpm" }`: the deployment\'s own limits, overriding any of them ([upstreams.md](upstreams.md#quota-model))'),
  simulator: doc(simulator, 'no latency, no faults', "the simulator's latency and faults"),
};

const rate = z.union([z.number().min(0), z.string().regex(/^\d+(\.\d{1,9})?$/)]);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const declaredModel = z.strictObject({
  displayName: doc(text(), 'the id', 'its name in listings'),
  family: doc(z.enum(['fable', 'opus', 'sonnet', 'haiku']), '`sonnet`', 'which default quota (pay-as-you-go) it gets'),
  contextWindow: int(1024, 100_000_000).meta({ doc: { default: '—', meaning: 'its context window in tokens (required)' } satisfies FieldDoc }),
  maxOutputTokens: int(1, 100_000_000).meta({ doc: { default: '—', meaning: 'the largest `max_tokens` it accepts (required)' } satisfies FieldDoc }),
  prices: z
    .strictObject({
      input: rate.meta({ doc: { default: '—', meaning: 'USD per million input tokens (required)' } satisfies FieldDoc }),
      output: rate.meta({ doc: { default: '—', meaning: 'USD per million output tokens (required)' } satisfies FieldDoc }),
      cacheWrite5m: doc(rate, '1.25 × `input`', '5-minute cache writes'),
      cacheWrite1h: doc(rate, '2 × `input`', '1-hour cache writes'),
      cacheRead: doc(rate, '0.1 × `input`', 'cache reads'),
    })
    .meta({ doc: { default: '—', meaning: 'USD per million tokens, numbers or decimal strings (required: without them it would cost $0)' } satisfies FieldDoc }),
  thinking: doc(z.array(z.enum(['enabled', 'adaptive', 'disabled'])).min(1), 'all three', 'the `thinking.type` values it accepts'),
  tokenizer: doc(z.enum(['legacy', 'v2']), '`v2`', "how the simulator and the window check estimate its tokens (`v2`: Claude 4.7's and later)"),
  releasedAt: doc(date, '`2026-01-01`', 'YYYY-MM-DD'),
  deprecatedAt: doc(date, '—', 'YYYY-MM-DD: deprecated from this day (needs `retiresAt`)'),
  retiresAt: doc(date, '—', 'YYYY-MM-DD: retired from this day; requests to its deployments then answer 404 as for a retired catalog model'),
});

const deployment = z.strictObject({
  name: z.string().min(1).meta({ doc: { default: '—', meaning: 'what callers put in `model`' } satisfies FieldDoc }),
  model: doc(text(), 'the name', 'the catalog model it serves (`npx claude-foundry models` lists them), or one declared in `models`'),
  sku: doc(z.enum(['GlobalStandard', 'DataZoneStandard']), '`GlobalStandard`', 'or `DataZoneStandard`'),
  capacity: doc(int(1, 1_000_000), "the subscription's quota for the model (40, 80 or 10,000)", 'Foundry capacity units: N gives N requests, N × 1,000 input and N × 200 output tokens per minute ([upstreams.md](upstreams.md#quota-model))'),
  ...backendFields,
  upstreams: doc(z.array(poolMember).min(1), '—', 'a pool: each an `upstream` object plus `backend`, `name`, `weight`, `priority`, `rateLimits` ([upstreams.md](upstreams.md#pools))'),
  pool: doc(pool, 'see upstreams.md', "a pool's `maxAttempts`, `deadlineMs`, `breaker` and `affinity`"),
  scenarios: doc(z.union([text(), z.array(text()).min(1)]), '—', 'simulator deployments only: a fixtures file (or an array) whose rules this deployment tries first ([scenarios.md](scenarios.md))'),
  redisDown: doc(z.enum(['fail-closed', 'local']), '`limits.redisDown`', 'with `limits.redis`: what this deployment does while Redis is unreachable ([scale-out.md](scale-out.md#rate-limits-and-budgets-on-redis))'),
});

const resource = z.strictObject({
  name: z.string().min(1).meta({ doc: { default: '`claude-local`', meaning: '1–64 letters, digits and hyphens; case-insensitive' } satisfies FieldDoc }),
  subscriptionId: doc(text(), '`c1a0de00-5ab5-4000-8000-000000000001`', 'the Azure subscription (a GUID) the resource is in, for RBAC scopes'),
  resourceGroup: doc(text(), '`claude-foundry`', "its resource group; the resource's scope is `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}`"),
  keys: doc(z.strictObject({ key1: text(), key2: text() }), 'generated', 'Key1 and Key2 (16 characters or more) of a resource the store does not hold yet; kept in the store'),
  logRetentionDays: doc(int(1, 3650), '`30`', "days the request log keeps this resource's records ([monitoring.md](monitoring.md#rollups-and-retention))"),
  contentLogging: doc(z.boolean(), '`false`', 'keep request and response bodies in the request log (each up to `monitoring.contentMaxBytes`)'),
  zeroDataRetention: doc(z.boolean(), '`false`', 'never store content; `contentLogging: true` beside it is a config error'),
  disableLocalAuth: doc(z.boolean(), '`false`', 'refuse API keys with 403 `AuthenticationTypeDisabled`; Entra tokens only'),
  subscriptionType: doc(subscriptionType, 'the top-level `subscriptionType`', "this resource's subscription type; resources of one `subscriptionId` must agree"),
  deployments: z.array(deployment).meta({ doc: { default: '—', meaning: "the resource's deployments" } satisfies FieldDoc }),
});

const identity = z.strictObject({
  developmentTenant: doc(
    z.strictObject({
      enabled: doc(z.boolean(), '`true`', 'serve the development identity provider and trust its tokens'),
      tenantId: doc(text(), '`c1a0de00-7e4a-4000-8000-000000000001`', 'its tenant ID'),
    }),
    'on',
    'the development tenant ([identity.md](identity.md))',
  ),
  trustedTenants: doc(
    z.array(
      z.strictObject({
        tenantId: text().meta({ doc: { default: '—', meaning: 'a real Entra tenant whose tokens are accepted (a GUID)' } satisfies FieldDoc }),
        jwksUri: doc(text(), '`https://login.microsoftonline.com/{tenantId}/discovery/v2.0/keys`', 'where its signing keys are published'),
      }),
    ),
    '`[]`',
    'real Entra tenants',
  ),
  servicePrincipals: doc(
    z.array(
      z.strictObject({
        clientId: text().meta({ doc: { default: '—', meaning: 'its client (application) ID, a GUID' } satisfies FieldDoc }),
        displayName: doc(text(), 'the client ID', 'its name'),
        clientSecret: doc(text(), '—', 'its secret, inline'),
        clientSecretEnv: doc(text(), '—', "an environment variable's name holding its secret"),
        objectId: doc(text(), 'the client ID', 'its object ID (what role assignments name)'),
        groups: doc(strings(), '`[]`', 'group object IDs, sent in the `groups` claim'),
        appRoles: doc(strings(), '`[]`', 'the `roles` claim'),
      }),
    ),
    '`[]`',
    'principals of the development tenant fixed by config (read-only through the API and the CLI)',
  ),
  roleAssignments: doc(
    z.array(
      z.strictObject({
        principalId: text().meta({ doc: { default: '—', meaning: 'the object ID of a principal or group' } satisfies FieldDoc }),
        principalType: doc(text(), '`ServicePrincipal`', '`User`, `Group`…'),
        role: text().meta({ doc: { default: '—', meaning: "a built-in role's name or GUID" } satisfies FieldDoc }),
        scope: doc(text(), "the first resource's subscription", 'where the role applies; the root scope `"/"` is accepted only here (in Azure only an elevated Global Administrator assigns there, never the API)'),
      }),
    ),
    '`[]`',
    'role assignments fixed by config (read-only through the API and the CLI)',
  ),
  clockSkewSeconds: doc(int(0, 3600), '`300`', 'tolerance on `exp`, `nbf` and `iat`'),
  jwksMinRefreshSeconds: doc(int(1, 86_400), '`300`', "the shortest time between two fetches of a tenant's keys"),
  publicOrigins: doc(
    strings(),
    'the HTTP and HTTPS origins on `host` and the listening ports (for a loopback or wildcard `host`: `127.0.0.1`, `localhost`, `[::1]`)',
    "the origins clients reach the gateway at, `http(s)://host[:port]`: the only audiences besides Azure's that management tokens may name, and the only resources besides Azure's the development tenant issues tokens for ([identity.md](identity.md#the-management-api))",
  ),
});

const connections = z.strictObject({
  headersTimeoutMs: doc(int(10, 3_600_000), '`30000`', "a request's headers must be complete this long after its first byte (or after the connection opens); else 408 `RequestTimeout` and the connection is closed"),
  bodyTimeoutMs: doc(int(10, 3_600_000), '`30000`', 'a body must bring at least `bodyMinBytes` in every `bodyTimeoutMs`; a slower one gets 408 `RequestTimeout` and the connection is closed (a minimum rate, not a deadline)'),
  bodyMinBytes: doc(int(0, 1024 * 1024 * 1024), '`1024`', 'see `bodyTimeoutMs`; `0` turns the check off'),
  keepAliveTimeoutMs: doc(int(10, 3_600_000), '`65000`', "an idle keep-alive connection is closed after this long (above the 60 s idle timeout of Azure's and AWS's load balancers, so a balancer in front closes first)"),
  maxPerAddress: doc(int(0, 1_000_000), '`1024`', 'open connections one client address may hold, over HTTP and HTTPS together; the next gets 429 `TooManyConnections`. `0`: no cap. Addresses in `trustedProxies` are not capped'),
  discardMs: doc(int(10, 3_600_000), '`5000`', 'after an answer sent before the body was read (a 413, a 401…), the rest of the body is read and thrown away for at most this long, so a client still writing sees the answer instead of a reset'),
});

const monitoring = z.strictObject({
  metricsToken: doc(z.string().min(16), '—', 'bearer token (≥ 16 characters) that opens `GET /metrics` ([monitoring.md](monitoring.md#metrics)); or `CLAUDE_FOUNDRY_METRICS_TOKEN`'),
  metricsPort: doc(int(0, 65535), '—', 'a listener of its own for `/metrics` only (`0` picks a free port)'),
  metricsHost: doc(text(), '`127.0.0.1`', 'the address of that listener'),
  flushIntervalMs: doc(int(1, 60_000), '`200`', 'the request-log writer flushes this often…'),
  flushRecords: doc(int(1, 100_000), '`500`', '…or once this many records wait (the bound on what a crash loses)'),
  queueCapacity: doc(int(1, 10_000_000), '`20000`', 'request-log records waiting or being written; past it records are dropped and counted'),
  contentMaxBytes: doc(int(0, 16 * 1024 * 1024), '`65536`', 'largest body kept per record with `contentLogging`'),
  retentionIntervalMs: doc(int(1000, 86_400_000), '`3600000`', 'how often retention runs'),
  maxSeries: doc(int(10, 1_000_000), '`2000`', 'label sets per metric before new ones are counted as `other`'),
});

const limits = z.strictObject({
  redis: doc(text(), '`REDIS_URL`, else none (in-process limits)', '`redis://[user:password@]host:port[/db]` (or `rediss://`): every replica\'s rate-limit buckets and month-to-date spend in one Redis'),
  redisDown: doc(z.enum(['fail-closed', 'local']), '`local`', 'while Redis is unreachable: `fail-closed` answers 503 `ServiceUnavailable`; `local` admits from in-process buckets of limit/`replicas`. A deployment\'s own `redisDown` wins'),
  replicas: doc(int(1, 1000), '`1`', 'how many replicas share the limits (the divisor of `local`)'),
  commandTimeoutMs: doc(int(10, 10_000), '`200`', 'a Redis command not answered within this counts as Redis unreachable for that request'),
  keyPrefix: doc(text(), '`claude-foundry:`', 'prepended to every Redis key'),
  leaseMs: doc(int(0, 10_000), '`500`', 'how long a replica may spend a slice Redis lent it before repaying it; `0` lends nothing (every admission one round trip to Redis) ([scale-out.md](scale-out.md#leases-from-redis))'),
});

const store = z.strictObject({
  postgres: doc(
    z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL'),
    '— (SQLite in `dataDir`)',
    "a PostgreSQL URL, `postgres://user:password@host:5432/db`: the store every replica shares (resources, keys, deployments, principals, role assignments, signing keys, the CA, the admin's credentials), which needs `CLAUDE_FOUNDRY_SECRET_KEY`; or `DATABASE_URL` ([scale-out.md](scale-out.md#store-on-postgresql))",
  ),
});

export const configSchema = z.strictObject({
  host: doc(text(), '`127.0.0.1`', 'address to listen on'),
  port: doc(int(0, 65535), '`4480`', 'HTTP port; `0` picks a free one; or `CLAUDE_FOUNDRY_PORT`, `--port`'),
  httpsPort: doc(int(0, 65535), '`4443` (`0` when `port` is `0`)', "HTTPS port, with a certificate from the gateway's local CA (`dataDir/ca.pem`); the development identity provider's authority host ([identity.md](identity.md)); or `CLAUDE_FOUNDRY_HTTPS_PORT`, `--https-port`"),
  dataDir: doc(text(), '`.data` (relative to the working directory)', "the store (resources, keys, deployments, principals, role assignments), the request log, signing keys, the CA and TLS certificates, the admin principal's credentials; or `CLAUDE_FOUNDRY_DATA_DIR`, `--data-dir`"),
  domains: doc(strings(), '`["localhost"]`', "host suffixes that address a resource as `{resource}.{domain}`, besides Azure's three"),
  maxBodyBytes: doc(int(1024, 1024 ** 3), '32 MiB', 'largest request body; larger → 413 `request_too_large`'),
  workers: doc(
    z.union([int(1, 1024), z.literal('auto')]),
    '`1`',
    'worker processes serving the same ports (node:cluster); `"auto"`: one per core ([scale-out.md](scale-out.md#every-core-of-one-machine)); or `CLAUDE_FOUNDRY_WORKERS`, `--workers`',
  ),
  drainMs: doc(
    int(0, 3_600_000),
    '`30000`',
    'on SIGTERM or SIGINT, how long requests and streams in flight may run to completion before their connections are cut ([scale-out.md](scale-out.md#graceful-shutdown)); or `CLAUDE_FOUNDRY_DRAIN_MS`, `--drain-ms`',
  ),
  trustedProxies: doc(strings(), '`[]`', "addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` gives the caller's address for network rules ([control-plane.md](control-plane.md#the-data-planes-network-rules))"),
  resources: doc(z.array(resource).min(1), '`claude-local` with the default deployments', 'the seed: resources created at start when the store lacks them ([below](#resources-is-a-seed))'),
  subscriptionType: doc(
    subscriptionType,
    '`payg`; `enterprise` for the embedded `claude-local` (no `resources`)',
    'the default Claude quotas: `payg`, `enterprise` or `trial` ([upstreams.md](upstreams.md#quota-model)); for resources that set none and those created over ARM',
  ),
  quotas: doc(
    z.record(text(), limitsOf(0)),
    '—',
    "`{ \"<model>\": { \"rpm\", \"itpm\", \"otpm\" } }`: a model's subscription quota (its Global Standard pool) instead of the type's default, in every subscription; all three, 0 refuses everything",
  ),
  models: doc(
    z.record(text(), declaredModel),
    '—',
    '`{ "<model id>": { "contextWindow", "maxOutputTokens", "prices": { "input", "output" }, … } }`: models outside the catalog that deployments may name, with their limits, prices and lifecycle ([models.md](models.md#models-outside-the-catalog))',
  ),
  deploymentDefaults: z
    .strictObject(backendFields)
    .optional()
    .meta({ doc: { default: '— (the simulator)', meaning: "the backend of deployments created through ARM, with a deployment's `backend`, `upstream`, `record`, `replay`, `rateLimits` and `simulator` ([below](#deployments-created-through-arm))", sameAs: 'resources[].deployments[]' } satisfies FieldDoc }),
  cassettes: doc(
    z.strictObject({ dir: doc(text(), '`dataDir/cassettes`', 'where cassettes are kept'), record: doc(z.boolean(), '`false`', 'record every upstream deployment'), redact: doc(strings(), '`[]`', 'regular expressions to mask') }),
    '—',
    'gateway-wide record and replay settings ([upstreams.md](upstreams.md#record-and-replay))',
  ),
  scenarios: doc(
    z.union([text(), z.array(text()).min(1)]),
    '—',
    'a fixtures file (or an array of them) of scripted replies for every simulator deployment; `{dataDir}/scenarios.json` is read too when it exists ([scenarios.md](scenarios.md))',
  ),
  connections: doc(connections, '—', 'timeouts, the per-address connection cap, discarding refused bodies'),
  identity: doc(identity, 'development tenant on', 'Entra tenants, service principals and role assignments ([identity.md](identity.md))'),
  monitoring: doc(monitoring, '—', 'metrics and the request-log writer ([monitoring.md](monitoring.md))'),
  limits: doc(limits, 'in-process', 'rate limits and budgets shared by replicas on Redis ([scale-out.md](scale-out.md#rate-limits-and-budgets-on-redis))'),
  store: doc(store, 'SQLite in `dataDir`', 'where the store is kept ([scale-out.md](scale-out.md#store-on-postgresql))'),
  upstreams: doc(
    z.strictObject({
      allow: doc(
        z.array(text()),
        "`api.anthropic.com`, `*.services.ai.azure.com`, `*.openai.azure.com`, `*.cognitiveservices.azure.com` and Entra's `login.microsoftonline.com`, `login.microsoftonline.us`, `login.chinacloudapi.cn`",
        'host names (`*.` stands for one label, `*` for any name), IP addresses and CIDR ranges that endpoints set over ARM may reach; replaces the default. A name resolving to an address that is not public (loopback, private, link-local…) connects only when an entry lists that address',
      ),
      allowHttp: doc(z.boolean(), '`false`', 'accept `http://` endpoints over ARM (a local mock upstream); otherwise https only'),
    }),
    'the default `allow`, https only',
    "where endpoints set over ARM (pool members' `endpoint`, Entra `authorityHost`) may connect; upstreams in this file are trusted as written ([security.md](security.md#where-the-gateway-connects))",
  ),
});

/** The config as written: the file's parsed value. */
type ConfigInput = z.input<typeof configSchema>;

/**
 * What `overrides` may carry: the schema's keys (a misspelt one does not compile), values checked at load time
 * like the file's, so callers may pass what they built loosely (`backend: string`).
 */
export type RawConfig = { [K in keyof ConfigInput]?: unknown };
