// Rate limits per deployment (RPM, ITPM, OTPM): the token-bucket limiter on its own (with a clock the test moves),
// and through a real gateway with that clock injected: 100 concurrent requests judged from the upstream's side,
// Azure's 429 naming the limit, the simulator limited too, count_tokens not limited, and the official SDK retrying
// a 429 after retry-after-ms. Foundry's quota defaults and shared pools: quotas.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { Admission, admitMessages, estimateInputTokens } from '../src/limits/admission.ts';
import { createMemoryLimiter, limitsFromCapacity, type Demand, type RateLimits, type Reservation } from '../src/limits/index.ts';
import { validateMessagesRequest } from '../src/dataplane/validate.ts';
import { getModel } from '../src/models/catalog.ts';
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

const d = (limits: RateLimits) => [{ key: 'd', limits }];
const ask = (input: number, output = 1): Demand => ({ requests: 1, input, output });

describe('the in-process limiter', () => {
  const limits = { rpm: 1000, itpm: 10_000, otpm: 100_000 };

  test('admits one minute of input tokens at once, then refills at limit/60 s and says exactly when', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    for (let i = 0; i < 16; i++) reserved(limiter.reserve(d(limits), ask(600)));
    const refused = limiter.reserve(d(limits), ask(600));
    assert.deepEqual(refused, { ok: false, limit: 'input', scope: 0, retryAfterMs: 1200 }); // 200 missing at 10,000/min
    time.advance(1199);
    assert.equal((limiter.reserve(d(limits), ask(600)) as { ok: boolean }).ok, false);
    time.advance(1);
    reserved(limiter.reserve(d(limits), ask(600)));
  });

  test('limits requests per minute on their own', () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const small = { rpm: 2, itpm: 1_000_000, otpm: 1_000_000 };
    reserved(limiter.reserve(d(small), ask(1)));
    reserved(limiter.reserve(d(small), ask(1)));
    assert.deepEqual(limiter.reserve(d(small), ask(1)), { ok: false, limit: 'requests', scope: 0, retryAfterMs: 30_000 });
  });

  test('limits output tokens per minute on their own, by max_tokens reserved', () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const tight = { rpm: 1000, itpm: 1_000_000, otpm: 8_000 };
    reserved(limiter.reserve(d(tight), ask(10, 6_000)));
    assert.deepEqual(limiter.reserve(d(tight), ask(10, 4_000)), { ok: false, limit: 'output', scope: 0, retryAfterMs: 15_000 }); // 2,000 at 8,000/min
  });

  test('every scope must admit: the one that refuses is named, and nothing is taken from the others', () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const pool = { key: 'pool', limits: { rpm: 3, itpm: 1_000_000, otpm: 1_000_000 } };
    const roomy = { rpm: 100, itpm: 1_000_000, otpm: 1_000_000 };
    reserved(limiter.reserve([{ key: 'a', limits: roomy }, pool], ask(1)));
    reserved(limiter.reserve([{ key: 'b', limits: roomy }, pool], ask(1)));
    reserved(limiter.reserve([{ key: 'a', limits: roomy }, pool], ask(1)));
    assert.deepEqual(limiter.reserve([{ key: 'b', limits: roomy }, pool], ask(1)), { ok: false, limit: 'requests', scope: 1, retryAfterMs: 20_000 });
    // 'b' was not charged for the refusal: 99 more of its own requests would fit if the pool allowed.
    const bOnly = createMemoryLimiter({ clock: frozenClock().clock });
    for (let i = 0; i < 100; i++) reserved(bOnly.reserve([{ key: 'b', limits: roomy }], ask(1)));
  });

  test('a limit of 0 (a free trial) admits nothing, ever', () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    assert.deepEqual(limiter.reserve(d({ rpm: 0, itpm: 0, otpm: 0 }), ask(1)), { ok: false, limit: 'requests', scope: 0, retryAfterMs: Infinity });
  });

  test('1,000 concurrent reservations of mixed sizes take exactly what fits and never more', async () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const demands = Array.from({ length: 1000 }, (_, i) => 100 + ((i * 7919) % 1900));
    const outcomes = await Promise.all(demands.map(async (input) => ({ input, outcome: await limiter.reserve(d(limits), ask(input)) })));
    const admitted = outcomes.filter((o) => o.outcome.ok).reduce((sum, o) => sum + o.input, 0);
    assert.ok(admitted <= limits.itpm, `admitted ${admitted} tokens against a limit of ${limits.itpm}`);
    // Greedy in arrival order: each refused demand did not fit what was left when it came.
    let left = limits.itpm;
    for (const o of outcomes) {
      assert.equal(o.outcome.ok, o.input <= left, `a demand of ${o.input} with ${left} left`);
      if (o.outcome.ok) left -= o.input;
    }
  });

  test('RPM under concurrency: exactly the limit is admitted', async () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const outcomes = await Promise.all(Array.from({ length: 200 }, async () => limiter.reserve(d({ rpm: 80, itpm: 1e9, otpm: 1e9 }), ask(1))));
    assert.equal(outcomes.filter((o) => o.ok).length, 80);
  });

  test('a demand larger than the whole bucket waits for a full bucket, then overdraws it once', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    reserved(limiter.reserve(d(limits), ask(100)));
    const refused = limiter.reserve(d(limits), ask(25_000));
    assert.deepEqual(refused, { ok: false, limit: 'input', scope: 0, retryAfterMs: 600 }); // until the bucket is full again
    time.advance(600);
    reserved(limiter.reserve(d(limits), ask(25_000)));
    // 15,000 below zero: the next small request waits for 15,000 + 10 tokens to refill.
    assert.deepEqual(limiter.reserve(d(limits), ask(10)), { ok: false, limit: 'input', scope: 0, retryAfterMs: 90_060 });
  });

  test('reconcile gives back what was not used, release gives back everything, each only once', () => {
    const limiter = createMemoryLimiter({ clock: frozenClock().clock });
    const first = reserved(limiter.reserve(d(limits), ask(10_000)));
    first.reconcile({ input: 4_000, output: 1 });
    first.reconcile({ input: 0, output: 0 }); // ignored
    const second = reserved(limiter.reserve(d(limits), ask(6_000)));
    assert.equal((limiter.reserve(d(limits), ask(1)) as { ok: boolean }).ok, false);
    second.release();
    second.release(); // ignored
    reserved(limiter.reserve(d(limits), ask(6_000)));
    assert.equal((limiter.reserve(d(limits), ask(1)) as { ok: boolean }).ok, false);
  });

  test('a loan to a worker (--workers leases): taken from the bucket, which refills only to its limit less the loan until repaid', () => {
    const time = frozenClock();
    const limiter = createMemoryLimiter({ clock: time.clock });
    const small = { rpm: 60, itpm: 1_000_000, otpm: 1_000_000 };
    const slice = { requests: 10, input: 0, output: 0 };
    assert.equal(limiter.lend(d(small)[0]!, slice, { requests: 55, input: 0, output: 0 }), false, 'it would leave fewer than `keep`');
    assert.equal(limiter.lend(d(small)[0]!, slice, { requests: 30, input: 0, output: 0 }), true);
    for (let i = 0; i < 50; i++) reserved(limiter.reserve(d(small), ask(1)));
    assert.equal(limiter.reserve(d(small), ask(1)).ok, false, '50 in the bucket, 10 out on loan');
    time.advance(120_000); // two minutes: a bucket without the loan would be full (60)
    for (let i = 0; i < 50; i++) reserved(limiter.reserve(d(small), ask(1)));
    assert.equal(limiter.reserve(d(small), ask(1)).ok, false, 'refilled to 60 less the 10 lent');
    limiter.repaid(d(small)[0]!, slice, { requests: 4, input: 0, output: 0 }); // 6 of the loan were spent
    for (let i = 0; i < 4; i++) reserved(limiter.reserve(d(small), ask(1)));
    assert.equal(limiter.reserve(d(small), ask(1)).ok, false);
    time.advance(60_000);
    for (let i = 0; i < 60; i++) reserved(limiter.reserve(d(small), ask(1)));
    assert.equal(limiter.reserve(d(small), ask(1)).ok, false, 'repaid: the whole limit again');
  });

  test('capacity N maps to N RPM, N × 1,000 ITPM and N × 200 OTPM: 40 and 80 give the pay-as-you-go rows', () => {
    assert.deepEqual(limitsFromCapacity(40), { rpm: 40, itpm: 40_000, otpm: 8_000 });
    assert.deepEqual(limitsFromCapacity(80), { rpm: 80, itpm: 80_000, otpm: 16_000 });
    assert.deepEqual(limitsFromCapacity(10_000), { rpm: 10_000, itpm: 10_000_000, otpm: 2_000_000 });
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
    const calls: Array<['reconcile', number, number] | ['release']> = [];
    const reservation: Reservation = { ok: true, reconcile: (n) => calls.push(['reconcile', n.input, n.output]), release: () => calls.push(['release']) };
    return { calls, admission: new Admission(reservation) };
  }

  test('reconciles input + cache writes (ITPM) and output (OTPM); cache reads do not count', () => {
    const { calls, admission } = spy();
    admission.observe({ kind: 'message', message: { usage } } as unknown as BackendReply);
    admission.settle(false);
    assert.deepEqual(calls, [['reconcile', 1100, 50]]);
  });

  test('a passthrough settles when its tapped usage arrives, even after the client left', async () => {
    const { calls, admission } = spy();
    const tapped = Promise.withResolvers<TokenUsage | undefined>();
    admission.observe({ kind: 'passthrough', usage: tapped.promise } as unknown as BackendReply);
    admission.settle(true);
    assert.deepEqual(calls, []);
    tapped.resolve({ ...usage, output_tokens: 7 }); // what was produced before the disconnect
    await sleep(0);
    assert.deepEqual(calls, [['reconcile', 1100, 7]]);
  });

  test('a client gone before any usage keeps the estimate; a failure before any usage gives it back', () => {
    const gone = spy();
    gone.admission.settle(true);
    assert.deepEqual(gone.calls, []);
    const failed = spy();
    failed.admission.settle(false);
    assert.deepEqual(failed.calls, [['reconcile', 0, 0]]);
  });

  test('a stream is reconciled with message_start plus the cumulative message_delta', () => {
    const { calls, admission } = spy();
    admission.usage.event({ type: 'message_start', message: { usage: { ...usage, output_tokens: 1 } } } as never);
    admission.usage.event({ type: 'message_delta', usage: { output_tokens: 30 } } as never);
    admission.usage.event({ type: 'message_delta', usage: { output_tokens: 60, input_tokens: 100 } } as never);
    admission.settle(false);
    assert.deepEqual(calls, [['reconcile', 1100, 60]]);
  });

  test('an over-limit request is refused with a 429 in Azure shape, retry-after and retry-after-ms', async () => {
    const limiter = createMemoryLimiter({ clock: () => 0 });
    const deployment = testDeployment('claude-haiku-4-5', { name: 'tiny', rateLimits: { rpm: 100, itpm: 1_000_000, otpm: 50 } });
    const request = validateMessagesRequest({ model: 'tiny', max_tokens: 40, messages: [{ role: 'user', content: 'Hello' }] }, { version: '2023-06-01' });
    const { resource } = testCall(request, { deployment });
    const inputTokens = estimateInputTokens(request, getModel('claude-haiku-4-5'));
    await admitMessages(limiter, resource, deployment, request, inputTokens);
    const err = await admitMessages(limiter, resource, deployment, request, inputTokens).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.status, 429);
    assert.match(err.body('req_x'), /^\{"error":\{"code":"RateLimitReached","message":"Requests to the Messages API under deployment 'tiny' have exceeded output token rate limit of 50 output tokens per minute\. Please retry after \d+ seconds?\."\}\}$/);
    assert.match(err.headers['retry-after'] ?? '', /^\d+$/);
    assert.match(err.headers['retry-after-ms'] ?? '', /^\d+$/);
  });
});

