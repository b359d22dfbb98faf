// The targets: direct to the mock, the bare node:http proxy, claude-foundry in its configurations, and
// Portkey's gateway. Each runs in its own process (the mock's for direct) pinned to the target core, and
// says how a request reaches the mock through it.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnPinned, waitForPort, waitForReady, type Spawned } from './proc.ts';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
export const PORTKEY_ENTRY = join(BENCH_DIR, 'node_modules/@portkey-ai/gateway/build/start-server.js');

export type TargetId = 'direct' | 'bare' | 'cf-gov' | 'cf-entra' | 'cf-key' | 'cf-pool' | 'cf-sim' | 'portkey';
export const ALL_TARGETS: readonly TargetId[] = ['direct', 'bare', 'cf-gov', 'cf-entra', 'cf-key', 'cf-pool', 'cf-sim', 'portkey'];

export const LABELS: Record<TargetId, string> = {
  direct: 'direct to mock (floor)',
  bare: 'bare node:http proxy',
  'cf-gov': 'claude-foundry, governance on',
  'cf-entra': 'claude-foundry, governance on, Entra ID token instead of a key',
  'cf-key': 'claude-foundry, key auth only',
  'cf-pool': 'claude-foundry, key auth, each deployment a pool of three upstreams',
  'cf-sim': 'claude-foundry on its simulator (not a proxy)',
  portkey: 'Portkey gateway 1.15.2',
};

export interface Target {
  id: TargetId;
  label: string;
  /** The process whose CPU and memory are the target's (the mock's for direct). */
  pid: number;
  port: number;
  path: string;
  headers: Record<string, string>;
  /** What was on, for claude-foundry; notes for the others. */
  features?: Record<string, string>;
  notes: string[];
  process?: Spawned;
  stop(): Promise<void>;
}

export interface StartContext {
  node: string;
  mockPort: number;
  mockPid: number;
  core: number | undefined;
  models: string[];
  /** Extra node flags for the processes the harness owns: the bare proxy and claude-foundry (e.g. --cpu-prof). */
  nodeFlags: string[];
}

/** Every TypeScript target starts through this shim, as the installed command starts claude-foundry. */
const LAUNCH = join(BENCH_DIR, 'launch.js');

/** The node flags of the installed command (its `#!/usr/bin/env -S node …` line), which claude-foundry runs with here too. */
export const COMMAND_FLAGS: readonly string[] = (() => {
  const first = readFileSync(new URL('../../packages/cli/bin/claude-foundry.js', import.meta.url), 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!match) throw new Error(`bench: cannot read the node flags from the shebang of packages/cli/bin/claude-foundry.js: ${first}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
})();

/**
 * Starts a target twice: the first start fills Node's compile cache (and is stopped once listening), so the
 * measured process starts the way every start after a first one does. Returns the second.
 */
async function startPrimed(spawn: () => Spawned): Promise<{ proc: Spawned; ready: Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    const proc = spawn();
    try {
      const ready = await waitForReady(proc, 20_000);
      if (attempt === 1) return { proc, ready };
    } catch (err) {
      await proc.stop();
      throw err;
    }
    await proc.stop();
  }
}

const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';
const KEYS = { key1: 'bench-key1-0123456789abcdef', key2: 'bench-key2-0123456789abcdef' };
const ANTHROPIC_HEADERS = { 'anthropic-version': '2023-06-01' };

export async function startTarget(id: TargetId, ctx: StartContext): Promise<Target> {
  switch (id) {
    case 'direct':
      return {
        id, label: LABELS[id], pid: ctx.mockPid, port: ctx.mockPort, path: '/v1/messages',
        headers: { ...ANTHROPIC_HEADERS, 'x-api-key': UPSTREAM_KEY }, notes: ['CPU and memory are the mock\'s'], stop: async () => {},
      };
    case 'bare': {
      const { proc, ready } = await startPrimed(() =>
        spawnPinned({
          name: 'bare proxy', command: ctx.node, core: ctx.core,
          args: [...ctx.nodeFlags, LAUNCH, join(BENCH_DIR, 'bare-proxy.ts'), '--upstream', `http://127.0.0.1:${ctx.mockPort}`],
          env: { ...process.env, NODE_ENV: 'production' },
        }),
      );
      return {
        id, label: LABELS[id], pid: proc.pid, port: Number(ready['port']), path: '/v1/messages',
        headers: { ...ANTHROPIC_HEADERS, 'x-api-key': UPSTREAM_KEY },
        notes: ['started through bench/launch.js (compile cache on, as claude-foundry), default V8 flags'],
        process: proc, stop: () => proc.stop(),
      };
    }
    case 'cf-gov':
    case 'cf-entra':
    case 'cf-key':
    case 'cf-pool':
    case 'cf-sim':
      return startClaudeFoundry(id, ctx);
    case 'portkey': {
      if (!existsSync(PORTKEY_ENTRY)) throw new Error('Portkey is not installed: run `npm install --prefix bench`.');
      const port = await freePort();
      const proc = spawnPinned({
        name: 'portkey', command: ctx.node, core: ctx.core,
        args: [PORTKEY_ENTRY, `--port=${port}`, '--headless'],
        env: { ...process.env, NODE_ENV: 'production' },
      });
      await waitForPort(proc, port, 20_000);
      return {
        id, label: LABELS[id], pid: proc.pid, port, path: '/v1/messages',
        headers: {
          ...ANTHROPIC_HEADERS,
          'x-api-key': UPSTREAM_KEY,
          'x-portkey-provider': 'anthropic',
          // Its anthropic provider's base URL includes /v1 and it posts to {custom_host}/messages.
          'x-portkey-custom-host': `http://127.0.0.1:${ctx.mockPort}/v1`,
        },
        notes: [`@hono/node-server ${installedVersion('@hono/node-server')} (pinned by overrides), --headless, NODE_ENV=production`],
        process: proc, stop: () => proc.stop(),
      };
    }
  }
}

