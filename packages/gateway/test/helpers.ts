// Test helpers: a real gateway on port 0 in a fresh data folder, and a raw HTTP client that can set any header.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type Gateway, type StartOptions } from '../src/index.ts';
import type { RawConfig } from '../src/config/index.ts';

export interface TestGateway extends Gateway {
  dataDir: string;
}

/**
 * The resource tests rely on: `claude-local` with a Sonnet, an Opus and a Haiku that are active (none retires
 * before 2027). Declared here rather than taken from the defaults, which follow the catalog's current generation
 * and so move with time; nothing here depends on a retired model working (models-lifecycle.test.ts tests those).
 */
export const TEST_RESOURCES = [
  // 1,000 of the Enterprise quota's 10,000 units each: the rest is left for deployments tests create over ARM.
  { name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-6', capacity: 1000 }, { name: 'claude-opus-4-6', capacity: 1000 }, { name: 'claude-haiku-4-5', capacity: 1000 }] },
];

/**
 * `options` carries what some tests need besides config (an environment, injected clocks or credentials). Without
 * `resources`, the gateway serves TEST_RESOURCES. Resources are Enterprise subscriptions unless the test says
 * otherwise: many tests send more than a pay-as-you-go minute's 40–80 requests; the quota tests set `subscriptionType`.
 */
export async function startTestGateway(overrides: Partial<RawConfig> = {}, options: Omit<StartOptions, 'overrides'> = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cf-test-'));
  // A gateway on PostgreSQL needs the secret key every replica shares (docs/scale-out.md); one per test gateway.
  const env = (overrides.store as { postgres?: string } | undefined)?.postgres === undefined ? {} : { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') };
  const gateway = await startGateway({ env, ...options, overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir, resources: TEST_RESOURCES, subscriptionType: 'enterprise', ...overrides } });
  const close = gateway.close;
  return Object.assign(gateway, {
    dataDir,
    close: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One HTTP/1.1 exchange with exactly the headers given (fetch would add or refuse some). */
export function raw(gateway: Gateway, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port: gateway.port, method: req.method ?? 'POST', path: req.path, headers: req.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, Claude' }] };

/** A well-formed Messages call with key1, addressed by path. */
export function messages(gateway: Gateway, body: unknown = HELLO, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(gateway, {
    path: `/${gateway.config.resources[0]!.name}/anthropic/v1/messages`,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gateway.keys().key1, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const REQUEST_ID = /^req_011C[1-9A-HJ-NP-Za-km-z]{20}$/;
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Splits an SSE body into its events, keeping the raw `event:` names. */
export function parseSse(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}

/**
 * Runs an ES module script in a fresh Node process at the repository root (so it imports the installed packages);
 * one still running after `timeoutMs` is killed (its code is then null).
 */
export async function runNodeScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; out: string; errors: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out, errors };
}
