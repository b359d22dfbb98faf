// The one migration runner, for the store (claude-foundry.db) and the request log (logs.db), in two dialects. SQLite:
// the database's `user_version` is the last migration applied; each migration runs once, in its own transaction, with
// the file's `application_id` set in the same transaction. PostgreSQL: one table, `claude_foundry_migrations`, holds
// each component's applied versions (the store and the log may share a database), and replicas starting together
// take turns under an advisory lock. A migration is SQL, or (SQLite) a step over the rows (e.g. encrypting them).
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

/** What the PostgreSQL runner needs of a connection (a `pg` client): one statement at a time, in order. */
export interface SqlConnection {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** Any number fixed for the runner's advisory lock: replicas migrating the same database wait for each other. */
const MIGRATION_LOCK = 0x43464d47; // "CFMG"

export async function runPostgresMigrations(
  db: SqlConnection,
  migrations: readonly Omit<Migration, 'run'>[],
  options: { component: string; label: string },
): Promise<void> {
  await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS claude_foundry_migrations (
      component text NOT NULL, version integer NOT NULL, description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`);
    const { rows } = await db.query('SELECT coalesce(max(version), 0) AS v FROM claude_foundry_migrations WHERE component = $1', [options.component]);
    const current = Number(rows[0]!['v']);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > latest) {
      throw new StoreOpenError(`${options.label} has schema version ${current} in PostgreSQL, newer than this claude-foundry understands (${latest}). Upgrade claude-foundry. Nothing was modified.`);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await db.query('BEGIN');
      try {
        if (migration.sql) await db.query(migration.sql);
        await db.query('INSERT INTO claude_foundry_migrations (component, version, description) VALUES ($1, $2, $3)', [options.component, migration.version, migration.description]);
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw new StoreOpenError(`${options.label} migration ${migration.version} (${migration.description}) failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
