// Three real `claude-foundry serve` processes on one Redis (issue 16): rate limits and budgets hold across them
// as in one process. One config declares the resources with fixed keys; each replica has its own data folder.
// The official Foundry SDK (maxRetries: 0) spreads requests round-robin over the replicas.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { BIN, startServe } from '../../cli/test/serve-helper.ts';
import { startRedis, type RedisServer } from './services/redis.ts';

const KEYS = { key1: 'replica-test-key-one-0001', key2: 'replica-test-key-two-0002' };
const big = { rpm: 1_000_000, itpm: 1_000_000_000, otpm: 1_000_000_000 };
const deployment = (name: string, rateLimits: object, extra: object = {}) => ({ name, model: 'claude-haiku-4-5', sku: 'DataZoneStandard', rateLimits, ...extra });

interface Replica {
  child: ChildProcess;
  url: string;
  dataDir: string;
}

let redis: RedisServer;
let replicas: Replica[] = [];
const dir = mkdtempSync(join(tmpdir(), 'cf-replicas-'));
const env: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '', REDIS_URL: '', CLAUDE_FOUNDRY_LOG_LEVEL: 'warn' };

const SPEND_KEYS = { key1: `${KEYS.key1}-spend`, key2: `${KEYS.key2}-spend` };

function client(replica: Replica, resource = 'shared-res'): AnthropicFoundry {
  return new AnthropicFoundry({ apiKey: resource === 'spend-res' ? SPEND_KEYS.key1 : KEYS.key1, baseURL: `${replica.url}/${resource}/anthropic`, maxRetries: 0, timeout: 20_000 });
}

type Answer = { status: number; headers?: Headers; code?: string | undefined };

/** One small message through `replica`: 200, or the status, headers and Azure error code it was refused with. */
async function call(replica: Replica, model: string, resource = 'shared-res', content = 'Hi'): Promise<Answer> {
  try {
    await client(replica, resource).messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content }] });
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof AnthropicFoundry.APIError) || err.status === undefined) throw err;
    const body = err.error as { error?: { code?: string } } | undefined;
    return { status: err.status, headers: err.headers, code: body?.error?.code };
  }
}

/** `n` requests at once, round-robin over the replicas, and how long they took. */
async function burst(n: number, model: string, content?: string): Promise<Answer[] & { ms: number }> {
  const t = performance.now();
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => call(replicas[i % replicas.length]!, model, 'shared-res', content)));
  return Object.assign(answers, { ms: performance.now() - t });
}

/**
 * Exactly `limit` admitted when the burst is over within the refill of one request (60 s / RPM); a machine too
 * loaded for that may admit what refilled meanwhile, and no more.
 */
function assertAdmitted(answers: Answer[] & { ms: number }, limit: number, perMinute: number): void {
  const admitted = answers.filter((a) => a.status === 200).length;
  const refilled = Math.floor((answers.ms * perMinute) / 60_000);
  assert.ok(admitted >= limit && admitted <= limit + refilled, `${admitted} admitted in ${Math.round(answers.ms)} ms; ${limit} expected${refilled ? ` (+${refilled} refilled)` : ''}`);
}

before(async () => {
  redis = await startRedis();
  const config = join(dir, 'claude-foundry.json');
  writeFileSync(
    config,
    JSON.stringify({
      resources: [
        {
          name: 'shared-res',
          keys: KEYS,
          subscriptionType: 'enterprise',
          deployments: [
            deployment('rpm30', { rpm: 30, itpm: big.itpm, otpm: big.otpm }),
            // Used only while Redis is away and after: its local buckets start full there.
            deployment('rpm30-down', { rpm: 30, itpm: big.itpm, otpm: big.otpm }),
            deployment('itpm', { rpm: big.rpm, itpm: 20_000, otpm: big.otpm }),
            deployment('closed', big, { redisDown: 'fail-closed' }),
          ],
        },
        { name: 'spend-res', keys: SPEND_KEYS, subscriptionType: 'enterprise', deployments: [deployment('paid', big)] },
      ],
      // A generous command timeout: on a loaded machine a slow answer must not pass for Redis being away.
      limits: { redis: redis.url, replicas: 3, keyPrefix: 'e2e:', commandTimeoutMs: 1000 },
    }),
  );
  replicas = await Promise.all(
    ['a', 'b', 'c'].map(async (name) => {
      const dataDir = join(dir, name);
      const { child, banner } = await startServe(['--config', config, '--port', '0', '--data-dir', dataDir], env, 90_000);
      const port = /HTTP (\d+)/.exec(banner)?.[1];
      assert.ok(port, banner);
      return { child, url: `http://127.0.0.1:${port}`, dataDir };
    }),
  );
});

