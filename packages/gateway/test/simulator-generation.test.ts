// Specification of what the simulator replies: deterministic text, stop sequences, max_tokens, thinking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulator, verifyThinkingSignature } from '../src/backends/simulator/index.ts';
import { expectMessage, testCall, testDeployment, userRequest } from './simulator-helpers.ts';
import type { Message, MessagesRequest, TextBlock } from '../src/dataplane/types.ts';
import { countTextTokens } from '../src/tokens/count.ts';

const secret = Buffer.from('test-secret');

async function reply(request: MessagesRequest, model = 'claude-sonnet-4-6'): Promise<Message> {
  const sim = createSimulator({ signingSecret: secret });
  return expectMessage(await sim.messages(testCall(request, { deployment: testDeployment(model) })));
}

function textOf(message: Message): string {
  return message.content.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text).join('');
}

const QUESTION = 'Explain, in plain words, why the sky looks blue on a clear afternoon and red at sunset please.';

describe('simulator replies', () => {
  it('gives the same content, stop reason and usage for the same request, with a fresh message id', async () => {
    const a = await reply(userRequest(QUESTION));
    const b = await reply(userRequest(QUESTION));
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^msg_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    assert.deepEqual({ ...a, id: '' }, { ...b, id: '' });
  });

  it('answers differently for a different conversation or deployment', async () => {
    const a = await reply(userRequest(QUESTION));
    assert.notEqual(textOf(await reply(userRequest(`${QUESTION}!`))), textOf(a));
    assert.notEqual(textOf(await reply(userRequest(QUESTION), 'claude-haiku-4-5')), textOf(a));
  });

  it('opens by quoting the first 80 characters of the last user text, whitespace collapsed', async () => {
    const message = await reply(userRequest(`  ${QUESTION.replace('plain words', 'plain\n\nwords')}`));
    assert.equal(message.model, 'claude-sonnet-4-6');
    assert.ok(textOf(message).startsWith(`Simulated reply from claude-sonnet-4-6 to: "${QUESTION.slice(0, 80)}".`), textOf(message));
  });

  it('writes between 20 and 120 tokens and bills exactly what it wrote', async () => {
    for (let i = 0; i < 25; i++) {
      const message = await reply(userRequest(`Question number ${i}?`));
      const tokens = countTextTokens(textOf(message));
      assert.ok(tokens >= 20 && tokens <= 120, `${tokens} tokens`);
      assert.equal(message.usage.output_tokens, tokens);
      assert.equal(message.stop_reason, 'end_turn');
    }
  });

  it('stops at a stop sequence, before it, with the sequence reported', async () => {
    const full = textOf(await reply(userRequest('Say apple BANANA cherry')));
    const message = await reply(userRequest('Say apple BANANA cherry', { stop_sequences: ['cherry', 'BANANA'] }));
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, 'BANANA');
    assert.equal(textOf(message), full.slice(0, full.indexOf('BANANA')));
  });

  it('cuts at max_tokens on a token boundary, the text a prefix of the full reply', async () => {
    const full = textOf(await reply(userRequest(QUESTION)));
    const message = await reply(userRequest(QUESTION, { max_tokens: 7 }));
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 7);
    assert.ok(full.startsWith(textOf(message)));
    assert.equal(countTextTokens(textOf(message)), 7);
  });

  it('answers max_tokens 0 with no content and no output tokens', async () => {
    const message = await reply(userRequest(QUESTION, { max_tokens: 0 }));
    assert.deepEqual(message.content, []);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 0);
  });

  it('thinks first when thinking is enabled, signs the thinking and bills it as output', async () => {
    const message = await reply(userRequest(QUESTION, { thinking: { type: 'enabled', budget_tokens: 2048 } }));
    const [thinking, text] = message.content;
    assert.equal(thinking?.type, 'thinking');
    assert.equal(text?.type, 'text');
    assert.ok(thinking.thinking.startsWith(`Thinking about "${QUESTION.slice(0, 80)}"`));
    assert.ok(verifyThinkingSignature(secret, thinking.thinking, thinking.signature));
    assert.ok(!verifyThinkingSignature(Buffer.from('other'), thinking.thinking, thinking.signature));
    assert.equal(message.usage.output_tokens, countTextTokens(thinking.thinking) + countTextTokens(textOf(message)));
  });

  it('keeps thinking within budget_tokens', async () => {
    const message = await reply(userRequest(QUESTION, { thinking: { type: 'enabled', budget_tokens: 12 } }));
    const thinking = message.content[0];
    assert.equal(thinking?.type, 'thinking');
    assert.ok(countTextTokens(thinking.thinking) <= 12);
  });

  it('withholds thinking text when display is omitted but still signs and bills it', async () => {
    const shown = await reply(userRequest(QUESTION, { thinking: { type: 'adaptive' } }));
    const omitted = await reply(userRequest(QUESTION, { thinking: { type: 'adaptive', display: 'omitted' } }));
    const block = omitted.content[0];
    assert.equal(block?.type, 'thinking');
    assert.equal(block.thinking, '');
    assert.ok(block.signature.length > 0);
    assert.ok(omitted.usage.output_tokens > countTextTokens(textOf(omitted)));
    assert.equal(omitted.usage.output_tokens - countTextTokens(textOf(omitted)), shown.usage.output_tokens - countTextTokens(textOf(shown)));
  });

  it('thinks unasked on a model that cannot turn thinking off, and bills 1.3x on the v2 tokenizer', async () => {
    const message = await reply(userRequest(QUESTION), 'claude-opus-4-7');
    assert.deepEqual(message.content.map((b) => b.type), ['thinking', 'text']);
    const thinking = message.content[0];
    assert.equal(thinking?.type, 'thinking');
    assert.equal(message.usage.output_tokens, Math.round((countTextTokens(thinking.thinking) + countTextTokens(textOf(message))) * 1.3));
  });
});
