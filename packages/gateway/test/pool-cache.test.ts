// Why a pool keeps cache affinity, shown by the request log: three mock upstreams, each with a prompt cache of its own
// (the simulator's PromptCache: prefixes up to each cache_control breakpoint, written and read as Anthropic does), and
// one six-turn conversation with an incremental cache. Through the pool with affinity, turn 1 writes and every later turn
// reads what the ones before wrote; through the same pool with affinity off and the choice rotating over the members
// (a naive round-robin), turns 2 and 3 land on cold upstreams and write the whole prefix again. The official Foundry
// SDK is the client; usage and cost are read back from the request log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { startUpstreamGateway, type UpstreamTestGateway } from './fixtures/gateway.ts';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { loggedRecord, managementToken } from './telemetry-helpers.ts';
import type { RecordView } from '../src/telemetry/views.ts';

const KEY = 'sk-ant-api03-pool-cache-key-000000000';
let mocks: MockUpstream[];
let gw: UpstreamTestGateway;
let client: AnthropicFoundry;
let token: string;

/** Without an affinity key the choice is weighted random; this source makes it rotate a, b, c, a, … (3 draws a request). */
function rotating(): () => number {
  let draws = 0;
  return () => {
    const request = Math.floor(draws / 3);
    const member = draws++ % 3;
    return member === request % 3 ? 0.99 : 0.01;
  };
}

before(async () => {
  mocks = await Promise.all([0, 1, 2].map(() => MockUpstream.start({ promptCache: true })));
  const members = mocks.map((mock, i) => ({ name: 'abc'[i]!, backend: 'anthropic', baseUrl: mock.url, apiKey: KEY }));
  gw = await startUpstreamGateway(
    {
      resources: [
        {
          name: 'cached',
          deployments: [
            { name: 'affine', model: 'claude-sonnet-4-6', upstreams: members },
            { name: 'naive', model: 'claude-sonnet-4-6', upstreams: members, pool: { affinity: false } },
          ],
        },
      ],
    },
    { upstream: { pool: { random: rotating() } } },
  );
  client = new AnthropicFoundry({ apiKey: gw.keys('cached').key1, baseURL: gw.baseURL('cached'), maxRetries: 0 });
  token = await managementToken(gw);
});
after(async () => {
  await gw.close();
  await Promise.all(mocks.map((m) => m.close()));
});

/** Six turns of one agent: a long cached system prompt, and a breakpoint on each new user turn (an incremental cache). */
async function conversation(deployment: string, agent: string): Promise<RecordView[]> {
  const system: TextBlockParam[] = [{ type: 'text', text: `You are ${agent}. You review TypeScript for a gateway team; cite the line. `.repeat(150), cache_control: { type: 'ephemeral' } }];
  const turns: MessageParam[] = [];
  const records: RecordView[] = [];
  for (let turn = 1; turn <= 6; turn++) {
    turns.push({ role: 'user', content: [{ type: 'text', text: `Turn ${turn}: review the next file.`, cache_control: { type: 'ephemeral' } }] });
    const params = { model: deployment, max_tokens: 64, system, messages: turns };
    // Odd turns streamed, even turns not: the log reads usage from both.
    const { data, response } = turn % 2 ? await client.messages.stream(params).withResponse().then(async (r) => ({ data: await r.data.finalMessage(), response: r.response })) : await client.messages.create(params).withResponse();
    turns.push({ role: 'assistant', content: data.content });
    records.push(await loggedRecord(gw, token, response.headers.get('request-id')!));
  }
  return records;
}

const writes = (r: RecordView) => r.cacheWrite5mTokens + r.cacheWrite1hTokens;
const sum = (records: RecordView[], f: (r: RecordView) => number) => records.reduce((t, r) => t + f(r), 0);
const cost = (r: RecordView) => Number(r.costUsd);

test('a cache-heavy conversation through a pool of three: with affinity turn 1 writes and turns 2+ read; a naive round-robin writes again', async (t) => {
  const affine = await conversation('affine', 'Ada');
  assert.equal(new Set(affine.map((r) => r.upstream)).size, 1, `every turn on one member: ${affine.map((r) => r.upstream).join(', ')}`);
  const [first, ...later] = affine;
  assert.equal(first!.cacheReadTokens, 0, 'turn 1 finds nothing cached');
  assert.ok(writes(first!) > 1024, `turn 1 writes the system prompt: ${writes(first!)}`);
  for (const [i, r] of later.entries()) {
    assert.ok(r.cacheReadTokens >= writes(first!), `turn ${i + 2} reads the prefix turn 1 wrote: read ${r.cacheReadTokens}`);
    assert.ok(writes(r) * 10 < r.cacheReadTokens, `turn ${i + 2} writes only its new turn: wrote ${writes(r)}, read ${r.cacheReadTokens}`);
    assert.ok(cost(r) < cost(first!) / 2, `turn ${i + 2} costs less than half of turn 1: $${r.costUsd} vs $${first!.costUsd}`);
  }

  const naive = await conversation('naive', 'Grace');
  assert.deepEqual(naive.map((r) => r.upstream), ['a', 'b', 'c', 'a', 'b', 'c'], 'the naive pool rotates');
  for (const turn of [1, 2]) {
    const r = naive[turn]!;
    assert.equal(r.cacheReadTokens, 0, `naive turn ${turn + 1} lands on a cold upstream`);
    assert.ok(writes(r) >= writes(naive[0]!), `naive turn ${turn + 1} writes the whole prefix again: ${writes(r)}`);
  }
  const [affineWrites, naiveWrites] = [sum(affine, writes), sum(naive, writes)];
  assert.ok(naiveWrites > 2.5 * affineWrites, `cache writes: ${naiveWrites} naive vs ${affineWrites} with affinity`);
  const [affineCost, naiveCost] = [sum(affine, cost), sum(naive, cost)];
  t.diagnostic(`six turns: affinity wrote ${affineWrites} and read ${sum(affine, (r) => r.cacheReadTokens)} tokens for $${affineCost.toFixed(6)}; round-robin wrote ${naiveWrites} and read ${sum(naive, (r) => r.cacheReadTokens)} for $${naiveCost.toFixed(6)}`);
  assert.ok(naiveCost > 1.5 * affineCost, `cost: $${naiveCost.toFixed(6)} naive vs $${affineCost.toFixed(6)} with affinity`);
});
