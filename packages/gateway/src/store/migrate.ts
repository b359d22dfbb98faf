// The one migration runner, for the store (claude-foundry.db, or PostgreSQL) and the request log (logs.db). A list of
// numbered migrations is applied in order, each once, in its own transaction, recording the last one applied: in
// SQLite the database's `user_version` (with the file's `application_id` set in the same transaction), in PostgreSQL
// a row per component in `schema_versions`, under an advisory lock so replicas starting together migrate once.
// A migration is SQL (one text per dialect, same number), or a step over the rows (e.g. encrypting them).
import type { DatabaseSync } from 'node:sqlite';
import type { ClientBase } from 'pg';
import { StoreOpenError } from './types.ts';

export interface Migration<Context = void> {
  version: number;
  description: string;
  /** SQLite's SQL. */
  sql?: string;
  /** Runs after `sql`, inside the same transaction (SQLite). */
  run?: (db: DatabaseSync, context: Context) => void;
  /** PostgreSQL's SQL for the same step; a migration without it does nothing there. */
  postgres?: string;
  /** Runs after `postgres`, inside the same transaction. */
  runPostgres?: (client: ClientBase, context: Context) => Promise<void>;
}

/**
 * How long an SQLite connection waits for another connection's lock (processes sharing a data folder: `--workers`,
 * two `serve` started together) before SQLITE_BUSY. Set when the connection opens, so that the checks of an existing
 * file and the journal-mode switch wait too, not only the statements after them.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export function pragma(db: DatabaseSync, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return row ? Object.values(row)[0] : undefined;
}

function failed(label: string, migration: Migration<never>, err: unknown): Error {
  if (err instanceof StoreOpenError) return err;
  return new StoreOpenError(`${label} migration ${migration.version} (${migration.description}) failed: ${(err as Error).message}`);
}

/** The newest version a list knows; a database past it is refused (it was written by a newer claude-foundry). */
const latestVersion = (migrations: readonly Migration<never>[]): number => migrations[migrations.length - 1]?.version ?? 0;

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
      throw failed(options.label, migration as Migration<never>, err);
    }
  }
}

/** Any fixed 64-bit number: the advisory lock every replica takes around its migrations. */
const MIGRATION_LOCK = 0x43464459_0001;

/**
 * The same runner on PostgreSQL: `component` names the list (`store`, `log`) in `schema_versions`. A database whose
 * version for it is newer than the list is refused before anything is written.
 */
export async function runPostgresMigrations<Context>(
  client: ClientBase,
  migrations: readonly Migration<Context>[],
  options: { component: string; label: string; context: Context; describe: string },
): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version integer NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM schema_versions WHERE component = $1', [options.component])).rows[0];
    const current = row?.version ?? 0;
    const latest = latestVersion(migrations as readonly Migration<never>[]);
    if (current > latest) {
      throw new StoreOpenError(
        `The ${options.label.toLowerCase()} in ${options.describe} has schema version ${current}, newer than this claude-foundry understands (${latest}). ` +
          'Upgrade claude-foundry, or point store.postgres at another database. Nothing was modified.',
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.query('BEGIN');
      try {
        if (migration.postgres) await client.query(migration.postgres);
        await migration.runPostgres?.(client, options.context);
        await client.query(
          'INSERT INTO schema_versions (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
          [options.component, migration.version],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw failed(options.label, migration as Migration<never>, err);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
