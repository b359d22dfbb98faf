// Foundry's quota model end to end: a pay-as-you-go subscription's defaults by model, the Global Standard pool two
// resources' deployments share (exact under concurrency), output and uncached-input limits with the bucket named,
// a free trial's zero quota, config mistakes, and ARM's usages and models listings read by @azure/arm-cognitiveservices.
// The gateway's limiter runs on a clock the test moves, so nothing here depends on the machine's speed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { loadConfig } from '../src/config/index.ts';
import { createMemoryLimiter, defaultQuota } from '../src/limits/index.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { credential, SUBSCRIPTION } from './identity-helpers.ts';

const OTHER_SUBSCRIPTION = 'c1a0de00-5ab5-4000-8000-0000000000ee';
const hello = (model: string, max_tokens = 16) => ({ model, max_tokens, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] });
type Refusal = { status: number; headers: Headers; message: string };
const refusal = (call: Promise<unknown>) => call.then(() => assert.fail('expected a 429'), (e: unknown) => e as Refusal);

describe("Microsoft's default quotas", () => {
  test('pay-as-you-go by model, Enterprise and free trial for all', () => {
    for (const model of ['claude-opus-4-5', 'claude-opus-4-8', 'claude-opus-5', 'claude-sonnet-5', 'claude-sonnet-5-5']) {
      assert.deepEqual(defaultQuota(model, 'payg'), { rpm: 40, itpm: 40_000, otpm: 8_000 }, model);
    }
    for (const model of ['claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-sonnet-4-5-20250929']) {
      assert.deepEqual(defaultQuota(model, 'payg'), { rpm: 80, itpm: 80_000, otpm: 16_000 }, model);
    }
    assert.deepEqual(defaultQuota('claude-opus-4-5', 'enterprise'), { rpm: 10_000, itpm: 10_000_000, otpm: 2_000_000 });
    assert.deepEqual(defaultQuota('claude-haiku-4-5', 'trial'), { rpm: 0, itpm: 0, otpm: 0 });
  });

  test('config: a subscription has one type; a wrong value says which are allowed', () => {
    assert.throws(() => loadConfig({ env: {}, overrides: { subscriptionType: 'free' } }), /subscriptionType must be one of "payg", "enterprise", "trial" .*not "free"/);
    assert.throws(
      () => loadConfig({ env: {}, overrides: { resources: [{ name: 'one', subscriptionType: 'trial', deployments: [] }, { name: 'two', deployments: [] }] } }),
      /"one" and "two" share subscription .* but say its subscriptionType is "trial" and "payg"; a subscription has one type\./,
    );
    assert.equal(loadConfig({ env: {} }).resources[0]!.subscriptionType, 'enterprise', 'the embedded claude-local is not throttled at 80 RPM');
    const quotas = loadConfig({ env: {}, overrides: { quotas: { 'claude-sonnet-4-5-20250929': { rpm: 5, itpm: 6, otpm: 7 } } } }).quotas;
    assert.deepEqual(quotas.get('claude-sonnet-4-5'), { rpm: 5, itpm: 6, otpm: 7 }, 'keyed by catalog id');
    assert.throws(() => loadConfig({ env: {}, overrides: { quotas: { 'gpt-4o': { rpm: 1, itpm: 1, otpm: 1 } } } }), /quotas: "gpt-4o" is not a model of the catalog/);
    assert.throws(() => loadConfig({ env: {}, overrides: { quotas: { 'claude-haiku-4-5': { rpm: 1 } } } }), /quotas\.claude-haiku-4-5 must set all of "rpm", "itpm" and "otpm"\./);
    assert.equal(loadConfig({ env: {}, overrides: { resources: [{ name: 'one', deployments: [{ name: 'claude-opus-4-5' }] }] } }).resources[0]!.deployments[0]!.capacity, 40);
  });
});

