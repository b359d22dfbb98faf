// Specification of the model catalog: its contents match shared/reference/models.md and bad data is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import raw from '../src/models/catalog.json' with { type: 'json' };
import { getModel, listModels, parseCatalog, ratesFor } from '../src/models/catalog.ts';
import { lifecycleOf } from '../src/models/lifecycle.ts';

const DECIMAL = /^\d+(\.\d+)?$/;

function model(id: string) {
  const found = getModel(id);
  assert.ok(found, `${id} is in the catalog`);
  return found;
}

describe('model catalog', () => {
  it('lists every current model of models.md §1a and the retired Opus 4.1, Opus 4 and Sonnet 4', () => {
    const ids = listModels().map((m) => m.id);
    for (const id of [
      'claude-fable-5-2', 'claude-fable-5-1', 'claude-fable-5', 'claude-opus-5-5', 'claude-opus-5', 'claude-opus-4-8',
      'claude-opus-4-7', 'claude-opus-4-6', 'claude-opus-4-5', 'claude-sonnet-5-5', 'claude-sonnet-5',
      'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-5-5', 'claude-haiku-4-5',
      'claude-opus-4-1', 'claude-opus-4', 'claude-sonnet-4',
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  it('gives every model positive limits, output within the context window, and some thinking mode', () => {
    for (const m of listModels()) {
      assert.ok(m.contextWindow > 0 && m.maxOutputTokens > 0, m.id);
      assert.ok(m.maxOutputTokens <= m.contextWindow, m.id);
      assert.ok(m.thinking.length > 0, m.id);
      assert.ok(m.minCacheableTokens > 0 && m.toolSystemPromptTokens > 0, m.id);
    }
  });

  it('stores prices as decimal strings that parse to non-negative numbers, dated 2026-11-25', () => {
    for (const m of listModels()) {
      const cards = [m.prices, ...m.prices.tiers];
      for (const card of cards) {
        for (const rate of [card.input, card.output, card.cacheWrite5m, card.cacheWrite1h, card.cacheRead]) {
          assert.match(rate, DECIMAL, m.id);
          assert.ok(Number(rate) >= 0, m.id);
        }
      }
      assert.equal(m.prices.asOf, '2026-11-25');
      assert.ok(m.prices.source.length > 0);
    }
  });

  it('has the three Foundry launch models at the reference prices (foundry-wire.md §5.4)', () => {
    const expected = {
      'claude-sonnet-4-5': ['3', '15', '3.75', '6', '0.30'],
      'claude-opus-4-1': ['15', '75', '18.75', '30', '1.50'],
      'claude-haiku-4-5': ['1', '5', '1.25', '2', '0.10'],
    };
    for (const [id, [input, output, w5m, w1h, read]] of Object.entries(expected)) {
      const p = model(id).prices;
      assert.deepEqual(
        [p.input, p.output, p.cacheWrite5m, p.cacheWrite1h, p.cacheRead].map(Number),
        [input, output, w5m, w1h, read].map(Number),
        id,
      );
    }
  });

  it('computes the lifecycle from the dates at the time asked: active → deprecated → retired', () => {
    const on = (date: string) => Date.parse(`${date}T12:00:00Z`);
    assert.equal(model('claude-opus-4-1').retiredAt, '2026-08-05');
    assert.equal(lifecycleOf(model('claude-opus-4-1'), on('2026-06-04')), 'active');
    assert.equal(lifecycleOf(model('claude-opus-4-1'), on('2026-06-05')), 'deprecated');
    assert.equal(lifecycleOf(model('claude-opus-4-1'), on('2026-08-05')), 'retired');
    assert.equal(model('claude-sonnet-4-5').retiresAt, '2026-11-30');
    assert.equal(lifecycleOf(model('claude-sonnet-4-5'), on('2026-11-29')), 'deprecated');
    assert.equal(lifecycleOf(model('claude-sonnet-4-5'), on('2026-11-30')), 'retired');
    assert.equal(lifecycleOf(model('claude-sonnet-4-5'), on('2026-12-03')), 'retired');
    assert.equal(model('claude-opus-4-5').retiresAt, '2027-01-22');
    assert.equal(lifecycleOf(model('claude-opus-4-5'), on('2026-11-23')), 'deprecated', 'deprecated since its announcement');
    assert.equal(lifecycleOf(model('claude-opus-4-5'), on('2027-01-22')), 'retired');
    assert.equal(lifecycleOf(model('claude-sonnet-5-5'), on('2026-12-03')), 'active');
  });

  it('marks the 4.7-and-later models with the v2 tokenizer and older ones legacy', () => {
    for (const id of ['claude-opus-4-7', 'claude-opus-4-8', 'claude-opus-5', 'claude-sonnet-5', 'claude-haiku-5-5', 'claude-fable-5-2']) {
      assert.equal(model(id).tokenizer, 'v2', id);
    }
    for (const id of ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']) {
      assert.equal(model(id).tokenizer, 'legacy', id);
    }
  });

  it('finds a model by snapshot id and by alias, and nothing for unknown ids', () => {
    assert.equal(getModel('claude-sonnet-4-5-20250929')?.id, 'claude-sonnet-4-5');
    assert.equal(getModel('claude-opus-4-0')?.id, 'claude-opus-4');
    assert.equal(getModel('claude-3-5-sonnet-20241022'), undefined);
  });

  it('switches to the long-context rate card above its threshold (Sonnet 4.5 >200K, Haiku 5.5 >100K)', () => {
    assert.equal(ratesFor(model('claude-sonnet-4-5'), 200_000).input, '3');
    assert.equal(ratesFor(model('claude-sonnet-4-5'), 200_001).input, '6');
    assert.equal(ratesFor(model('claude-sonnet-4-5'), 200_001).output, '22.50');
    assert.equal(ratesFor(model('claude-haiku-5-5'), 100_001).output, '2.50');
    assert.equal(ratesFor(model('claude-opus-5-5'), 900_000).input, '4');
  });

  it('refuses a malformed entry with an error naming the entry and the field', () => {
    const broken = structuredClone(raw) as { models: Array<Record<string, unknown>> };
    delete broken.models[2]!['contextWindow'];
    assert.throws(() => parseCatalog(broken), /entry 2 "claude-fable-5": contextWindow must be a positive integer/);

    const badPrice = structuredClone(raw) as { models: Array<{ prices: Record<string, unknown> }> };
    badPrice.models[0]!.prices['input'] = 8;
    assert.throws(() => parseCatalog(badPrice), /entry 0 "claude-fable-5-2": prices: input must be a decimal string/);
  });

  it('refuses an id used twice', () => {
    const doubled = structuredClone(raw) as { models: unknown[] };
    doubled.models.push(doubled.models[0]);
    assert.throws(() => parseCatalog(doubled), /"claude-fable-5-2" is already used/);
  });
});
