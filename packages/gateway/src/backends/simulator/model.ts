// The catalog model a deployment serves, with safe defaults for a model the catalog does not know.
import type { Deployment } from '../../control/types.ts';
import { servedModel } from '../../models/catalog.ts';
import type { CatalogModel } from '../../models/types.ts';

/**
 * Deployments are validated against the catalog when loaded, so the fallback should never be used;
 * it gives a 200K-context, 64K-output legacy-tokenizer model that accepts every thinking mode.
 */
export function modelFor(deployment: Deployment): CatalogModel {
  return servedModel(deployment) ?? fallbackModel(deployment.model);
}

function fallbackModel(id: string): CatalogModel {
  return {
    id,
    snapshot: null,
    aliases: [],
    displayName: id,
    family: 'sonnet',
    releasedAt: '2026-01-01',
    deprecatedAt: null,
    retiresAt: null,
    retiredAt: null,
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    thinking: ['enabled', 'adaptive', 'disabled'],
    tokenizer: 'legacy',
    toolSystemPromptTokens: 346,
    minCacheableTokens: 1024,
    prices: { input: '0', output: '0', cacheWrite5m: '0', cacheWrite1h: '0', cacheRead: '0', tiers: [], source: 'fallback', asOf: '2026-11-25' },
  };
}
