// Rate limits per deployment: the token-bucket limiter on its own (with a clock the test moves), and
// through a real gateway: 100 concurrent requests judged from the upstream's side, Azure's 429, the
// simulator limited too, count_tokens not limited, and the official SDK retrying a 429 after retry-after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { Admission, admitMessages } from '../src/limits/admission.ts';
import { createMemoryLimiter, limitsFromCapacity, type Reservation } from '../src/limits/index.ts';
import { validateMessagesRequest } from '../src/dataplane/validate.ts';
import { getModel } from '../src/models/catalog.ts';
import { countInputTokens } from '../src/tokens/count.ts';
import { testCall, testDeployment } from './simulator-helpers.ts';
import type { BackendReply, TokenUsage } from '../src/backends/types.ts';
import { GatewayError } from '../src/errors/index.ts';
import { messages, raw, startTestGateway, type TestGateway } from './helpers.ts';
import { MockUpstream, standardReply } from './fixtures/mock-upstream.ts';
import { setTimeout as sleep } from 'node:timers/promises';

function frozenClock() {
  let now = 0;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

function reserved(outcome: ReturnType<ReturnType<typeof createMemoryLimiter>['reserve']>): Reservation {
  assert.ok(!(outcome instanceof Promise) && outcome.ok, 'expected an admission');
  return outcome;
}

describe('the in-process limiter', () => {
  const limits = { rpm: 1000, tpm: 10_000 };

  test('admits one minute of tokens at once, then refills at limit/60 s and says exactly when', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    for (let i = 0; i < 16; i++) reserved(limiter.reserve('d', limits, { requests: 1, tokens: 600 }));
    const refused = limiter.reserve('d', limits, { requests: 1, tokens: 600 });
    assert.deepEqual(refused, { ok: false, limit: 'tokens', retryAfterMs: 1200 }); // 200 missing at 10,000/min
    time.advance(1199);
    assert.equal((limiter.reserve('d', limits, { requests: 1, tokens: 600 }) as { ok: boolean }).ok, false);
    time.advance(1);
    reserved(limiter.reserve('d', limits, { requests: 1, tokens: 600 }));
  });

  test('limits requests per minute on their own', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    const small = { rpm: 2, tpm: 1_000_000 };
    reserved(limiter.reserve('d', small, { requests: 1, tokens: 1 }));
    reserved(limiter.reserve('d', small, { requests: 1, tokens: 1 }));
    assert.deepEqual(limiter.reserve('d', small, { requests: 1, tokens: 1 }), { ok: false, limit: 'requests', retryAfterMs: 30_000 });
  });

  test('100 concurrent reservations of mixed sizes never take more than the limit', async () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const demands = Array.from({ length: 100 }, (_, i) => 100 + ((i * 7919) % 1900));
    const outcomes = await Promise.all(demands.map(async (tokens) => ({ tokens, outcome: await limiter.reserve('d', limits, { requests: 1, tokens }) })));
    const admitted = outcomes.filter((o) => o.outcome.ok).reduce((sum, o) => sum + o.tokens, 0);
    assert.ok(admitted <= limits.tpm, `admitted ${admitted} tokens against a limit of ${limits.tpm}`);
    assert.ok(admitted > limits.tpm - 2000, 'and it does admit up to the limit');
  });

  test('a demand larger than the whole bucket waits for a full bucket, then overdraws it once', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    reserved(limiter.reserve('d', limits, { requests: 1, tokens: 100 }));
    const refused = limiter.reserve('d', limits, { requests: 1, tokens: 25_000 });
    assert.deepEqual(refused, { ok: false, limit: 'tokens', retryAfterMs: 600 }); // until the bucket is full again
    time.advance(600);
    reserved(limiter.reserve('d', limits, { requests: 1, tokens: 25_000 }));
    // 15,000 below zero: the next small request waits for 15,000 + 10 tokens to refill.
    assert.deepEqual(limiter.reserve('d', limits, { requests: 1, tokens: 10 }), { ok: false, limit: 'tokens', retryAfterMs: 90_060 });
  });

  test('reconcile gives back what was not used, release gives back everything, each only once', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    const first = reserved(limiter.reserve('d', limits, { requests: 1, tokens: 10_000 }));
    first.reconcile(4_000);
    first.reconcile(0); // ignored
    const second = reserved(limiter.reserve('d', limits, { requests: 1, tokens: 6_000 }));
    assert.equal((limiter.reserve('d', limits, { requests: 1, tokens: 1 }) as { ok: boolean }).ok, false);
    second.release();
    second.release(); // ignored
    reserved(limiter.reserve('d', limits, { requests: 1, tokens: 6_000 }));
    assert.equal((limiter.reserve('d', limits, { requests: 1, tokens: 1 }) as { ok: boolean }).ok, false);
  });

  test('capacity N maps to N RPM and N × 1,000 TPM: 1,000 gives the GlobalStandard 1,000 RPM and 1,000,000 TPM', () => {
    assert.deepEqual(limitsFromCapacity(1000), { rpm: 1000, tpm: 1_000_000 });
    assert.deepEqual(limitsFromCapacity(10), { rpm: 10, tpm: 10_000 });
  });
});

