// The store on node:sqlite in the data folder: WAL, strict tables, numbered migrations, a change version polled for
// other processes' commits. A database that is corrupt, not ours, or from a newer schema is refused at start with a
// clear message, before anything is written.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { ensurePrivateFile } from './data-dir.ts';
import { pragma, runMigrations, SQLITE_BUSY_TIMEOUT_MS } from './migrate.ts';
import { MIGRATIONS, SCHEMA_VERSION, SECRET_KEY_ID_SETTING } from './migrations.ts';
import { openProcessLock } from './process-lock.ts';
import { keyMismatch, type SecretBox } from './secret-box.ts';
import { sqliteOAuthGrants } from './oauth-grants.ts';
import { assignmentOf, principalOf, secretContext } from './rows.ts';
import { sqliteControlTables } from './sqlite-control.ts';
import { ChangeWatcher, ownTransactions, SerialQueue } from './transact.ts';
import { type Store, StoreConflict, StoreOpenError, type StoreTables } from './types.ts';

/** How often another process's commit is looked for (PRAGMA data_version: a read of the connection's own state). */
const POLL_MS = 250;

/** `PRAGMA application_id`: "CFDY", so a stray SQLite file is never mistaken for ours. */
const APPLICATION_ID = 0x43464459;

/** Read-only checks of an existing file; throws StoreOpenError without having modified it. */
function inspectExisting(path: string): void {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    const check = pragma(db, 'quick_check');
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    const app = Number(pragma(db, 'application_id'));
    const version = Number(pragma(db, 'user_version'));
    if (app !== APPLICATION_ID && !(app === 0 && version === 0)) {
      throw new StoreOpenError(`The database ${path} belongs to another application (application_id ${app}); point dataDir elsewhere. Nothing was modified.`);
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreOpenError(
        `The database ${path} has schema version ${version}, newer than this claude-foundry understands (${SCHEMA_VERSION}). ` +
          'Upgrade claude-foundry, or point dataDir elsewhere. Nothing was modified.',
      );
    }
  } catch (err) {
    if (err instanceof StoreOpenError) throw err;
    throw new StoreOpenError(
      `The database ${path} cannot be read (${(err as Error).message}). Restore it from a backup, or move it away to start with an empty one. Nothing was modified.`,
    );
  } finally {
    db?.close();
  }
}

function conflictOr(err: unknown, message: string): never {
  if ((err as { code?: string }).code === 'ERR_SQLITE_ERROR' && /UNIQUE constraint/.test((err as Error).message)) throw new StoreConflict(message);
  throw err;
}

/** The id of the key the store's secrets are sealed with, if it has any yet. */
function sealedWith(db: DatabaseSync): string | undefined {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get() === undefined) return undefined;
  return (db.prepare('SELECT value FROM settings WHERE key = ?').get(SECRET_KEY_ID_SETTING) as { value: string } | undefined)?.value;
}

