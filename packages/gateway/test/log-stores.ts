// The request-log stores the parameterized tests run on: SQLite in a temporary folder, and PostgreSQL in a database
// of its own on one throwaway server per test file (started on first use, stopped by the file's `after`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { RequestLogStore } from '../src/telemetry/log-store.ts';
import { PostgresLogStore } from '../src/telemetry/postgres/store.ts';
import { SqliteLogStore } from '../src/telemetry/sqlite-store.ts';
import { type PostgresServer, startPostgres } from './services/postgres.ts';

export const DIALECTS = ['sqlite', 'postgres'] as const;
/** A gateway on store.postgres needs the secret key its store is sealed with (docs/scale-out.md). */
export const POSTGRES_STORE_ENV: NodeJS.ProcessEnv = { CLAUDE_FOUNDRY_SECRET_KEY: randomBytes(32).toString('base64') };
export type Dialect = (typeof DIALECTS)[number];

let server: Promise<PostgresServer> | undefined;
let dir: string | undefined;
let databases = 0;

after(async () => {
  if (server) (await server).stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** This file's PostgreSQL server, started on first use. */
export function postgresServer(): Promise<PostgresServer> {
  server ??= startPostgres();
  return server;
}

/** A new empty database on this file's server; its URL. */
export async function postgresDatabase(): Promise<string> {
  return (await postgresServer()).createDatabase(`cf_log_${++databases}`);
}

/** An empty request-log store of that dialect. */
export async function openLogStore(dialect: Dialect): Promise<RequestLogStore> {
  if (dialect === 'postgres') return PostgresLogStore.open(await postgresDatabase());
  dir ??= mkdtempSync(join(tmpdir(), 'cf-logstores-'));
  return new SqliteLogStore(join(dir, `logs-${++databases}.db`));
}