describe('settling an admission', () => {
  const usage: TokenUsage = {
    input_tokens: 100,
    output_tokens: 50,
    cache_creation_input_tokens: 1000,
    cache_read_input_tokens: 9000,
    cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 0 },
  };

  function spy() {
    const calls: Array<['reconcile', number] | ['release']> = [];
    const reservation: Reservation = { ok: true, tokens: 5000, reconcile: (n) => calls.push(['reconcile', n]), release: () => calls.push(['release']) };
    return { calls, admission: new Admission(reservation) };
  }

  test('reconciles with input + cache writes + output; cache reads do not count', () => {
    const { calls, admission } = spy();
    admission.observe({ kind: 'message', message: { usage } } as unknown as BackendReply);
    admission.settle(false);
    assert.deepEqual(calls, [['reconcile', 1150]]);
  });

  test('a passthrough settles when its tapped usage arrives, even after the client left', async () => {
    const { calls, admission } = spy();
    const tapped = Promise.withResolvers<TokenUsage | undefined>();
    admission.observe({ kind: 'passthrough', usage: tapped.promise } as unknown as BackendReply);
    admission.settle(true);
    assert.deepEqual(calls, []);
    tapped.resolve({ ...usage, output_tokens: 7 }); // what was produced before the disconnect
    await sleep(0);
    assert.deepEqual(calls, [['reconcile', 1107]]);
  });

  test('a client gone before any usage keeps the estimate; a failure before any usage gives it back', () => {
    const gone = spy();
    gone.admission.settle(true);
    assert.deepEqual(gone.calls, []);
    const failed = spy();
    failed.admission.settle(false);
    assert.deepEqual(failed.calls, [['reconcile', 0]]);
  });

  test('a stream is reconciled with message_start plus the cumulative message_delta', () => {
    const { calls, admission } = spy();
    admission.usage.event({ type: 'message_start', message: { usage: { ...usage, output_tokens: 1 } } } as never);
    admission.usage.event({ type: 'message_delta', usage: { output_tokens: 30 } } as never);
    admission.usage.event({ type: 'message_delta', usage: { output_tokens: 60, input_tokens: 100 } } as never);
    admission.settle(false);
    assert.deepEqual(calls, [['reconcile', 1160]]);
  });

  test('an over-limit request is refused with a 429 in Azure shape, retry-after and retry-after-ms', async () => {
    const limiter = createMemoryLimiter({ clock: () => 0 });
    const deployment = testDeployment('claude-haiku-4-5', { name: 'tiny', rateLimits: { rpm: 100, tpm: 50 } });
    const request = validateMessagesRequest({ model: 'tiny', max_tokens: 40, messages: [{ role: 'user', content: 'Hello' }] }, { version: '2023-06-01' });
    const { resource } = testCall(request, { deployment });
    await admitMessages(limiter, resource, deployment, request, getModel('claude-haiku-4-5'));
    const err = await admitMessages(limiter, resource, deployment, request, getModel('claude-haiku-4-5')).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 429);
    assert.match(err.body('req_x'), /^\{"error":\{"code":"RateLimitReached","message":"Requests to the Messages API under deployment 'tiny' have exceeded token rate limit of 50 tokens per minute\. Please retry after \d+ seconds?\."\}\}$/);
    assert.match(err.headers['retry-after'] ?? '', /^\d+$/);
    assert.match(err.headers['retry-after-ms'] ?? '', /^\d+$/);
  });
});

