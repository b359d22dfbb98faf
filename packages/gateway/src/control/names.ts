import { createHash } from 'node:crypto';

// Naming rules of the control plane, in one place. An account's name doubles as a DNS label (`{name}.localhost`,
// `{name}.services.ai.azure.com`) and a path segment, so it follows the DNS-safe rule of Azure's naming doc.

/** Accounts: 2-64 letters, digits and hyphens, starting and ending with a letter or digit. */
export const ACCOUNT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$/;

/** `customSubDomainName`: the same rule (a DNS label). */
export const SUBDOMAIN = ACCOUNT_NAME;

/** Deployments: 2-64 letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit. */
export const DEPLOYMENT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}[a-zA-Z0-9]$/;

/** Azure regions are lower-case letters and digits (`eastus`, `swedencentral`); display names are accepted too. */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/**
 * The instance of an account: one per creation, from its stored name and creation time (ARM's `internalId`). A name
 * is free again once its account is deleted; what the request log, rollups, budgets and spend hold belongs to the
 * instance, so an account created later under the same name starts with none of it. An account the config declares
 * (seeded: no creator) is the declaration's, the same on every replica: replicas with data folders of their own
 * each seed it at their own start, and must still share its budget and spend (Redis).
 */
export function accountInstance(a: { name: string; createdAt: string; createdBy: string | null; subscriptionId: string; resourceGroup: string }): string {
  const creation = a.createdBy === null ? `config|${a.subscriptionId}|${a.resourceGroup.toLowerCase()}` : a.createdAt;
  return createHash('sha256').update(`${a.name.toLowerCase()}|${creation}`).digest('hex').slice(0, 32);
}
