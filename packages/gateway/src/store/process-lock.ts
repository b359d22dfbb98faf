// A lock shared by every process on one data folder (`serve --workers N`, or several `serve` on one folder), for the
// SQLite store's `exclusive` sections: the start-up steps that create what must exist once (the admin principal and
// user, the CA) and the TLS certificates' renewal. It is SQLite's own write lock, held with `BEGIN IMMEDIATE` on a
// database file of its own (`claude-foundry.db-lock`, empty), so the store's file stays free for the transactions the
// section runs. The operating system releases it when its holder dies (even by SIGKILL): no stale lock to detect.
// Waiting never blocks the event loop: the attempt fails at once while another holds it, and is retried after a
// pause, up to a bound.
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrivateFile } from './data-dir.ts';
import { StoreOpenError } from './types.ts';

/** SQLite's SQLITE_BUSY: another connection holds the write lock. */
const SQLITE_BUSY = 5;
const RETRY_MS = 15;
/** A section (creating the CA, a scrypt hash or two) takes well under a second; a holder this slow is stuck. */
const PROCESS_LOCK_WAIT_MS = 60_000;

export interface ProcessLock {
  /** Resolves once this process holds the lock; rejects after `waitMs` saying who to look at. */
  acquire(): Promise<void>;
  release(): void;
  close(): void;
}

export function openProcessLock(path: string, waitMs = PROCESS_LOCK_WAIT_MS): ProcessLock {
  let db: DatabaseSync | undefined;
  const connection = () => {
    if (!db) {
      ensurePrivateFile(path);
      db = new DatabaseSync(path);
      db.exec('PRAGMA busy_timeout = 0');
    }
    return db;
  };
  return {
    async acquire() {
      const deadline = Date.now() + waitMs;
      for (;;) {
        try {
          connection().exec('BEGIN IMMEDIATE');
          return;
        } catch (err) {
          if ((err as { errcode?: number }).errcode !== SQLITE_BUSY) throw err;
          if (Date.now() > deadline) {
            throw new StoreOpenError(
              `Another process on this data folder has held its lock (${path}) for over ${Math.round(waitMs / 1000)} s. ` +
                'Stop the claude-foundry process that is stuck (or the one still starting), then start again.',
            );
          }
          await sleep(RETRY_MS);
        }
      }
    },
    release() {
      if (db?.isTransaction) db.exec('ROLLBACK');
    },
    close() {
      if (db?.isOpen) db.close();
      db = undefined;
    },
  };
}