after(async () => {
  await Promise.all(
    replicas.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null) return resolve();
          r.child.once('exit', () => resolve());
          r.child.kill('SIGTERM');
        }),
    ),
  );
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function assertRefusals(answers: Answer[]): void {
  for (const a of answers.filter((x) => x.status !== 200)) {
    assert.equal(a.status, 429, JSON.stringify(a));
    assert.equal(a.code, 'RateLimitReached');
    assert.match(a.headers?.get('retry-after') ?? '', /^[1-9]\d*$/, 'retry-after on every 429');
  }
}

describe('three replicas on one Redis', () => {
  test('100 concurrent requests round-robin against RPM 30: exactly 30 admitted, every 429 with retry-after', async () => {
    const answers = await burst(100, 'rpm30');
    assertAdmitted(answers, 30, 30);
    assertRefusals(answers);
  });

  test('ITPM 20,000: what was admitted stays within the limit plus one reservation', async () => {
    // The same prompt each time: one reservation is its estimated input (the simulator's usage says what it was).
    const content = 'Tell me about token buckets. '.repeat(80);
    const probe = await client(replicas[0]!).messages.countTokens({ model: 'itpm', messages: [{ role: 'user', content }] });
    const answers = await burst(100, 'itpm', content);
    const admitted = answers.filter((a) => a.status === 200).length;
    assert.ok(admitted * probe.input_tokens <= 20_000 + probe.input_tokens, `${admitted} × ${probe.input_tokens} input tokens admitted`);
    assert.ok(admitted >= Math.floor(20_000 / probe.input_tokens) - 1, `${admitted} admitted: the limit was used`);
    assertRefusals(answers);
  });

  test('a budget set with --enforce through one replica stops spending on all three within about a second', async () => {
    const run = promisify(execFile);
    const paid = (r: Replica) => call(r, 'paid', 'spend-res');
    assert.equal((await paid(replicas[1]!)).status, 200, 'spending before any budget');
    const set = await run(process.execPath, [BIN, 'budget', 'set', 'spend-res', '0.000001', '--enforce', '--data-dir', replicas[0]!.dataDir], { env, timeout: 20_000 });
    assert.match(set.stdout, /Budget of spend-res/);
    const t = Date.now();
    for (const r of replicas) {
      let answer = await paid(r);
      while (answer.status === 200 && Date.now() - t < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await paid(r);
      }
      assert.equal(answer.status, 403, `${r.url} still spends`);
      assert.equal(answer.code, 'QuotaExceeded');
    }
    assert.ok(Date.now() - t < 2_500, `all three refused within ${Date.now() - t} ms`);
  });

  test('Redis stopped mid-run: fail-closed deployments answer 503 at once, local ones admit limit/3 per replica; back: exact again', async () => {
    assert.equal((await call(replicas[2]!, 'closed')).status, 200);
    await redis.pause();
    try {
      const t = Date.now();
      const closed = await Promise.all(replicas.map((r) => call(r, 'closed')));
      for (const a of closed) {
        assert.equal(a.status, 503, JSON.stringify(a));
        assert.equal(a.code, 'ServiceUnavailable');
      }
      const local = await burst(60, 'rpm30-down');
      assertAdmitted(local, 30, 30); // RPM 30 over 3 replicas: 10 on each
      assertRefusals(local);
      assert.ok(Date.now() - t < 10_000, `no hang: ${Date.now() - t} ms`);
    } finally {
      await redis.resume();
    }
    // Back: each replica reconnects within its backoff (at most 1 s); the fail-closed deployment serves again.
    const until = Date.now() + 10_000;
    for (const r of replicas) {
      while ((await call(r, 'closed')).status !== 200) {
        assert.ok(Date.now() < until, `${r.url} did not reconnect to Redis`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // The restarted Redis starts with full buckets: exactly 30 again.
    const answers = await burst(100, 'rpm30-down');
    assertAdmitted(answers, 30, 30);
    assertRefusals(answers);
  });
});
