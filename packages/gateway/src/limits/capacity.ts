// A deployment's own limits: its config override, else its capacity's share (limits/quota.ts).
import type { Deployment, RateLimits } from '../control/types.ts';
import { limitsFromCapacity } from './quota.ts';

/** A deployment's capacity is a whole number from 1 to this (config and ARM alike). */
export const MAX_CAPACITY = 1_000_000;

/** The deployment's limits: its config override, else derived from its capacity. */
export function deploymentLimits(deployment: Deployment): RateLimits {
  return deployment.rateLimits ?? limitsFromCapacity(deployment.capacity);
}
