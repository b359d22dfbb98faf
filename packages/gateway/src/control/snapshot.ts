// The in-memory snapshot the data plane reads on every request: resources, deployments and a key index.
// It is immutable; a change builds a new snapshot and swaps it in, so a request never waits on storage.
import { hash, timingSafeEqual } from 'node:crypto';
import type { KeyName, Resource } from './types.ts';

interface KeyEntry {
  resource: Resource;
  keyName: KeyName;
  digest: Buffer;
}

/** One-shot SHA-256 (no Hash object per request). */
function digestOf(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/** A resource group the control plane holds, with or without accounts in it. */
export interface ResourceGroupRef {
  subscriptionId: string;
  name: string;
}

export class ControlSnapshot {
  readonly #resources = new Map<string, Resource>();
  // A custom subdomain addresses its resource too; names and subdomains never collide (the control plane checks).
  readonly #addresses = new Map<string, Resource>();
  // Keys are indexed by their SHA-256, so a lookup never compares secrets byte by byte.
  readonly #keys = new Map<string, KeyEntry>();
  readonly #groups: readonly ResourceGroupRef[];

  constructor(resources: readonly Resource[], groups: readonly ResourceGroupRef[] = []) {
    // Every resource's group exists, whether or not it was recorded.
    const byKey = new Map<string, ResourceGroupRef>();
    for (const g of [...groups, ...resources.map((r) => ({ subscriptionId: r.subscriptionId, name: r.resourceGroup }))]) {
      const key = `${g.subscriptionId.toLowerCase()}/${g.name.toLowerCase()}`;
      if (!byKey.has(key)) byKey.set(key, g);
    }
    this.#groups = [...byKey.values()];
    for (const resource of resources) {
      this.#resources.set(resource.name.toLowerCase(), resource);
      this.#addresses.set(resource.name.toLowerCase(), resource);
      if (resource.customSubDomainName) this.#addresses.set(resource.customSubDomainName.toLowerCase(), resource);
      for (const keyName of ['key1', 'key2'] as const) {
        const digest = digestOf(resource.keys[keyName]);
        this.#keys.set(digest.toString('base64'), { resource, keyName, digest });
      }
    }
  }

  /** By name or custom subdomain; case-insensitive, as Azure's subdomains are. */
  resource(name: string): Resource | undefined {
    return this.#addresses.get(name.toLowerCase());
  }

  /** Resource groups, including those that hold no account. */
  resourceGroups(): readonly ResourceGroupRef[] {
    return this.#groups;
  }

  /** Subscription IDs (lower case) that hold a resource group. */
  subscriptions(): string[] {
    return [...new Set(this.#groups.map((g) => g.subscriptionId.toLowerCase()))];
  }

  hasResourceGroup(subscriptionId: string, name: string): boolean {
    return this.#groups.some((g) => g.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && g.name.toLowerCase() === name.toLowerCase());
  }

  resources(): Resource[] {
    return [...this.#resources.values()];
  }

  /** The resource and key slot a presented API key belongs to, compared in constant time. */
  findKey(presented: string): { resource: Resource; keyName: KeyName } | undefined {
    const digest = digestOf(presented);
    const entry = this.#keys.get(digest.toString('base64'));
    if (!entry || !timingSafeEqual(entry.digest, digest)) return undefined;
    return { resource: entry.resource, keyName: entry.keyName };
  }
}

/** Holds the current snapshot; writers replace it whole, readers take `current` once per request. */
export class ControlState {
  #current: ControlSnapshot;
  readonly #listeners: Array<(next: ControlSnapshot, previous: ControlSnapshot) => void> = [];

  constructor(initial: ControlSnapshot) {
    this.#current = initial;
  }

  get current(): ControlSnapshot {
    return this.#current;
  }

  replace(next: ControlSnapshot): void {
    const previous = this.#current;
    this.#current = next;
    for (const listener of this.#listeners) listener(next, previous);
  }

  /** Called with each new snapshot, synchronously, before the change that made it is answered (e.g. the TLS names). */
  onReplace(listener: (next: ControlSnapshot, previous: ControlSnapshot) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Called with each deployment a new snapshot no longer has (deleted over ARM, with its resource, or by another
   * replica), by the names the previous snapshot gave them.
   */
  onDeploymentDeleted(listener: (resource: string, deployment: string) => void): void {
    this.onReplace((next, previous) => {
      for (const resource of previous.resources()) {
        const kept = next.resource(resource.name);
        // Another instance under the name (deleted and created again between two snapshots) keeps none of them.
        for (const name of resource.deployments.keys()) if (kept?.instance !== resource.instance || !kept.deployments.has(name)) listener(resource.name, name);
      }
    });
  }
}
