// Usage as a reply reports it: a JSON message's `usage`, or a stream's `message_start` usage updated by
// each cumulative `message_delta` (a field present and non-null replaces the one before; never summed).
//
// A stream cut short never sends its final `message_delta`, so its reported output stays at message_start's 1.
// Anthropic bills the output the model produced before the cut, so the tally also counts the text of every
// content delta that went to the client; until a final usage arrives, output is at least that count.
import { countTextTokens, scaleTextTokens, type TokenModel } from '../../tokens/count.ts';
import type { TokenUsage } from '../types.ts';

const LEGACY: TokenModel = { tokenizer: 'legacy', toolSystemPromptTokens: 0 };

type Raw = Record<string, unknown>;

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function record(value: unknown): Raw | undefined {
  return typeof value === 'object' && value !== null ? (value as Raw) : undefined;
}

type Delta = { type?: unknown; text?: unknown; thinking?: unknown; partial_json?: unknown };

export class UsageTally {
  #usage: TokenUsage | undefined;
  /** Text tokens (by the gateway's estimator) of the content deltas forwarded so far. */
  #forwarded = 0;
  /** A `message_delta` with a stop reason came: its output count is the model's own, final. */
  #final = false;
  readonly #model: TokenModel;

  /** `model`: whose tokenizer the forwarded text is counted with (the legacy one when unknown). */
  constructor(model: TokenModel = LEGACY) {
    this.#model = model;
  }

  /** The totals so far; undefined until a message or `message_start` was seen. */
  get current(): TokenUsage | undefined {
    const usage = this.#usage;
    if (!usage || this.#final || this.#forwarded === 0) return usage;
    const forwarded = scaleTextTokens(this.#forwarded, this.#model);
    return forwarded > usage.output_tokens ? { ...usage, output_tokens: forwarded } : usage;
  }

  /** Text of a content delta (text, thinking or tool-input JSON) sent to the client. */
  forwarded(text: string): void {
    this.#forwarded += countTextTokens(text);
  }

  /** A message's usage (a JSON reply, or the message of `message_start`): the starting totals. */
  start(usage: unknown): void {
    this.#usage = {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    };
    this.delta(usage);
  }

  /** A `message_delta`'s usage: cumulative whole-message totals. */
  delta(usage: unknown): void {
    const raw = record(usage);
    const into = this.#usage;
    if (!raw || !into) return;
    into.input_tokens = count(raw['input_tokens']) ?? into.input_tokens;
    into.output_tokens = count(raw['output_tokens']) ?? into.output_tokens;
    into.cache_creation_input_tokens = count(raw['cache_creation_input_tokens']) ?? into.cache_creation_input_tokens;
    into.cache_read_input_tokens = count(raw['cache_read_input_tokens']) ?? into.cache_read_input_tokens;
    const split = record(raw['cache_creation']);
    if (split) {
      into.cache_creation = {
        ephemeral_5m_input_tokens: count(split['ephemeral_5m_input_tokens']) ?? into.cache_creation.ephemeral_5m_input_tokens,
        ephemeral_1h_input_tokens: count(split['ephemeral_1h_input_tokens']) ?? into.cache_creation.ephemeral_1h_input_tokens,
      };
    } else if (raw['cache_creation_input_tokens'] !== undefined && into.cache_creation.ephemeral_1h_input_tokens === 0) {
      // No split given: cache writes default to the 5-minute TTL.
      into.cache_creation = { ephemeral_5m_input_tokens: into.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 };
    }
  }

  /** A parsed stream event; only `message_start` and `message_delta` carry usage. */
  event(event: { type: string }): void {
    const raw = event as Raw;
    if (event.type === 'content_block_delta') {
      const delta = record(raw['delta']) as Delta | undefined;
      const text = delta?.text ?? delta?.thinking ?? delta?.partial_json;
      if (typeof text === 'string') this.forwarded(text);
    } else if (event.type === 'message_start') this.start(record(raw['message'])?.['usage']);
    else if (event.type === 'message_delta') {
      this.delta(raw['usage']);
      const stop = record(raw['delta'])?.['stop_reason'];
      if (stop !== null && stop !== undefined) this.#final = true;
    }
  }
}
