// Scripted scenarios in front of the simulator: a request that a fixtures file's rule matches gets the
// rule's scripted reply (text, tool calls, thinking, an error, with delays); any other request falls
// through to the simulator's own generation. docs/scenarios.md describes the files.
import type { Backend } from '../types.ts';
import { modelFor } from '../simulator/model.ts';
import { ScenarioBook } from './book.ts';
import { factsOf } from './match.ts';
import { play } from './reply.ts';

export { ScenarioBook, type FileStatus } from './book.ts';
export { parseScenarios, ScenarioFileError } from './parse.ts';

export function withScenarios(simulator: Backend, book: ScenarioBook): Backend {
  return {
    async messages(call) {
      const rules = book.rulesFor(call.resource.name, call.deployment.name);
      if (rules.length === 0) return simulator.messages(call);
      const played = book.pick(rules, factsOf(call.request, call.headers, call.deployment.name), call.request);
      if (!played) return simulator.messages(call);
      return play(played.reply, {
        request: call.request,
        model: modelFor(call.deployment),
        pace: { ttftMs: call.deployment.simulator.ttftMs, tokensPerSecond: call.deployment.simulator.tokensPerSecond },
        signal: call.signal,
        requestId: call.requestId,
        seed: played.seed,
      });
    },
    countTokens: (call) => simulator.countTokens(call),
  };
}
