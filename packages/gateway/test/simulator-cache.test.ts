// Specification of simulated prompt caching: creation, reads, TTLs, expiry and the usage invariant.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulator } from '../src/backends/simulator/index.ts';
import { expectMessage, testCall, testDeployment, userRequest } from './simulator-helpers.ts';
import type { Backend } from '../src/backends/types.ts';
import type { CacheControl, MessagesRequest, TextBlockParam, Usage } from '../src/dataplane/types.ts';

const LONG = 'The reference manual explains every request field and response header in detail. '.repeat(120);
const FIVE_MIN: CacheControl = { type: 'ephemeral', ttl: '5m' };
const ONE_HOUR: CacheControl = { type: 'ephemeral', ttl: '1h' };

function system(text: string, cache_control?: CacheControl): TextBlockParam[] {
  return [cache_control === undefined ? { type: 'text', text } : { type: 'text', text, cache_control }];
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function usage(sim: Backend, request: MessagesRequest, model = 'claude-sonnet-4-6'): Promise<Usage> {
  return expectMessage(await sim.messages(testCall(request, { deployment: testDeployment(model) }))).usage;
}

async function fullCount(sim: Backend, request: MessagesRequest, model = 'claude-sonnet-4-6'): Promise<number> {
  return (await sim.countTokens(testCall(request, { deployment: testDeployment(model) }))).input_tokens;
}

function total(u: Usage): number {
  return u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
}

describe('simulated prompt caching', () => {
  it('writes a marked prefix on the first call and reads it on the second', async () => {
    const sim = createSimulator({ clock: clock().now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, FIVE_MIN) });
    const first = await usage(sim, request);
    assert.ok(first.cache_creation_input_tokens >= 1024);
    assert.equal(first.cache_creation.ephemeral_5m_input_tokens, first.cache_creation_input_tokens);
    assert.equal(first.cache_read_input_tokens, 0);
    const second = await usage(sim, request);
    assert.equal(second.cache_read_input_tokens, first.cache_creation_input_tokens);
    assert.equal(second.cache_creation_input_tokens, 0);
    assert.equal(second.input_tokens, first.input_tokens);
  });

  it('keeps input + creation + read equal to count_tokens of the request, cached or not', async () => {
    const sim = createSimulator({ clock: clock().now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, FIVE_MIN), cache_control: FIVE_MIN });
    const expected = await fullCount(sim, request);
    assert.equal(total(await usage(sim, request)), expected);
    assert.equal(total(await usage(sim, request)), expected);
    assert.equal(await fullCount(sim, request), expected, 'count_tokens ignores the cache');
  });

  it('splits creation by each breakpoint ttl, 1h prefixes before 5m ones', async () => {
    const sim = createSimulator({ clock: clock().now });
    const request: MessagesRequest = {
      ...userRequest(''),
      system: system(LONG, ONE_HOUR),
      messages: [{ role: 'user', content: [{ type: 'text', text: LONG, cache_control: FIVE_MIN }, { type: 'text', text: 'Question?' }] }],
    };
    const u = await usage(sim, request);
    assert.ok(u.cache_creation.ephemeral_1h_input_tokens >= 1024);
    assert.ok(u.cache_creation.ephemeral_5m_input_tokens > 0);
    assert.equal(u.cache_creation_input_tokens, u.cache_creation.ephemeral_1h_input_tokens + u.cache_creation.ephemeral_5m_input_tokens);
  });

  it('forgets a 5-minute prefix after 5 minutes, and a hit restarts the 5 minutes', async () => {
    const time = clock();
    const sim = createSimulator({ clock: time.now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, FIVE_MIN) });
    await usage(sim, request);
    time.advance(4 * 60_000);
    assert.ok((await usage(sim, request)).cache_read_input_tokens > 0, 'read at 4 minutes');
    time.advance(4 * 60_000);
    assert.ok((await usage(sim, request)).cache_read_input_tokens > 0, 'read 4 minutes after the refresh');
    time.advance(5 * 60_000 + 1);
    const expired = await usage(sim, request);
    assert.equal(expired.cache_read_input_tokens, 0);
    assert.ok(expired.cache_creation_input_tokens > 0);
  });

  it('keeps a 1-hour prefix for the hour', async () => {
    const time = clock();
    const sim = createSimulator({ clock: time.now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, ONE_HOUR) });
    await usage(sim, request);
    time.advance(59 * 60_000);
    assert.ok((await usage(sim, request)).cache_read_input_tokens > 0);
  });

  it('caches the last block with the top-level cache_control, and reads it as a prefix of a longer prompt', async () => {
    const sim = createSimulator({ clock: clock().now });
    const turn1 = userRequest(LONG, { cache_control: FIVE_MIN });
    const created = (await usage(sim, turn1)).cache_creation_input_tokens;
    const turn2: MessagesRequest = {
      ...turn1,
      messages: [...turn1.messages, { role: 'assistant', content: [{ type: 'text', text: 'Noted.' }] }, { role: 'user', content: [{ type: 'text', text: 'And then?' }] }],
    };
    const u = await usage(sim, turn2);
    assert.equal(u.cache_read_input_tokens, created);
    assert.ok(u.cache_creation_input_tokens > 0, 'the new turns are written');
  });

  it('caches nothing below the minimum cacheable length (1,024 tokens; 2,048 on Haiku)', async () => {
    const sim = createSimulator({ clock: clock().now });
    const short = userRequest('Hi', { system: system('A short system prompt.', FIVE_MIN) });
    const u = await usage(sim, short);
    assert.equal(u.cache_creation_input_tokens + u.cache_read_input_tokens, 0);
    const medium = userRequest('Hi', { system: system(LONG.slice(0, 5000), FIVE_MIN) });
    assert.ok((await usage(sim, medium)).cache_creation_input_tokens > 0, 'cached on Sonnet');
    assert.equal((await usage(sim, medium, 'claude-haiku-4-5')).cache_creation_input_tokens, 0, 'too short for Haiku');
  });

  it('populates the cache on a max_tokens 0 request', async () => {
    const sim = createSimulator({ clock: clock().now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, FIVE_MIN) });
    await usage(sim, { ...request, max_tokens: 0 });
    assert.ok((await usage(sim, request)).cache_read_input_tokens > 0);
  });

  it('holds a bounded number of prefixes, forgetting the least recently used', async () => {
    const sim = createSimulator({ clock: clock().now, cacheEntries: 1 });
    const a = userRequest('A?', { system: system(LONG, FIVE_MIN) });
    const b = userRequest('B?', { system: system(`${LONG} Appendix.`, FIVE_MIN) });
    await usage(sim, a);
    await usage(sim, b);
    assert.equal((await usage(sim, a)).cache_read_input_tokens, 0, 'a was evicted by b');
  });

  it('keeps caches apart per deployment', async () => {
    const sim = createSimulator({ clock: clock().now });
    const request = userRequest('Summarise the manual.', { system: system(LONG, FIVE_MIN) });
    await usage(sim, request);
    const other = expectMessage(await sim.messages(testCall(request, { deployment: testDeployment('claude-sonnet-4-6', { name: 'other' }) })));
    assert.equal(other.usage.cache_read_input_tokens, 0);
  });
});
