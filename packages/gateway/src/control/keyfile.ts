// Resource keys generated on first start and kept in the data folder (mode 0600), so a restart keeps them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceConfig } from '../config/index.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An 84-character alphanumeric key, the length of current Azure AI Services keys. */
export function generateKey(): string {
  const bytes = randomBytes(84 * 2);
  let out = '';
  for (const byte of bytes) {
    if (byte >= 248) continue; // 62 * 4 = 248: keep the alphabet uniform
    out += ALPHABET[byte % 62];
    if (out.length === 84) break;
  }
  return out.length === 84 ? out : generateKey();
}

type KeyFile = Record<string, { key1: string; key2: string }>;

/** Keys for every resource: from config when given, else from the data folder, else generated and saved. */
export function resolveKeys(dataDir: string, resources: readonly ResourceConfig[]): Map<string, { key1: string; key2: string }> {
  const path = join(dataDir, 'keys.json');
  let stored: KeyFile = {};
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`The key file ${path} cannot be read (${(err as Error).message}); fix or delete it to generate new keys.`);
    }
  }
  const result = new Map<string, { key1: string; key2: string }>();
  let changed = false;
  for (const resource of resources) {
    const name = resource.name.toLowerCase();
    const keys = resource.keys ?? stored[name] ?? { key1: generateKey(), key2: generateKey() };
    if (!resource.keys && !stored[name]) {
      stored[name] = keys;
      changed = true;
    }
    result.set(name, keys);
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path); // atomic: a crash never leaves a half-written key file
  }
  return result;
}
