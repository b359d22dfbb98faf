// Users of the development tenant: people who sign in to the portal with a name and a password, where principals
// sign in with a client secret. A user is kept as a directory principal tagged USER_TAG (its password stored only
// as the secret's scrypt hash), so role assignments name its object ID and RBAC decides for it exactly as for a
// principal. The admin user is created on first start, Owner of every subscription, its password written once to
// <dataDir>/admin-user.json (mode 0600) for the banner to print. With a shared store (PostgreSQL) the password is kept
// sealed in the store as well, and each replica's file is a copy of it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRole } from '../auth/roles.ts';
import { newGuid } from '../ids/index.ts';
import type { Directory } from './directory.ts';
import type { DirectoryPrincipal } from './directory-snapshot.ts';

export const USER_TAG = 'claude-foundry:user';
export const ADMIN_USER_FILE = 'admin-user.json';
export const ADMIN_USER_NAME = 'admin';
const OWNER = findRole('Owner')!.id;
const ADMIN_USER_SECRET = 'identity.adminUserPassword';

export interface AdminUser {
  userName: string;
  objectId: string;
  /** `<dataDir>/admin-user.json`, holding the password. */
  path: string;
  /** The password, only when it was created by this start (the banner prints it once). */
  newPassword: string | undefined;
}

export function isUser(p: DirectoryPrincipal): boolean {
  return p.tags.includes(USER_TAG);
}

export function findUser(directory: Directory, userName: string): DirectoryPrincipal | undefined {
  const name = userName.trim().toLowerCase();
  return directory.current.principals().find((p) => isUser(p) && p.displayName.toLowerCase() === name);
}

/** A new user and its password (shown once; only its hash is kept). */
export async function createUser(directory: Directory, userName: string): Promise<{ user: DirectoryPrincipal; password: string }> {
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(userName)) throw new Error(`A user name is 1 to 64 letters, digits, '.', '_', '@' or '-', not '${userName.slice(0, 80)}'.`);
  if (findUser(directory, userName)) throw new Error(`A user named '${userName}' already exists.`);
  const { principal, clientSecret } = await directory.createServicePrincipal({ displayName: userName, tags: [USER_TAG] });
  return { user: principal, password: clientSecret };
}

export async function ensureAdminUser(directory: Directory, dataDir: string, subscriptions: readonly string[]): Promise<AdminUser> {
  const path = join(dataDir, ADMIN_USER_FILE);
  let user = findUser(directory, ADMIN_USER_NAME);
  let newPassword: string | undefined;
  const keep = (password: string) => writeFileSync(path, `${JSON.stringify({ userName: ADMIN_USER_NAME, password }, null, 2)}\n`, { mode: 0o600 });
  const store = directory.store;
  if (store.dialect === 'postgres') {
    // The store keeps the password: every replica's file is a copy, and no replica resets what another handed out.
    const kept = await store.secrets.get(ADMIN_USER_SECRET);
    if (user && kept !== undefined && (await directory.verifyClientSecret(user, kept))) {
      if (!existsSync(path)) keep(kept);
    } else {
      if (user) newPassword = await directory.resetClientSecret(user.objectId);
      else ({ user, password: newPassword } = await createUser(directory, ADMIN_USER_NAME));
      await store.secrets.put(ADMIN_USER_SECRET, newPassword);
      keep(newPassword);
    }
  } else if (!user || !existsSync(path)) {
    // First start, or the file was lost: a fresh password (the old one stops working).
    if (user) newPassword = await directory.resetClientSecret(user.objectId);
    else ({ user, password: newPassword } = await createUser(directory, ADMIN_USER_NAME));
    keep(newPassword);
  } else {
    JSON.parse(readFileSync(path, 'utf8')); // a damaged file fails the start rather than leaving an unknown password
  }
  for (const subscription of new Set(subscriptions.map((s) => s.toLowerCase()))) {
    const scope = `/subscriptions/${subscription}`;
    const has = directory.current.assignmentsOf([user.objectId]).some((a) => a.roleDefinitionId === OWNER && a.scope.toLowerCase() === scope);
    if (!has) {
      await directory.createRoleAssignment({
        name: newGuid(), scope, roleDefinitionId: OWNER, principalId: user.objectId, principalType: 'User',
        description: 'The claude-foundry admin user (signs in to the portal)', createdBy: null,
      });
    }
  }
  return { userName: ADMIN_USER_NAME, objectId: user.objectId, path, newPassword };
}
