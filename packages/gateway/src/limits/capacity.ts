// How a deployment's capacity becomes its rate limits, as Foundry sizes Claude deployments.
import type { Deployment, RateLimits } from '../control/types.ts';

/** A deployment's capacity is a whole number from 1 to this (config and ARM alike). */
export const MAX_CAPACITY = 1_000_000;
/** What a deployment gets when neither the config nor the ARM request sets one: Foundry's GlobalStandard default for Claude. */
export const DEFAULT_CAPACITY = 1000;

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