describe('limits through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  const TIGHT_TPM = 10_000;
  before(async () => {
    mock = await MockUpstream.start();
    gw = await startTestGateway({
      resources: [
        {
          name: 'limited',
          deployments: [
            { name: 'tight', model: 'claude-sonnet-4-6', backend: 'anthropic', rateLimits: { tpm: TIGHT_TPM }, upstream: { baseUrl: mock.url, apiKey: 'sk-ant-api03-limits-test-key' } },
            { name: 'sim-2rpm', model: 'claude-haiku-4-5', rateLimits: { rpm: 2 } },
            { name: 'sim-retry', model: 'claude-haiku-4-5', rateLimits: { tpm: 1200 } },
          ],
        },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('100 concurrent requests against a 10,000-TPM deployment: the upstream sees at most the limit plus one reservation', async () => {
    mock.respond(async (exchange, res) => {
      await sleep(300); // all 100 are in flight together
      await standardReply(exchange, res);
    });
    const body = { model: 'tight', max_tokens: 500, messages: [{ role: 'user', content: 'Count to ten, please.' }] };
    const reservation = countInputTokens(validateMessagesRequest(body, { version: '2023-06-01' }), getModel('claude-sonnet-4-6')!) + body.max_tokens;
    const before = mock.exchanges.length;
    const answers = await Promise.all(Array.from({ length: 100 }, () => messages(gw, body)));
    mock.respond(undefined);
    const forwarded = mock.exchanges.length - before;
    assert.ok(forwarded * reservation <= TIGHT_TPM + reservation, `${forwarded} requests × ${reservation} tokens reached the upstream`);
    assert.ok(forwarded >= Math.floor(TIGHT_TPM / reservation), 'and every request that fitted was admitted');
    assert.equal(answers.filter((a) => a.status === 200).length, forwarded);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 100 - forwarded);
    for (const r of refused) {
      const error = (r.json() as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'RateLimitReached');
      assert.match(error.message, /deployment 'tight' have exceeded token rate limit of 10000 tokens per minute\. Please retry after \d+ seconds?\./);
      assert.match(String(r.headers['retry-after']), /^[1-9]\d*$/);
      assert.ok(Number(r.headers['retry-after-ms']) > 0);
      assert.ok(!Object.keys(r.headers).some((h) => h.startsWith('anthropic-ratelimit')), 'no anthropic-ratelimit-* headers');
    }
  });

  test('the simulator is limited too: a 2-RPM deployment refuses the third request of the minute', async () => {
    const body = { model: 'sim-2rpm', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] };
    assert.equal((await messages(gw, body)).status, 200);
    assert.equal((await messages(gw, body)).status, 200);
    const third = await messages(gw, body);
    assert.equal(third.status, 429);
    assert.match((third.json() as { error: { message: string } }).error.message, /call rate limit of 2 requests per minute\. Please retry after 30 seconds\./);
    assert.equal(third.headers['retry-after'], '30');
  });

  test('count_tokens is not rate limited', async () => {
    const count = () =>
      raw(gw, {
        path: '/limited/anthropic/v1/messages/count_tokens',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys('limited').key1 },
        body: JSON.stringify({ model: 'sim-2rpm', messages: [{ role: 'user', content: 'Hi' }] }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await count()).status, 200);
  });

  test('the official SDK retries a 429 after retry-after-ms and succeeds', async () => {
    // The 1,200-TPM bucket refills 20 tokens a second. A stream reserves all of it but 5 tokens...
    const estimate = (content: string, maxTokens: number) =>
      countInputTokens(validateMessagesRequest({ model: 'sim-retry', max_tokens: maxTokens, messages: [{ role: 'user', content }] }, { version: '2023-06-01' }), getModel('claude-haiku-4-5')!) + maxTokens;
    const holderMax = 1195 - estimate('Hold the bucket', 0);
    const holder = messages(gw, { model: 'sim-retry', max_tokens: holderMax, stream: true, messages: [{ role: 'user', content: 'Hold the bucket' }] }, { 'x-claude-foundry-simulate': 'ttft=300' });
    await sleep(50);
    // ...so the SDK's request is refused, waits the retry-after-ms it is given, and gets in.
    const expectedMs = ((estimate('Hi', 20) - 5) / 20) * 1000;
    const statuses: number[] = [];
    const client = new AnthropicFoundry({
      apiKey: gw.keys('limited').key1,
      baseURL: gw.baseURL('limited'),
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        statuses.push(response.status);
        return response;
      },
    });
    const started = performance.now();
    const message = await client.messages.create({ model: 'sim-retry', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    const waited = performance.now() - started;
    assert.equal(message.role, 'assistant');
    assert.deepEqual(statuses, [429, 200]);
    assert.ok(waited >= expectedMs * 0.9 && waited < expectedMs + 1000, `retried after ${Math.round(waited)} ms; retry-after-ms was about ${Math.round(expectedMs)}`);
    assert.equal((await holder).status, 200);
  });
});
