// The data folder holds the store (keys), the request log, the secret key, the signing keys, the CA's key and the
// admin's credentials: every file in it is created readable by its owner only (0600), whatever the folder's own
// mode or the process's umask, and a folder any local user could write to is refused at start (anyone could swap a
// file under us). One helper per way a file comes to be: written whole, or opened by SQLite.
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreOpenError } from './types.ts';

export const PRIVATE_FILE_MODE = 0o600;

/** The files the gateway itself writes into the folder (an operator's own, e.g. scenarios.json, are left as they are). */
const OWN_FILES = /^(?:(?:claude-foundry|logs)\.db(?:-wal|-shm|-lock)?|secret\.key|keys\.json|signing-keys\.json|admin-credentials\.json|ca(?:-key)?\.pem|tls-(?:cert|key)\.pem|tls-names\.json)$/;

/** Creates the folder (0700) when absent; refuses one that others may write to; narrows what an earlier version left readable. */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o7777;
  if (mode & 0o002) {
    throw new StoreOpenError(
      `The data folder ${dir} is writable by every user (mode ${mode.toString(8).padStart(4, '0')}): anyone on this machine could replace its ` +
        `database or keys. Run 'chmod 700 ${dir}' (or point dataDir at a folder only you can write to) and start again.`,
    );
  }
  // Files an earlier version created 0644 (issue 13) are narrowed in place.
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !OWN_FILES.test(entry.name)) continue;
    const path = join(dir, entry.name);
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
  }
}

/** Writes a whole file atomically (temporary file, then rename), 0600 even if the temporary name existed. */
export function writePrivateFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE });
  chmodSync(tmp, PRIVATE_FILE_MODE);
  renameSync(tmp, path);
}

/**
 * Makes sure a database file exists at 0600 before SQLite opens it: SQLite creates a new database with the umask's
 * mode (often 0644) and gives its -wal and -shm files the database file's mode, so creating it first covers all three.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
}
