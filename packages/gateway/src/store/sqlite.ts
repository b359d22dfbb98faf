// The store on node:sqlite in the data folder: WAL, strict tables, numbered migrations. A database that is
// corrupt, not ours, or from a newer schema is refused at start with a clear message, before anything is written.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { PrincipalType } from '../identity/config.ts';
import { ensurePrivateFile } from './data-dir.ts';
import { pragma, runMigrations } from './migrate.ts';
import { MIGRATIONS, SCHEMA_VERSION, SECRET_KEY_ID_SETTING } from './migrations.ts';
import { keyMismatch, type SecretBox } from './secret-box.ts';
import { sqliteControlTables } from './sqlite-control.ts';
import { type RoleAssignmentRecord, type ServicePrincipalRecord, type Store, StoreConflict, StoreOpenError } from './types.ts';

/** `PRAGMA application_id`: "CFDY", so a stray SQLite file is never mistaken for ours. */
const APPLICATION_ID = 0x43464459;

/** Read-only checks of an existing file; throws StoreOpenError without having modified it. */
function inspectExisting(path: string): void {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
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

const json = (value: unknown): string[] => {
  const parsed: unknown = JSON.parse(String(value));
  return Array.isArray(parsed) ? parsed.map(String) : [];
};

function principalOf(row: Record<string, unknown>): ServicePrincipalRecord {
  return {
    objectId: String(row['object_id']),
    appId: String(row['app_id']),
    tenantId: String(row['tenant_id']),
    displayName: String(row['display_name']),
    secretHash: String(row['secret_hash']),
    groups: json(row['groups_json']),
    appRoles: json(row['app_roles_json']),
    tags: json(row['tags_json']),
    createdAt: String(row['created_at']),
  };
}

function assignmentOf(row: Record<string, unknown>): RoleAssignmentRecord {
  return {
    name: String(row['name']),
    scope: String(row['scope']),
    roleDefinitionId: String(row['role_definition_id']),
    principalId: String(row['principal_id']),
    principalType: String(row['principal_type']) as PrincipalType,
    description: row['description'] === null ? null : String(row['description']),
    createdOn: String(row['created_on']),
    createdBy: row['created_by'] === null ? null : String(row['created_by']),
  };
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
  const db = new DatabaseSync(path);
  try {
    const keyId = sealedWith(db);
    if (keyId !== undefined && keyId !== box.keyId) throw keyMismatch(keyId, box);
    // A new key reaches its file before anything is sealed with it.
    box.persist();
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
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
  };

  return {
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
      get: async (key) => {
        const row = q.getSetting.get(key) as { value: string } | undefined;
        return row?.value;
      },
      set: async (key, value) => {
        q.setSetting.run(key, value);
      },
    },
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}