describe('limits through the gateway', () => {
  let mock: MockUpstream;
  let gw: TestGateway;
  // The gateway's limiter runs on this clock: refills happen only when a test moves it, so nothing depends on load.
  const time = frozenClock();
  const TIGHT_ITPM = 10_000;
  before(async () => {
    mock = await MockUpstream.start();
    gw = await startTestGateway(
      {
        resources: [
          {
            name: 'limited',
            deployments: [
              { name: 'tight', model: 'claude-sonnet-4-6', backend: 'anthropic', rateLimits: { itpm: TIGHT_ITPM }, upstream: { baseUrl: mock.url, apiKey: 'sk-ant-api03-limits-test-key' } },
              { name: 'sim-2rpm', model: 'claude-haiku-4-5', rateLimits: { rpm: 2 } },
              { name: 'sim-retry', model: 'claude-haiku-4-5', rateLimits: { otpm: 12_000 } },
            ],
          },
        ],
      },
      { limiter: createMemoryLimiter({ clock: time.clock }) },
    );
  });
  after(async () => {
    await gw.close();
    await mock.close();
  });

  test('100 concurrent requests against a 10,000-ITPM deployment: exactly those that fit reach the upstream', async () => {
    mock.respond(async (exchange, res) => {
      await sleep(300); // all 100 are in flight together
      await standardReply(exchange, res);
    });
    const body = { model: 'tight', max_tokens: 500, messages: [{ role: 'user', content: 'Count to ten, please. '.repeat(60) }] };
    const reservation = estimateInputTokens(validateMessagesRequest(body, { version: '2023-06-01' }), getModel('claude-sonnet-4-6'));
    const before = mock.exchanges.length;
    const answers = await Promise.all(Array.from({ length: 100 }, () => messages(gw, body)));
    mock.respond(undefined);
    const forwarded = mock.exchanges.length - before;
    assert.equal(forwarded, Math.floor(TIGHT_ITPM / reservation), `${forwarded} requests × ${reservation} input tokens reached the upstream`);
    assert.equal(answers.filter((a) => a.status === 200).length, forwarded);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 100 - forwarded);
    for (const r of refused) {
      const error = (r.json() as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'RateLimitReached');
      assert.match(error.message, /deployment 'tight' have exceeded input token rate limit of 10000 input tokens per minute\. Please retry after \d+ seconds?\./);
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

  test('the official SDK retries a 429 after retry-after-ms for the output bucket and succeeds', async () => {
    // The 12,000-OTPM bucket refills 200 tokens a second. A first request reserves 11,000 as its max_tokens and,
    // answered, gives back all but the output it produced...
    const first = await messages(gw, { model: 'sim-retry', max_tokens: 11_000, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(first.status, 200);
    const produced = (first.json() as { usage: { output_tokens: number } }).usage.output_tokens;
    // ...so a request for every token the bucket holds lacks exactly `produced`, which refill in produced / 200 s.
    const expectedMs = Math.ceil((produced / 12_000) * 60_000);
    const seen: Array<[number, string | null]> = [];
    const client = new AnthropicFoundry({
      apiKey: gw.keys('limited').key1,
      baseURL: gw.baseURL('limited'),
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        seen.push([response.status, response.headers.get('retry-after-ms')]);
        // The SDK now sleeps retry-after-ms; the limiter's clock moves by as much.
        if (response.status === 429) time.advance(Number(response.headers.get('retry-after-ms')));
        return response;
      },
    });
    const started = performance.now();
    const message = await client.messages.create({ model: 'sim-retry', max_tokens: 12_000, messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(message.role, 'assistant');
    assert.deepEqual(seen, [[429, String(expectedMs)], [200, null]]);
    assert.ok(performance.now() - started >= expectedMs * 0.9, 'the SDK waited the retry-after-ms it was given');
  });
});