function installedVersion(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** A deployment's simulator profile that paces like the mock does for that model. */
function simulatorProfile(model: string): Record<string, unknown> {
  const json = /^mock-(\d+)$/.exec(model);
  if (json) return { ttftMs: Number(json[1]), tokensPerSecond: 0 };
  const stream = /^mock-stream-(\d+)-(\d+)$/.exec(model);
  // The simulator streams 4 tokens a delta: 4 tokens per interval gives the mock's pace.
  if (stream) return { ttftMs: Number(stream[2]), tokensPerSecond: Math.round(4000 / Number(stream[2])) };
  return {};
}

/**
 * The governance features this build of claude-foundry has, judged from its source (what the gateway wires up),
 * so a run records what was on rather than what was hoped for.
 */
export function governanceFeatures(): Record<string, string> {
  const src = join(REPO_DIR, 'packages/gateway/src');
  const read = (p: string) => (existsSync(join(src, p)) ? readFileSync(join(src, p), 'utf8') : '');
  const gateway = read('gateway.ts');
  const handler = read('dataplane/handler.ts');
  const telemetry = read('telemetry/index.ts');
  const on = (yes: boolean, what: string, otherwise: string) => (yes ? `on: ${what}` : `absent: ${otherwise}`);
  const logging = /startTelemetry/.test(gateway) && /telemetry/.test(handler);
  return {
    'key auth': 'on: x-api-key, SHA-256 index, constant-time compare',
    'RBAC snapshot': on(
      /createAuthenticator/.test(gateway) && /directory/.test(gateway),
      'directory snapshot with a service principal and a Cognitive Services User role assignment (requests use keys, so no token is validated per request)',
      'not wired in gateway.ts yet',
    ),
    'rate limiting': on(/admitMessages/.test(handler), 'RPM/ITPM/OTPM reserve + reconcile on the deployment and its pool, in process (limits set high: no 429)', 'not wired yet'),
    'request logging': on(logging, 'one record per request, queued, written in batches by a worker thread to SQLite (logs.db)', 'not wired yet'),
    pricing: on(logging && /costOf/.test(telemetry), 'cost per request from the catalog prices, month spend', 'not wired yet'),
    metrics: on(logging && /metrics/i.test(telemetry), 'counters and histograms per request; /metrics endpoint on (metricsToken set)', 'not wired yet'),
  };
}

/** What the build runs whatever the config says (the "key auth only" row cannot turn these off). */
function alwaysOn(): string {
  const f = governanceFeatures();
  const always = ['rate limiting', 'request logging', 'pricing', 'metrics'].filter((k) => f[k]?.startsWith('on'));
  return always.length ? `cannot be switched off in this build, so also on here: ${always.join(', ')} (limits set high)` : 'nothing else';
}

const BENCH_APP = '0b5e1c1a-0000-4000-8000-00000000be01';
const BENCH_SECRET = 'bench-client-secret-0123456789';
/** The development tenant's default ID (packages/gateway/src/identity/config.ts). */
const DEV_TENANT = 'c1a0de00-7e4a-4000-8000-000000000001';

/**
 * A token of the development tenant for the bench app, from the gateway's own token endpoint, as a client credential
 * would get it. It lives an hour (plus five minutes of skew): longer runs would see 401s, which the figures count.
 */
async function entraToken(port: number): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: BENCH_APP, client_secret: BENCH_SECRET, scope: 'https://cognitiveservices.azure.com/.default' });
  const res = await fetch(`http://127.0.0.1:${port}/${DEV_TENANT}/oauth2/v2.0/token`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`the development IdP refused the bench app a token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The config of a claude-foundry target (without governance): its deployments forward to the mock, or simulate. */
export function targetConfig(id: 'cf-gov' | 'cf-entra' | 'cf-key' | 'cf-pool' | 'cf-sim', ctx: Pick<StartContext, 'mockPort' | 'models'>, dir: string): Record<string, unknown> {
  const upstream = (model: string) => ({
    baseUrl: `http://127.0.0.1:${ctx.mockPort}`,
    apiKey: UPSTREAM_KEY,
    model,
    maxConnections: 4096,
  });
  // Limits high enough never to refuse: the benchmark measures the limiter's cost (deployment and pool), not its 429s.
  const rateLimits = { rpm: 1_000_000_000, itpm: 1_000_000_000_000, otpm: 1_000_000_000_000 };
  const deployments = ctx.models.map((name) =>
    id === 'cf-sim'
      ? { name, model: 'claude-sonnet-4-6', simulator: simulatorProfile(name) }
      : id === 'cf-pool'
        // Three members on the one mock: what a pool costs the gateway (choice, affinity hash, bookkeeping) next to cf-key.
        ? { name, model: 'claude-sonnet-4-6', upstreams: ['east', 'west', 'north'].map((member) => ({ name: member, backend: 'anthropic', ...upstream(name) })), rateLimits }
        : { name, model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: upstream(name), rateLimits },
  );
  return {
    host: '127.0.0.1',
    dataDir: join(dir, 'data'),
    resources: [{ name: 'bench', keys: KEYS, deployments }],
    // The model's pool (simulated and upstream targets alike), so that no target is held to a subscription's quota.
    quotas: { 'claude-sonnet-4-6': rateLimits },
    // Every load comes from one address; the sweep and the rate scenario hold up to 2,000 connections.
    connections: { maxPerAddress: 4096 },
  };
}

