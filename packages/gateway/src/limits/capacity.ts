// How a deployment's capacity becomes its rate limits, as Foundry sizes Claude deployments.
import type { Deployment, RateLimits } from '../control/types.ts';

/**
 * Capacity N → N requests and N × 1,000 tokens per minute, so the default capacity of 1,000 gives
 * Foundry's GlobalStandard defaults for Claude: 1,000 RPM and 1,000,000 TPM.
 */
export function limitsFromCapacity(capacity: number): RateLimits {
  return { rpm: capacity, tpm: capacity * 1000 };
}

/** The deployment's limits: its config override, else derived from its capacity. */
export function deploymentLimits(deployment: Deployment): RateLimits {
  return deployment.rateLimits ?? limitsFromCapacity(deployment.capacity);
}
