// Drop-in compatibility at the type level: compat/our-usage.ts is compat/official-usage.ts with only its import specifiers swapped,
// and the root `tsc --noEmit` compiles both (with compat/surface.ts), so code written for @anthropic-ai/foundry-sdk compiles unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (name: string) => readFileSync(new URL(`./compat/${name}`, import.meta.url), 'utf8');

const SWAPS: Array<[string, string]> = [
  ["'@anthropic-ai/foundry-sdk/core/error'", "'../../src/core/error.ts'"],
  ["'@anthropic-ai/foundry-sdk/core/streaming'", "'../../src/core/streaming.ts'"],
  ["'@anthropic-ai/foundry-sdk'", "'../../src/index.ts'"],
];

test('the usage compiled against our SDK is the official usage with only the import specifiers swapped', () => {
  const official = read('official-usage.ts');
  const swapped = SWAPS.reduce((text, [from, to]) => text.replaceAll(from, to), official);
  assert.notEqual(swapped, official, 'no specifier was swapped');
  assert.equal(read('our-usage.ts'), swapped);
});

test('the usage exercises the client, its streams, its errors and its options', () => {
  const official = read('official-usage.ts');
  for (const needle of ['messages.create', 'messages.stream', 'countTokens', 'beta.messages.create', 'withOptions', 'withResponse', 'azureADTokenProvider', 'AnthropicFoundry.APIError', 'FoundryClientOptions']) {
    assert.ok(official.includes(needle), `official-usage.ts no longer uses ${needle}`);
  }
});