/** What a request to a claude-foundry target carries: the path and its key. */
export const CLAUDE_FOUNDRY_REQUEST = { path: '/bench/anthropic/v1/messages', headers: { ...ANTHROPIC_HEADERS, 'x-api-key': KEYS.key1 } };

async function startClaudeFoundry(id: 'cf-gov' | 'cf-entra' | 'cf-key' | 'cf-pool' | 'cf-sim', ctx: StartContext): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `cf-bench-${id}-`));
  const config = targetConfig(id, ctx, dir);
  // Governance: what can be configured on top of the defaults (a populated RBAC directory, the metrics endpoint).
  const governance: Record<string, unknown> = {
    identity: {
      servicePrincipals: [{ clientId: BENCH_APP, displayName: 'bench-app', clientSecret: BENCH_SECRET }],
      roleAssignments: [{ role: 'Cognitive Services User', principalId: BENCH_APP }],
    },
    monitoring: { metricsToken: 'bench-metrics-token-0123456789' },
  };
  const governed = id === 'cf-gov' || id === 'cf-entra';
  const features: Record<string, string> = governed ? governanceFeatures() : { 'key auth': 'on', also: alwaysOn() };
  if (id === 'cf-entra') {
    features['RBAC snapshot'] = 'on: directory snapshot with the bench app and its Cognitive Services User role assignment, checked for every request\'s token';
    features['Entra ID token'] =
      'on: every request sends Authorization: Bearer <a development-tenant token for the bench app>; validated (jose, cached by SHA-256 until exp) and RBAC-checked per request, no key';
  }
  features['node'] = `${COMMAND_FLAGS.join(' ') || 'no flags'} (from the installed command's shebang), started through bench/launch.js (compile cache on)`;
  if (id === 'cf-pool') features['backend'] = 'pool of three anthropic members (equal weights) on the same mock upstream';
  if (id === 'cf-sim') features['backend'] = 'built-in simulator: generates replies (SHA-256 seed, text), no upstream';
  const launch = async (withGovernance: boolean) => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(withGovernance ? { ...config, ...governance } : config, null, 2));
    return startPrimed(() =>
      spawnPinned({
        name: LABELS[id], command: ctx.node, core: ctx.core,
        args: [...COMMAND_FLAGS, ...ctx.nodeFlags, LAUNCH, join(BENCH_DIR, 'claude-foundry.ts'), '--config', file],
        env: { ...process.env, NODE_ENV: 'production' },
        cwd: dir,
      }),
    );
  };
  let launched: Awaited<ReturnType<typeof launch>>;
  try {
    try {
      launched = await launch(governed);
    } catch (err) {
      if (id !== 'cf-gov') throw err;
      // A build whose config refuses the governance settings is still measured, and says so.
      features['governance config'] = `refused, measured without it: ${(err as Error).message.split('\n').slice(1, 3).join(' ').slice(0, 200)}`;
      launched = await launch(false);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { proc, ready } = launched;
  const port = Number(ready['port']);
  let credential: Record<string, string> = { 'x-api-key': KEYS.key1 };
  if (id === 'cf-entra') {
    try {
      credential = { authorization: `Bearer ${await entraToken(port)}` };
    } catch (err) {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  return {
    id, label: LABELS[id], pid: proc.pid, port, path: '/bench/anthropic/v1/messages',
    headers: { ...ANTHROPIC_HEADERS, ...credential },
    features: { ...features, 'loaded config': JSON.stringify(ready['config']) },
    notes: [],
    process: proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
