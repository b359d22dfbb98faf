// The embedded simulator backend: deterministic Claude-shaped replies, prompt caching, pacing and faults.
//
// A request's content derives from a SHA-256 of its normalised form (seed.ts): the same request
// gives the same text, tool inputs, thinking, stop reason and usage. The text is an echo of the last
// user turn ("Simulated reply from <model> to: ...") and filler sentences; see README.md here.
import { randomBytes } from 'node:crypto';
import type { Message } from '../../dataplane/types.ts';
import { newMessageId } from '../../ids/index.ts';
import { countInputTokens } from '../../tokens/count.ts';
import type { Backend } from '../types.ts';
import { PromptCache } from './cache.ts';
import { applyContextEdits } from './context-edits.ts';
import { decideFault, faultError, FirstCounters, parseSimulateHeader, SIMULATE_HEADER } from './faults.ts';
import { generate } from './generate.ts';
import { modelFor } from './model.ts';
import { tokensMs, wait, type Pace } from './pacing.ts';
import { requestDigest } from './seed.ts';
import { streamMessage } from './stream.ts';
import { ThreadStore } from './threads.ts';

export { verifyThinkingSignature } from './signature.ts';
export { SIMULATE_HEADER } from './faults.ts';

export interface SimulatorOptions {
  /** Milliseconds since the epoch; drives prompt-cache expiry. Defaults to Date.now. */
  clock?: () => number;
  /** The key of thinking signatures. Defaults to 32 random bytes per simulator. */
  signingSecret?: Buffer;
  /** Uniform [0, 1) draws deciding random faults. Defaults to Math.random. */
  random?: () => number;
  /** Most prompt-cache prefixes kept (LRU). Defaults to 10,000. */
  cacheEntries?: number;
  /** Most message-thread replies held (LRU). Defaults to 10,000. */
  threadEntries?: number;
  /** How long a thread reply is held for a continue, in milliseconds. Defaults to one hour. */
  threadTtlMs?: number;
}

export function createSimulator(options: SimulatorOptions = {}): Backend {
  const signingSecret = options.signingSecret ?? randomBytes(32);
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const cache = new PromptCache(clock, options.cacheEntries);
  const threads = new ThreadStore(clock, options.threadEntries, options.threadTtlMs);
  const counters = new FirstCounters();

  return {
    async messages(call) {
      const { deployment, signal } = call;
      const directives = parseSimulateHeader(call.headers[SIMULATE_HEADER]);
      const scope = `${call.resource.name}/${deployment.name}`;
      // A thread continue reads as the whole conversation: seed, cache and usage all see it.
      const conversation = threads.expand(scope, call.request, call.headers['anthropic-beta']);
      const model = modelFor(deployment);
      // ...as do context edits: the model reads (and the reply bills) the edited prompt.
      const edited = applyContextEdits(conversation, model);
      const request = edited.request;
      const fault = decideFault(deployment.simulator.faults, directives, random, counters);
      if (fault === '429' || fault === '500' || fault === '529') throw faultError(fault, directives?.retryAfterSeconds);
      if (fault === 'midstream' && !request.stream) throw faultError('500');

      const generated = generate({ request, model, digest: requestDigest(deployment, request), signingSecret });
      const input = cache.use(deployment.name, request, model);
      const message: Message = {
        id: newMessageId(),
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: generated.content,
        stop_reason: generated.stopReason,
        stop_sequence: generated.stopSequence,
        usage: {
          ...input,
          output_tokens: generated.outputTokens,
          ...(generated.serverToolUse && { server_tool_use: generated.serverToolUse }),
          service_tier: 'standard',
        },
      };
      if (generated.container !== undefined) message.container = generated.container;
      if (edited.applied !== undefined) message.context_management = { applied_edits: edited.applied };
      // The server holds a whole reply or none: a reply broken off midstream is not held.
      if (fault !== 'midstream') threads.hold(scope, conversation, message);
      const pace: Pace = {
        ttftMs: directives?.ttftMs ?? deployment.simulator.ttftMs,
        tokensPerSecond: directives?.tokensPerSecond ?? deployment.simulator.tokensPerSecond,
      };
      if (request.stream) {
        return { kind: 'events', events: streamMessage(message, { pace, signal, breakAfterFirstDelta: fault === 'midstream' }) };
      }
      await wait(pace.ttftMs + tokensMs(generated.outputTokens, pace), signal);
      return { kind: 'message', message };
    },

    async countTokens(call) {
      const edited = applyContextEdits(call.request, modelFor(call.deployment));
      const counted: { input_tokens: number; context_management?: { original_input_tokens: number } } = { input_tokens: countInputTokens(edited.request, modelFor(call.deployment)) };
      if (edited.applied !== undefined) counted.context_management = { original_input_tokens: edited.originalInputTokens };
      return counted;
    },
  };
}
