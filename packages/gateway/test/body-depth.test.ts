// The nesting guard of request bodies: exact at the limit, and skipped only when it cannot matter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, nestingDepth, openerCountExceeds } from '../src/http/body.ts';

const nested = (depth: number) => Buffer.from(`{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);

test('nestingDepth counts the deepest nesting and ignores brackets inside strings', () => {
  assert.equal(nestingDepth(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
  assert.equal(nestingDepth(Buffer.from('{"a":"[[[[{{{{\\"[[["}')), 1);
  assert.equal(nestingDepth(Buffer.from('[{},[[]],{"x":[1,{"y":[]}]}]')), 5);
});

test('the opener count says "maybe deeper" whenever the depth exceeds the limit', () => {
  for (const depth of [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 10_000]) {
    const body = nested(depth);
    if (nestingDepth(body) > MAX_JSON_DEPTH) assert.equal(openerCountExceeds(body, MAX_JSON_DEPTH), true, `depth ${depth}`);
  }
  assert.equal(openerCountExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false);
  assert.equal(openerCountExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
});

test('a shallow body with many brackets still goes through the full scan and passes it', () => {
  const wide = Buffer.from(JSON.stringify({ messages: Array.from({ length: 1000 }, () => ({ content: [{ type: 'text', text: 'x' }] })) }));
  assert.equal(openerCountExceeds(wide, MAX_JSON_DEPTH), true);
  assert.equal(nestingDepth(wide), 5);
});