describe('a pay-as-you-go subscription through the gateway', () => {
  let gw: TestGateway;
  let now = 0;
  const client = (resource: string) => new AnthropicFoundry({ apiKey: gw.keys(resource).key1, baseURL: gw.baseURL(resource), maxRetries: 0 });

  before(async () => {
    gw = await startTestGateway(
      {
        subscriptionType: 'payg',
        resources: [
          { name: 'east', deployments: [{ name: 'claude-haiku-4-5' }, { name: 'haiku-dz', model: 'claude-haiku-4-5', sku: 'DataZoneStandard' }, { name: 'claude-opus-4-5' }] },
          { name: 'west', deployments: [{ name: 'haiku-too', model: 'claude-haiku-4-5', capacity: 30 }, { name: 'cached', model: 'claude-sonnet-4-6', rateLimits: { itpm: 6_000 } }] },
          { name: 'trial', subscriptionId: OTHER_SUBSCRIPTION, subscriptionType: 'trial', deployments: [{ name: 'claude-haiku-4-5' }] },
        ],
      },
      { limiter: createMemoryLimiter({ clock: () => now }) },
    );
  });
  after(() => gw.close());

  test('two resources’ Global Standard deployments of Haiku 4.5 share one 80-RPM pool: of 120 concurrent requests exactly 80 pass', async () => {
    const calls = Array.from({ length: 120 }, (_, i) =>
      (i % 2 === 0 ? client('east').messages.create(hello('claude-haiku-4-5')) : client('west').messages.create(hello('haiku-too'))).then(
        () => 200,
        (e: Refusal) => e,
      ),
    );
    const outcomes = await Promise.all(calls);
    assert.equal(outcomes.filter((o) => o === 200).length, 80);
    const refused = outcomes.filter((o): o is Refusal => o !== 200);
    assert.equal(refused.length, 40);
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.match(r.message, /have exceeded call rate limit of (80|30) requests per minute( of the subscription's Global Standard quota for claude-haiku-4-5, shared by its deployments)?\. Please retry after \d+ seconds?\./);
    }
    // The deployment with capacity 30 is held to its own 30 first; the pool refuses the rest.
    assert.ok(refused.some((r) => /of 80 requests per minute of the subscription's Global Standard quota/.test(r.message)));
    // A Data Zone deployment of the same model has its own limits, not the pool.
    const dz = await client('east').messages.create(hello('haiku-dz'));
    assert.equal(dz.role, 'assistant');
    // A minute later the pool is full again.
    now += 60_000;
    await client('west').messages.create(hello('haiku-too'));
  });

  test('Opus 4.5 pay-as-you-go: 8,000 output tokens a minute reserved by max_tokens; the 429 names the output bucket and its exact wait', async () => {
    const first = await client('east').messages.create(hello('claude-opus-4-5', 5_000));
    // The first reply gave back the max_tokens it did not use; what it produced refills at 8,000 a minute.
    const err = await refusal(client('east').messages.create(hello('claude-opus-4-5', 8_000)));
    assert.equal(err.status, 429);
    assert.match(err.message, /deployment 'claude-opus-4-5' have exceeded output token rate limit of 8000 output tokens per minute\. Please retry after \d+ seconds?\./);
    const wait = Math.ceil((first.usage.output_tokens * 60_000) / 8_000);
    assert.equal(err.headers.get('retry-after-ms'), String(wait));
    assert.equal(err.headers.get('retry-after'), String(Math.max(1, Math.ceil(wait / 1000))));
    now += wait;
    await client('east').messages.create(hello('claude-opus-4-5', 8_000));
  });

  test('ITPM counts uncached input only: cache reads are given back, so a cached prompt fits again where an uncached one would not', async () => {
    const system = [{ type: 'text' as const, text: 'Every token in this ledger is counted once and only once. '.repeat(150), cache_control: { type: 'ephemeral' as const } }];
    const body = { model: 'cached', max_tokens: 16, system, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const first = await client('west').messages.create(body);
    const prompt = first.usage.input_tokens + (first.usage.cache_creation_input_tokens ?? 0);
    assert.ok(prompt > 2_000 && prompt < 3_000, `prompt ${prompt}`);
    // 6,000 − the first's write leaves room for one more reservation of the whole prompt, not two...
    const second = await client('west').messages.create(body);
    assert.ok((second.usage.cache_read_input_tokens ?? 0) > 2_000, 'a cache read');
    // ...but its cache read was given back when it settled, so a third fits.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = await client('west').messages.create(body);
    assert.ok((third.usage.cache_read_input_tokens ?? 0) > 2_000);
  });

  test('a free trial has no Claude quota: 429 saying so, with no retry-after', async () => {
    const err = await refusal(client('trial').messages.create(hello('claude-haiku-4-5')));
    assert.equal(err.status, 429);
    assert.match(err.message, /a trial subscription has no quota for claude-haiku-4-5\. Use a pay-as-you-go or Enterprise subscription, or request a quota increase\./);
    assert.equal(err.headers.get('retry-after'), null);
  });

  test('@azure/arm-cognitiveservices: usages show each model’s pool (limit and capacity held); models list SKUs with capacities and limits', async () => {
    const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
    const agent = new Agent({ ca: gw.identity.caPem });
    const arm = new CognitiveServicesManagementClient(credential(gw, admin.clientId, admin.clientSecret), SUBSCRIPTION, {
      endpoint: gw.httpsUrl,
      additionalPolicies: [{ position: 'perCall', policy: { name: 'trust-gateway-ca', sendRequest: (req, next) => ((req.agent = agent), next(req)) } }],
    });
    const usages = [];
    for await (const u of arm.usages.list('eastus2')) usages.push(u);
    const haiku = usages.find((u) => u.name?.value === 'AIServices.GlobalStandard.claude-haiku-4-5');
    // east's claude-haiku-4-5 (default capacity: the whole 80) and west's haiku-too (30); the Data Zone one is not in the pool.
    assert.deepEqual([haiku?.limit, haiku?.currentValue, haiku?.unit, haiku?.quotaPeriod], [80, 110, 'Count', 'PT1M']);
    assert.equal(usages.find((u) => u.name?.value === 'AIServices.GlobalStandard.claude-opus-4-5')?.limit, 40);

    const models = [];
    for await (const m of arm.models.list('eastus2')) models.push(m);
    const opus = models.find((m) => m.model?.name === 'claude-opus-4-5');
    const global = opus?.model?.skus?.find((s) => s.name === 'GlobalStandard');
    assert.deepEqual(global?.capacity, { minimum: 1, maximum: 40, step: 1, default: 40 });
    assert.deepEqual((global?.rateLimits as Array<{ key: string; count: number }> | undefined)?.map((r) => [r.key, r.count]), [['request', 40], ['token', 40_000], ['outputToken', 8_000]]);
    assert.equal(global?.usageName, 'AIServices.GlobalStandard.claude-opus-4-5');
  });
});
