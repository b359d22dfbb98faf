// The fixed vocabulary of the simulator's filler sentences, and the seeded sentence builder.
import { countTextTokens } from '../../tokens/count.ts';
import type { Prng } from './seed.ts';

const SUBJECTS = [
  'The simulator',
  'This gateway',
  'A deterministic backend',
  'The test harness',
  'Each replayed request',
  'The streamed reply',
  'A cached prefix',
  'The usage report',
] as const;

const VERBS = ['returns', 'records', 'measures', 'repeats', 'checks', 'estimates', 'keeps', 'describes'] as const;

const OBJECTS = [
  'the same answer',
  'every token',
  'a stable seed',
  'the usage figures',
  'each content block',
  'the stop reason',
  'a plausible sentence',
  'the expected shape',
] as const;

const ENDINGS = [
  'for every identical request',
  'without calling a real model',
  'in a fixed order',
  'on each replay',
  'so that tests can rely on it',
  'as the reference describes',
  'within the configured limits',
  'before the stream ends',
] as const;

/** One filler sentence: subject, verb, object and ending drawn by the PRNG. */
export function fillerSentence(rng: Prng): string {
  return `${rng.pick(SUBJECTS)} ${rng.pick(VERBS)} ${rng.pick(OBJECTS)} ${rng.pick(ENDINGS)}.`;
}

/**
 * `lead` followed by filler sentences until the text reaches `targetTokens` (countTextTokens),
 * never adding a sentence that would take it past `maxTokens`; the lead alone may exceed both.
 */
export function fillTo(lead: string, targetTokens: number, maxTokens: number, rng: Prng): string {
  let text = lead;
  let tokens = countTextTokens(text);
  while (tokens < targetTokens) {
    const sentence = fillerSentence(rng);
    const cost = countTextTokens(sentence);
    if (tokens + cost > maxTokens) break;
    text += ` ${sentence}`;
    tokens += cost;
  }
  return text;
}