/** Opens (creating at 0600 when absent) and migrates the store; its resource keys are sealed and opened with `box`. */
export function openSqliteStore(path: string, box: SecretBox): Store {
  if (existsSync(path)) inspectExisting(path);
  ensurePrivateFile(path);
  const db = new DatabaseSync(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    const keyId = sealedWith(db);
    if (keyId !== undefined && keyId !== box.keyId) throw keyMismatch(keyId, box);
    // A new key reaches its file before anything is sealed with it.
    box.persist();
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    runMigrations(db, MIGRATIONS, { applicationId: APPLICATION_ID, label: 'Store', context: { box } });
  } catch (err) {
    db.close();
    throw err;
  }

  const q = {
    principals: db.prepare('SELECT * FROM service_principals ORDER BY created_at, object_id'),
    insertPrincipal: db.prepare(
      'INSERT INTO service_principals (object_id, app_id, tenant_id, display_name, secret_hash, groups_json, app_roles_json, tags_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    deletePrincipal: db.prepare('DELETE FROM service_principals WHERE object_id = ?'),
    setSecret: db.prepare('UPDATE service_principals SET secret_hash = ? WHERE object_id = ?'),
    assignments: db.prepare('SELECT * FROM role_assignments ORDER BY created_on, name'),
    insertAssignment: db.prepare(
      'INSERT INTO role_assignments (name, scope, role_definition_id, principal_id, principal_type, description, created_on, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    deleteAssignment: db.prepare('DELETE FROM role_assignments WHERE name = ?'),
    getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    getSecret: db.prepare('SELECT value FROM secrets WHERE name = ?'),
    putSecret: db.prepare('INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
    createSecret: db.prepare('INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    version: db.prepare('SELECT version FROM changes WHERE id = 1'),
    bump: db.prepare('UPDATE changes SET version = version + 1 WHERE id = 1 RETURNING version'),
  };

  const tables: StoreTables = {
    servicePrincipals: {
      list: async () => (q.principals.all() as Array<Record<string, unknown>>).map(principalOf),
      insert: async (r) => {
        try {
          q.insertPrincipal.run(r.objectId, r.appId, r.tenantId, r.displayName, r.secretHash, JSON.stringify(r.groups), JSON.stringify(r.appRoles), JSON.stringify(r.tags), r.createdAt);
        } catch (err) {
          conflictOr(err, `A service principal with object ID ${r.objectId} or client ID ${r.appId} exists already.`);
        }
      },
      delete: async (objectId) => Number(q.deletePrincipal.run(objectId).changes) > 0,
      setSecretHash: async (objectId, secretHash) => {
        q.setSecret.run(secretHash, objectId);
      },
    },
    roleAssignments: {
      list: async () => (q.assignments.all() as Array<Record<string, unknown>>).map(assignmentOf),
      insert: async (r) => {
        try {
          q.insertAssignment.run(r.name, r.scope, r.roleDefinitionId, r.principalId, r.principalType, r.description, r.createdOn, r.createdBy);
        } catch (err) {
          conflictOr(err, 'The role assignment already exists.');
        }
      },
      delete: async (name) => Number(q.deleteAssignment.run(name).changes) > 0,
    },
    ...sqliteControlTables(db, box),
    settings: {
      get: async (key) => (q.getSetting.get(key) as { value: string } | undefined)?.value,
      set: async (key, value) => {
        q.setSetting.run(key, value);
      },
    },
    secrets: {
      get: async (name) => {
        const row = q.getSecret.get(name) as { value: string } | undefined;
        return row && box.open(row.value, secretContext(name));
      },
      put: async (name, value) => {
        q.putSecret.run(name, box.seal(value, secretContext(name)));
      },
      create: async (name, value) => {
        q.createSecret.run(name, box.seal(value, secretContext(name)));
        return box.open((q.getSecret.get(name) as { value: string }).value, secretContext(name));
      },
    },
  };

  // One connection: transactions of this process queue here; BEGIN IMMEDIATE takes the file's write lock against others.
  const queue = new SerialQueue();
  // Exclusive sections queue within this process, then take the data folder's lock against the other processes.
  const exclusive = new SerialQueue();
  const lock = openProcessLock(`${path}-lock`);
  const currentVersion = () => Number((q.version.get() as { version: number }).version);
  const watcher = new ChangeWatcher(currentVersion());
  let poll: NodeJS.Timeout | undefined;
  const transaction = <T>(work: (tx: StoreTables) => Promise<T>): Promise<T> =>
    queue.run(async () => {
      db.exec('BEGIN IMMEDIATE');
      let version: number;
      let result: T;
      try {
        result = await work(tables);
        version = Number((q.bump.get() as { version: number }).version);
        db.exec('COMMIT');
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
      watcher.offer(version);
      return result;
    });

  // Grants and codes are no snapshot's: they commit without a version bump (data_version moves; the version does not).
  // Not `transaction` without the bump: its work is synchronous, so no await holds the file's write lock while another
  // connection of this process waits for it in a blocking busy wait (the store contract's two stores on one file).
  const plain = <T>(work: () => T): Promise<T> =>
    queue.run(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    });

  return {
    dialect: 'sqlite',
    ...ownTransactions(tables, transaction),
    ...sqliteOAuthGrants(db, plain),
    transaction,
    exclusive: (work) =>
      exclusive.run(async () => {
        await lock.acquire();
        try {
          return await work();
        } finally {
          lock.release();
        }
      }),
    version: async () => currentVersion(),
    watch: (listener) => {
      watcher.listen(listener);
      if (poll) return;
      let dataVersion = pragma(db, 'data_version');
      poll = setInterval(() => {
        if (!db.isOpen) return;
        const now = pragma(db, 'data_version');
        if (now === dataVersion) return;
        dataVersion = now;
        watcher.offer(currentVersion());
      }, POLL_MS);
      poll.unref();
    },
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      clearInterval(poll);
      lock.close();
      if (db.isOpen) db.close();
    },
  };
}
