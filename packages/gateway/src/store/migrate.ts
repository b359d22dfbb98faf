// The one migration runner, for the store (claude-foundry.db) and the request log (logs.db). The database's
// `user_version` is the last migration applied; each migration runs once, in its own transaction, with the file's
// `application_id` set in the same transaction. A migration is SQL, or a step over the rows (e.g. encrypting them).
import type { DatabaseSync } from 'node:sqlite';
import { StoreOpenError } from './types.ts';

export interface Migration<Context = void> {
  version: number;
  description: string;
  sql?: string;
  /** Runs after `sql`, inside the same transaction. */
  run?: (db: DatabaseSync, context: Context) => void;
}

export function pragma(db: DatabaseSync, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

export function runMigrations<Context>(
  db: DatabaseSync,
  migrations: readonly Migration<Context>[],
  options: { applicationId: number; label: string; context: Context },
): void {
  const current = Number(pragma(db, 'user_version'));
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      if (migration.sql) db.exec(migration.sql);
      migration.run?.(db, options.context);
      db.exec(`PRAGMA application_id = ${options.applicationId}; PRAGMA user_version = ${migration.version}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      if (err instanceof StoreOpenError) throw err;
      throw new StoreOpenError(`${options.label} migration ${migration.version} (${migration.description}) failed: ${(err as Error).message}`);
    }
  }
}
