// The pool's choices without a network: weights honoured over 10,000 choices, priority groups, cache
// affinity by rendezvous hashing (a conversation stays, a removed member moves only its own keys), the
// affinity key of a conversation's turns, retry-after parsing and the breaker on an injected clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BreakerSettings, PoolMemberSettings } from '../src/control/types.ts';
import { affinityKey, seedOf, tryOrder, type AffinityKey } from '../src/backends/pool/choose.ts';
import { retryAfterMs } from '../src/backends/pool/index.ts';
import { PoolMember } from '../src/backends/pool/member.ts';

const BREAKER: BreakerSettings = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, openMs: 5_000 };

function member(name: string, weight = 1, priority = 0, breaker = BREAKER): PoolMember {
  const settings = { name, backend: 'anthropic', weight, priority, upstream: {} } as unknown as PoolMemberSettings;
  return new PoolMember(settings, breaker, seedOf(name));
}

function keyOf(i: number): AffinityKey {
  return affinityKey({ system: `agent ${i}` }, Buffer.from('{}'))!;
}

/** A seeded generator, so a failure can be reproduced. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shares(members: PoolMember[], choose: (i: number) => PoolMember): Map<string, number> {
  const counts = new Map(members.map((m) => [m.name, 0]));
  for (let i = 0; i < 10_000; i++) {
    const name = choose(i).name;
    counts.set(name, counts.get(name)! + 1);
  }
  return counts;
}

function assertWithin5Percent(counts: Map<string, number>, weights: Record<string, number>): void {
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  for (const [name, weight] of Object.entries(weights)) {
    const expected = (10_000 * weight) / total;
    const got = counts.get(name)!;
    assert.ok(Math.abs(got - expected) <= expected * 0.05, `${name}: ${got} of 10,000, expected ${expected} ± 5 %`);
  }
}

describe('weighted choice', () => {
  const members = [member('a', 1), member('b', 2), member('c', 5)];

  test('without an affinity key, 10,000 choices follow the weights within 5 %', () => {
    const random = seeded(7);
    assertWithin5Percent(shares(members, () => tryOrder(members, 0, undefined, random)[0]!), { a: 1, b: 2, c: 5 });
  });

  test('with 10,000 different affinity keys, their homes follow the weights within 5 %', () => {
    assertWithin5Percent(shares(members, (i) => tryOrder(members, 0, keyOf(i))[0]!), { a: 1, b: 2, c: 5 });
  });

  test('every available member is in the order, so a request can fail over to each', () => {
    const order = tryOrder(members, 0, keyOf(1));
    assert.deepEqual(order.map((m) => m.name).sort(), ['a', 'b', 'c']);
  });
});

describe('priority groups', () => {
  test('the lower group first; the next one only after every member of the lower one', () => {
    const first = [member('east', 1, 0), member('west', 1, 0)];
    const fallback = member('anthropic', 100, 1);
    const all = [fallback, ...first];
    for (let i = 0; i < 200; i++) {
      const order = tryOrder(all, 0, keyOf(i)).map((m) => m.name);
      assert.deepEqual(order.slice(2), ['anthropic'], 'the heavy fallback is still last');
    }
    first[0]!.coolFor(30_000, 0);
    first[1]!.coolFor(30_000, 0);
    assert.deepEqual(tryOrder(all, 1_000, keyOf(1)).map((m) => m.name), ['anthropic']);
    assert.deepEqual(tryOrder(all, 31_000, keyOf(1)).at(-1)!.name, 'anthropic', 'back in rotation once the retry-after passed');
  });
});

describe('cache affinity', () => {
  test("every turn of a conversation keys the same, though its last breakpoint moves; another system prompt keys elsewhere", () => {
    const system = [{ type: 'text', text: 'You are a careful reviewer.', cache_control: { type: 'ephemeral' } }];
    const turn1 = { system, messages: [{ role: 'user', content: [{ type: 'text', text: 'Review a.ts', cache_control: { type: 'ephemeral' } }] }] };
    const turn2 = { system, messages: [turn1.messages[0], { role: 'assistant', content: 'Done.' }, { role: 'user', content: [{ type: 'text', text: 'Now b.ts', cache_control: { type: 'ephemeral' } }] }] };
    const raw = (body: object) => Buffer.from(JSON.stringify(body));
    assert.deepEqual(affinityKey(turn1, raw(turn1)), affinityKey(turn2, raw(turn2)));
    assert.notDeepEqual(affinityKey(turn1, raw(turn1)), affinityKey({ ...turn1, system: 'Another agent.' }, raw(turn1)));

    // Breakpoints only in the messages: the conversation's first message joins the key, so two
    // conversations without a system prompt do not all land on one member.
    const chat = (first: string) => ({ messages: [{ role: 'user', content: [{ type: 'text', text: first, cache_control: { type: 'ephemeral' } }] }] });
    const chatTurn2 = { messages: [...chat('a long document').messages, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and?' }] };
    assert.deepEqual(affinityKey(chat('a long document'), raw(chat('a long document'))), affinityKey(chatTurn2, Buffer.from('"cache_control"')));
    assert.notDeepEqual(affinityKey(chat('a long document'), raw(chat('x'))), affinityKey(chat('another document'), raw(chat('x'))));
    assert.equal(affinityKey({ messages: [{ role: 'user', content: 'hi' }] }, Buffer.from('{"messages":[]}')), undefined, 'nothing to keep: weighted at random');
  });

  test('the same key always ranks the same member first while it is healthy', () => {
    const members = [member('a'), member('b'), member('c')];
    for (let i = 0; i < 100; i++) {
      const home = tryOrder(members, 0, keyOf(i))[0];
      for (let turn = 0; turn < 5; turn++) assert.equal(tryOrder(members, 0, keyOf(i))[0], home);
    }
  });

  test('a member that leaves moves only the keys it held; the others stay where they are', () => {
    const members = [member('a'), member('b'), member('c'), member('d')];
    const before = Array.from({ length: 10_000 }, (_, i) => tryOrder(members, 0, keyOf(i))[0]!.name);
    const after = Array.from({ length: 10_000 }, (_, i) => tryOrder(members.filter((m) => m.name !== 'c'), 0, keyOf(i))[0]!.name);
    let moved = 0;
    for (let i = 0; i < 10_000; i++) {
      if (before[i] === 'c') moved++;
      else assert.equal(after[i], before[i], `key ${i} moved from ${before[i]} to ${after[i]}`);
    }
    assert.ok(moved > 2_000 && moved < 3_000, `c held about a quarter of the keys: ${moved}`);
    // Taken out of rotation (a retry-after) rather than removed: the same keys move, and come back after.
    members[2]!.coolFor(1_000, 0);
    for (let i = 0; i < 1_000; i++) assert.equal(tryOrder(members, 500, keyOf(i))[0]!.name, after[i]);
    for (let i = 0; i < 1_000; i++) assert.equal(tryOrder(members, 1_500, keyOf(i))[0]!.name, before[i]);
  });
});

describe('circuit breaker', () => {
  test('opens at the failure ratio, lets one probe through after openMs, closes on its success and reopens on its failure', () => {
    const m = member('flaky');
    let now = 1_000_000;
    m.succeeded(now);
    m.failed(now);
    m.failed(now);
    assert.equal(m.state(now), 'healthy', 'three requests are fewer than minRequests');
    m.failed(now);
    assert.equal(m.state(now), 'open', '3 of 4 failed');
    assert.equal(m.available(now), false);
    assert.equal(m.waitMs(now), 5_000);
    now += 5_000;
    assert.equal(m.state(now), 'half-open');
    assert.equal(m.available(now), true);
    m.begin(now);
    assert.equal(m.available(now), false, 'one probe at a time');
    m.failed(now);
    assert.equal(m.state(now), 'open', 'the probe failed: open again');
    now += 5_000;
    m.begin(now);
    m.succeeded(now);
    assert.equal(m.state(now), 'healthy', 'the probe got through');
    m.failed(now);
    m.failed(now);
    m.failed(now);
    assert.equal(m.state(now), 'healthy', 'closed with a clean window: 3 failures are fewer than minRequests');
  });

  test('a probe abandoned by its client (no verdict) lets the next request probe', () => {
    const m = member('left', 1, 0, { ...BREAKER, minRequests: 1 });
    m.failed(0);
    assert.equal(m.state(5_000), 'half-open');
    m.begin(5_000);
    assert.equal(m.available(5_000), false);
    m.abandon();
    assert.equal(m.available(5_000), true);
  });

  test('failures older than the window no longer count', () => {
    const m = member('slow');
    let now = 5_000_000;
    m.failed(now);
    m.failed(now);
    m.failed(now);
    now += 11_000;
    m.failed(now);
    m.succeeded(now);
    m.succeeded(now);
    m.succeeded(now);
    assert.equal(m.state(now), 'healthy', '1 failure of 4 within the window');
  });
});

test('retry-after: milliseconds first, then seconds, then an HTTP date; nonsense is ignored', () => {
  assert.equal(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '9' }), 1500);
  assert.equal(retryAfterMs({ 'retry-after': '7' }), 7000);
  assert.equal(retryAfterMs({ 'retry-after': new Date(60_000).toUTCString() }, 30_000), 30_000);
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
  assert.equal(retryAfterMs({}), undefined);
});
