// The shape of one model in the catalog (catalog.json), as the rest of the gateway reads it.

export type Lifecycle = 'active' | 'deprecated' | 'retired';
export type ThinkingKind = 'enabled' | 'adaptive' | 'disabled';
export type ModelFamily = 'fable' | 'opus' | 'sonnet' | 'haiku';

/**
 * `legacy`: the tokenizer of Claude models before 4.7.
 * `v2`: the tokenizer of Claude 4.7 and later, counting about 1.3x more tokens for the same text.
 */
export type TokenizerKind = 'legacy' | 'v2';

/** USD per million tokens, as decimal strings so that no rate is ever rounded on the way in. */
export interface PriceRates {
  input: string;
  output: string;
  cacheWrite5m: string;
  cacheWrite1h: string;
  cacheRead: string;
}

/** A rate card that replaces the base rates for the whole request once its prompt exceeds the threshold. */
export interface PriceTier extends PriceRates {
  /** Prompt tokens (input + cache writes + cache reads) above which this tier applies. */
  aboveInputTokens: number;
}

export interface ModelPrices extends PriceRates {
  /** Ascending by threshold; empty when the model has one rate card. */
  tiers: PriceTier[];
  /** Source keys of shared/reference/models.md section 9. */
  source: string;
  /** The date the prices were checked, YYYY-MM-DD. */
  asOf: string;
}

export interface CatalogModel {
  /** The dateless model id, which is also the default Foundry deployment name. */
  id: string;
  /** The dated snapshot id (models up to 4.5), or null. */
  snapshot: string | null;
  /** Other ids the Claude API accepted for this model. */
  aliases: string[];
  displayName: string;
  family: ModelFamily;
  releasedAt: string;
  deprecatedAt: string | null;
  retiresAt: string | null;
  retiredAt: string | null;
  contextWindow: number;
  /** The largest allowed `max_tokens`; thinking tokens count inside it. */
  maxOutputTokens: number;
  /** The `thinking.type` values the model accepts. */
  thinking: ThinkingKind[];
  tokenizer: TokenizerKind;
  /** Tokens of the hidden system prompt added when tools are present (tool_choice auto/none). */
  toolSystemPromptTokens: number;
  /** Shortest prompt prefix the model caches (historic documented minimum; unverified for new models). */
  minCacheableTokens: number;
  prices: ModelPrices;
}
