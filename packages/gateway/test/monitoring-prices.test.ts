// GET /monitoring/prices: the catalog's list prices behind a management token, and priced with pricing.ts's own
// costOf they give exactly the cost the request log records (on GlobalStandard and on DataZoneStandard's ×1.1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listModels } from '../src/models/index.ts';
import type { PriceTier } from '../src/models/types.ts';
import { billedTokens, costOf } from '../src/telemetry/pricing.ts';
import { formatUsd } from '../src/telemetry/money.ts';
import { type TestGateway, startTestGateway } from './helpers.ts';
import { loggedRecord, managementToken, messagesTo, monitoring, ROLES } from './telemetry-helpers.ts';

interface Prices {
  currency: string;
  skuFactors: Record<string, string>;
  value: Array<{ model: string; lifecycle: string; contextWindow: number; thinking: string[]; prices: { input: string; output: string; cacheWrite5m: string; cacheWrite1h: string; cacheRead: string; tiers: PriceTier[] } }>;
}

describe('GET /monitoring/prices', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      resources: [{ name: 'priced', deployments: [{ name: 'global', model: 'claude-sonnet-4-6' }, { name: 'zone', model: 'claude-sonnet-4-6', sku: 'DataZoneStandard' }] }],
    });
  });
  after(() => gw.close());

  test('needs a token (401 without, in ARM shape), and any role or none then reads it; only GET and HEAD', async () => {
    const none = await monitoring(gw, '/monitoring/prices', undefined);
    assert.equal(none.status, 401);
    assert.equal((none.json() as { error: { code: string } }).error.code, 'AuthenticationFailed');
    const nobody = await managementToken(gw, null);
    const res = await monitoring(gw, '/monitoring/prices', nobody);
    assert.equal(res.status, 200, res.text);
    const body = res.json() as Prices;
    assert.equal(body.currency, 'USD');
    assert.deepEqual(body.skuFactors, { GlobalStandard: '1', DataZoneStandard: '1.1' });
    assert.deepEqual(body.value.map((m) => m.model), listModels().map((m) => m.id), 'every catalog model, in catalog order');
    const sonnet = body.value.find((m) => m.model === 'claude-sonnet-4-5')!;
    assert.equal(sonnet.prices.input, '3');
    assert.equal(sonnet.prices.output, '15');
    assert.equal(sonnet.prices.tiers[0]?.aboveInputTokens, 200_000, 'the long-context tier comes along');
    assert.ok(['active', 'deprecated', 'retired'].includes(sonnet.lifecycle));
    const post = await monitoring(gw, '/monitoring/prices', nobody, 'POST', {});
    assert.equal(post.status, 405);
    assert.match(String(post.headers['allow']), /GET/);
  });

  test("priced with pricing.ts's costOf, a reply's usage gives the request log's cost, on both SKUs", async () => {
    const reader = await managementToken(gw, ROLES.reader);
    const { value } = (await monitoring(gw, '/monitoring/prices', reader)).json() as Prices;
    const sonnet = value.find((m) => m.model === 'claude-sonnet-4-6')!;
    for (const [deployment, sku] of [['global', 'GlobalStandard'], ['zone', 'DataZoneStandard']] as const) {
      const res = await messagesTo(gw, 'priced', { model: deployment, max_tokens: 64, messages: [{ role: 'user', content: `What does ${deployment} cost?` }] });
      assert.equal(res.status, 200, res.text);
      const usage = (res.json() as { usage: Parameters<typeof billedTokens>[0] }).usage;
      const record = await loggedRecord(gw, reader, String(res.headers['request-id']));
      assert.notEqual(record.costUsd, '0');
      assert.equal(formatUsd(costOf(billedTokens(usage), sonnet, sku)), record.costUsd, sku);
    }
  });
});
