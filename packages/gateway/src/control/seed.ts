// The config file's resources are a declarative seed: at every start, each resource group, account and deployment it
// declares is created if the store lacks it; what the store holds is never overwritten (ARM changes stick). Keys of a
// seeded account come from the config, else from a pre-store `keys.json` (read once, ever), else are generated.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig, ResourceConfig } from '../config/index.ts';
import { getModel } from '../models/catalog.ts';
import type { AccountRecord, DeploymentRecord, StoreTables } from '../store/types.ts';
import { generateKey } from './keys.ts';

/** Where Claude on Foundry runs (Azure's East US 2); ARM requests name their own. */
export const DEFAULT_LOCATION = 'eastus2';
/** Accounts seeded from the config: an AI Services account at its one SKU. */
export const SEED_KIND = 'AIServices';
export const SEED_SKU = 'S0';
const KEY_FILE = 'keys.json';
const KEY_FILE_IMPORTED = 'control.keysJsonImported';

/** The catalog's version of a model: its snapshot date (`claude-sonnet-4-5` → `20250929`), else `1`. */
export function defaultModelVersion(model: string): string {
  const snapshot = getModel(model)?.snapshot;
  return snapshot ? snapshot.slice(snapshot.lastIndexOf('-') + 1) : '1';
}

type KeyFile = Record<string, { key1: string; key2: string }>;

/** Keys the gateway generated before it had a store (`<dataDir>/keys.json`), read at most once. */
async function legacyKeys(store: StoreTables, dataDir: string): Promise<KeyFile> {
  if ((await store.settings.get(KEY_FILE_IMPORTED)) !== undefined) return {};
  const path = join(dataDir, KEY_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`The key file ${path} cannot be read (${(err as Error).message}); fix or delete it to generate new keys.`);
  }
}

function seedAccount(r: ResourceConfig, keys: { key1: string; key2: string }, now: string): AccountRecord {
  return {
    name: r.name,
    subscriptionId: r.subscriptionId,
    resourceGroup: r.resourceGroup,
    location: DEFAULT_LOCATION,
    kind: SEED_KIND,
    skuName: SEED_SKU,
    tags: {},
    customSubDomainName: r.name,
    publicNetworkAccess: 'Enabled',
    networkAcls: null,
    disableLocalAuth: r.disableLocalAuth,
    keys,
    createdAt: now,
    createdBy: null,
    modifiedAt: now,
    modifiedBy: null,
  };
}

/**
 * Applies the seed; returns one line per declared item it had to skip (the store holds something else there). Run in
 * one store transaction (ControlPlane.open), so processes starting together seed one after the other and the later
 * ones find, and keep, the accounts and keys the first created.
 */
export async function seedFromConfig(store: StoreTables, config: GatewayConfig, now: string): Promise<string[]> {
  const warnings: string[] = [];
  const legacy = await legacyKeys(store, config.dataDir);
  const accounts = await store.accounts.list();
  const deployments = await store.deployments.list();
  const groups = await store.resourceGroups.list();
  const taken = (label: string) => accounts.find((a) => [a.name, a.customSubDomainName].some((n) => n?.toLowerCase() === label.toLowerCase()));
  for (const r of config.resources) {
    if (!groups.some((g) => g.subscriptionId === r.subscriptionId && g.name.toLowerCase() === r.resourceGroup.toLowerCase())) {
      const group = { subscriptionId: r.subscriptionId, name: r.resourceGroup, location: DEFAULT_LOCATION, tags: {}, createdAt: now };
      await store.resourceGroups.put(group);
      groups.push(group);
    }
    let account = taken(r.name);
    if (!account) {
      account = seedAccount(r, r.keys ?? legacy[r.name.toLowerCase()] ?? { key1: generateKey(), key2: generateKey() }, now);
      await store.accounts.put(account);
      accounts.push(account);
    }
    if (account.name.toLowerCase() !== r.name.toLowerCase() || account.subscriptionId !== r.subscriptionId || account.resourceGroup.toLowerCase() !== r.resourceGroup.toLowerCase()) {
      warnings.push(`config resource '${r.name}': the name is taken by account '${account.name}' in resource group '${account.resourceGroup}'; its deployments were not seeded.`);
      continue;
    }
    for (const d of r.deployments) {
      if (deployments.some((x) => x.account.toLowerCase() === account.name.toLowerCase() && x.name.toLowerCase() === d.name.toLowerCase())) continue;
      const record: DeploymentRecord = {
        account: account.name,
        name: d.name,
        skuName: d.sku,
        capacity: d.capacity,
        model: { format: 'Anthropic', name: d.model, version: defaultModelVersion(d.model) },
        backendChoice: 'default',
        raiPolicyName: null,
        versionUpgradeOption: null,
        modelProviderData: null,
        tags: {},
        createdAt: now,
        createdBy: null,
        modifiedAt: now,
        modifiedBy: null,
      };
      await store.deployments.put(record);
      deployments.push(record);
    }
  }
  await store.settings.set(KEY_FILE_IMPORTED, now);
  return warnings;
}
