// Secrets at rest: resource keys are stored sealed with AES-256-GCM under a key kept apart from the database — the
// file <dataDir>/secret.key (0600, created on first start) or CLAUDE_FOUNDRY_SECRET_KEY — so a copy of the database
// alone (a backup, a stray file) does not give the keys away. Keys are sealed, not hashed, because ARM's listKeys
// must return them. A sealed value names its key's id, so a wrong or missing key is a clear error, never garbage.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from './data-dir.ts';
import { StoreOpenError } from './types.ts';

export const SECRET_KEY_FILE = 'secret.key';
export const SECRET_KEY_ENV = 'CLAUDE_FOUNDRY_SECRET_KEY';
const PREFIX = 'sealed.v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  /** Names the key without revealing it: the first 8 bytes of an HMAC of a fixed label under the key. */
  readonly keyId: string;
  /** Where the key came from, for error messages. */
  readonly source: string;
  /** True when the key was generated now and still has to be written to its file. */
  readonly generated: boolean;
  readonly #key: Buffer;

  constructor(key: Buffer, source: string, generated = false) {
    if (key.length !== 32) throw new StoreOpenError(`The secret key from ${source} is ${key.length} bytes; it must be 32 (create one with 'openssl rand -base64 32').`);
    this.#key = key;
    this.source = source;
    this.generated = generated;
    this.keyId = createHmac('sha256', key).update('claude-foundry secret key id').digest('hex').slice(0, 16);
  }

  /** `sealed.v1.<keyId>.<base64url(iv | ciphertext | tag)>`; `context` (e.g. the row and column) is bound as associated data. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${this.keyId}.${body.toString('base64url')}`;
  }

  /** Writes a newly generated key to its file (0600); called once the store has shown it holds nothing sealed under another key. */
  persist(): void {
    if (this.generated) writePrivateFile(this.source, `${this.#key.toString('base64')}\n`);
  }

  open(sealed: string, context: string): string {
    const [a, b, keyId, body] = sealed.split('.');
    if (`${a}.${b}` !== PREFIX || !keyId || body === undefined) throw new StoreOpenError(`A stored secret (${context}) is not sealed; the store is damaged or was edited by hand.`);
    if (keyId !== this.keyId) throw keyMismatch(keyId, this);
    const bytes = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new StoreOpenError(`A stored secret (${context}) fails its integrity check: the database was altered or damaged. Restore it from a backup.`);
    }
  }
}

export const isSealed = (value: string): boolean => value.startsWith(`${PREFIX}.`);

export function keyMismatch(storedKeyId: string, box: SecretBox): StoreOpenError {
  return new StoreOpenError(
    `The store's secrets were sealed with secret key ${storedKeyId}, but the key from ${box.source} is ${box.keyId}. ` +
      `Restore the original ${SECRET_KEY_FILE} into the data folder (or set ${SECRET_KEY_ENV} to it); without that key the stored resource keys cannot be read. ` +
      'Nothing was modified.',
  );
}

function decodeKey(text: string, source: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}$/.test(t)) return Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
  throw new StoreOpenError(`The secret key from ${source} is not 32 bytes in base64 or hex. Create one with 'openssl rand -base64 32'.`);
}

/** The key from CLAUDE_FOUNDRY_SECRET_KEY, else <dataDir>/secret.key, else a new one (written by `persist`). */
export function loadSecretBox(dataDir: string, env: NodeJS.ProcessEnv): SecretBox {
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return new SecretBox(decodeKey(fromEnv, SECRET_KEY_ENV), SECRET_KEY_ENV);
  const path = join(dataDir, SECRET_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreOpenError(`The secret key file ${path} cannot be read (${(err as Error).message}).`);
    return new SecretBox(randomBytes(32), path, true);
  }
  return new SecretBox(decodeKey(text, path), path);
}

/**
 * With the store on PostgreSQL the key must come from CLAUDE_FOUNDRY_SECRET_KEY: every replica needs the same one, and
 * it is never kept in the database beside what it seals (a copy of the database alone gives no secret away).
 */
export function requireSecretKey(env: NodeJS.ProcessEnv): SecretBox {
  const fromEnv = env[SECRET_KEY_ENV];
  if (fromEnv === undefined || fromEnv === '') {
    throw new StoreOpenError(
      `With store.postgres, ${SECRET_KEY_ENV} must be set, to the same 32 bytes (base64 or hex) on every replica: it seals the keys and secrets kept in PostgreSQL ` +
        "and is never stored there. Create one with 'openssl rand -base64 32'. Nothing was written.",
    );
  }
  return new SecretBox(decodeKey(fromEnv, SECRET_KEY_ENV), SECRET_KEY_ENV);
}
