// The development tenant's RSA signing keys, kept in the data folder (mode 0600), or sealed in the store when it is
// shared (PostgreSQL), so every replica signs and validates with the same ones. Tokens are signed with the newest;
// a rotated-out key stays published until every token it signed has expired, so rotation never breaks a caller.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../store/data-dir.ts';
import type { Store } from '../store/types.ts';
import { createCertificate } from './x509.ts';

export const SIGNING_KEYS_FILE = 'signing-keys.json';

interface StoredKey {
  kid: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** Base64 DER of the self-signed certificate published as `x5c`. */
  certificate: string;
  createdAt: number;
  retiredAt: number | null;
}

/** A JWKS entry as Entra publishes it. */
export interface PublishedJwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: [string];
  issuer?: string;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

async function newKey(now: number): Promise<StoredKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = await createCertificate({
    subject: 'accounts.accesscontrol.windows.net',
    publicKey,
    selfKey: privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 5 * 365 * 86_400_000),
  });
  // As on Entra: kid == x5t == base64url(SHA-1(DER of the certificate)).
  const kid = createHash('sha1').update(der).digest('base64url');
  return { kid, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certificate: der.toString('base64'), createdAt: now, retiredAt: null };
}

/** Where the ring is kept: a file in the data folder, or a sealed secret in the store. */
export interface KeyRingStorage {
  /** Where, for messages. */
  readonly label: string;
  load(): Promise<string | undefined>;
  /** Keeps `text` unless a ring was kept meanwhile (another replica's); returns the ring kept. */
  create(text: string): Promise<string>;
  save(text: string): Promise<void>;
}

/** `saved`: told once a rotated ring is in the file (the SQLite store announces it to the other processes, index.ts). */
export function fileKeyRing(dataDir: string, saved?: () => Promise<void>): KeyRingStorage {
  const path = join(dataDir, SIGNING_KEYS_FILE);
  return {
    label: `The signing key file ${path}`,
    load: async () => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    create: async (text) => {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writePrivateFile(path, text);
      return text;
    },
    save: async (text) => {
      writePrivateFile(path, text);
      await saved?.();
    },
  };
}

const SIGNING_KEYS_SECRET = 'identity.signingKeys';

export function storeKeyRing(store: Store): KeyRingStorage {
  return {
    label: "The store's signing keys",
    load: () => store.secrets.get(SIGNING_KEYS_SECRET),
    create: (text) => store.secrets.create(SIGNING_KEYS_SECRET, text),
    save: (text) => store.secrets.put(SIGNING_KEYS_SECRET, text),
  };
}

function parseRing(text: string | undefined, label: string): StoredKey[] | undefined {
  if (text === undefined) return undefined;
  let parsed: { keys?: StoredKey[] };
  try {
    parsed = JSON.parse(text) as { keys?: StoredKey[] };
  } catch (err) {
    throw new Error(`${label} cannot be read (${(err as Error).message}); fix or delete it to generate a new key.`);
  }
  return Array.isArray(parsed.keys) && parsed.keys.some((k) => k.retiredAt === null) ? parsed.keys : undefined;
}

export class SigningKeyRing {
  readonly #storage: KeyRingStorage;
  readonly #clock: () => number;
  /** How long a retired key stays published: the longest token lifetime plus the allowed clock skew. */
  readonly #retentionMs: number;
  #keys: StoredKey[];
  #objects = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();

  private constructor(storage: KeyRingStorage, clock: () => number, retentionMs: number, keys: StoredKey[]) {
    this.#storage = storage;
    this.#clock = clock;
    this.#retentionMs = retentionMs;
    this.#keys = keys;
  }

  /** The ring kept in `storage`, with a first key generated when there is none. */
  static async open(storage: KeyRingStorage, clock: () => number, retentionMs: number): Promise<SigningKeyRing> {
    const text = await storage.load().catch((err: unknown) => {
      throw new Error(`${storage.label} cannot be read (${(err as Error).message}); fix or delete it to generate a new key.`);
    });
    const kept = parseRing(text, storage.label);
    if (kept) return new SigningKeyRing(storage, clock, retentionMs, kept);
    const fresh = `${JSON.stringify({ keys: [await newKey(clock())] }, null, 2)}\n`;
    // None kept: the first replica's new ring wins. Kept but every key retired: replaced.
    const ring = text === undefined ? await storage.create(fresh) : (await storage.save(fresh), fresh);
    return new SigningKeyRing(storage, clock, retentionMs, parseRing(ring, storage.label) ?? parseRing(fresh, storage.label)!);
  }

  /** Takes the kept ring again (another replica rotated it). */
  async reload(): Promise<void> {
    const kept = parseRing(await this.#storage.load(), this.#storage.label);
    if (kept) this.#keys = kept;
  }

  #objectsOf(key: StoredKey): { privateKey: KeyObject; publicKey: KeyObject } {
    let objects = this.#objects.get(key.kid);
    if (!objects) {
      const privateKey = createPrivateKey(key.privateKey);
      objects = { privateKey, publicKey: createPublicKey(privateKey) };
      this.#objects.set(key.kid, objects);
    }
    return objects;
  }

  #live(): StoredKey[] {
    const now = this.#clock();
    return this.#keys.filter((k) => k.retiredAt === null || now - k.retiredAt < this.#retentionMs);
  }

  /** The key new tokens are signed with. */
  active(): SigningKey {
    const key = this.#keys.findLast((k) => k.retiredAt === null)!;
    return { kid: key.kid, privateKey: this.#objectsOf(key).privateKey };
  }

  /** The public key for a `kid`, while it is published. */
  publicKey(kid: string): KeyObject | undefined {
    const key = this.#live().find((k) => k.kid === kid);
    return key ? this.#objectsOf(key).publicKey : undefined;
  }

  /** The JWKS: the active key first, then retired keys still inside their retention. */
  jwks(issuer?: string): PublishedJwk[] {
    return this.#live()
      .sort((a, b) => (a.retiredAt === null ? -1 : b.retiredAt === null ? 1 : b.createdAt - a.createdAt))
      .map((k) => {
        const jwk = this.#objectsOf(k).publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        const entry: PublishedJwk = { kty: 'RSA', use: 'sig', kid: k.kid, x5t: k.kid, n: jwk.n, e: jwk.e, x5c: [k.certificate] };
        if (issuer) entry.issuer = issuer;
        return entry;
      });
  }

  /** A new active key; the previous one stays published for the retention period, then is dropped. */
  async rotate(): Promise<string> {
    const now = this.#clock();
    const next = await newKey(now);
    const keys = this.#live().map((k) => (k.retiredAt === null ? { ...k, retiredAt: now } : k));
    keys.push(next);
    await this.#storage.save(`${JSON.stringify({ keys }, null, 2)}\n`);
    this.#keys = keys;
    return next.kid;
  }
}
