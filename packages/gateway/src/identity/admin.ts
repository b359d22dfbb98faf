// The admin service principal the CLI signs in with: created on first start, Owner of every subscription the
// gateway serves, its credentials written to <dataDir>/admin-credentials.json (mode 0600) with the gateway's URLs.
// With a shared store (PostgreSQL) its secret is kept sealed in the store too, so every replica writes the same
// credentials and none resets the secret another replica handed out.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRole } from '../auth/roles.ts';
import { newGuid } from '../ids/index.ts';
import type { Directory } from './directory.ts';
import { ADMIN_TAG } from './graph.ts';

export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';
const ADMIN_SETTING = 'identity.adminObjectId';
const ADMIN_SECRET = 'identity.adminClientSecret';
const OWNER = findRole('Owner')!.id;

export interface AdminCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  objectId: string;
}

function readCredentials(path: string): Partial<AdminCredentials> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Partial<AdminCredentials>;
  } catch {
    return {};
  }
}

/** The admin principal and a secret that works (the stored one, or a fresh one if the file was lost). */
export async function ensureAdmin(directory: Directory, dataDir: string, subscriptions: readonly string[]): Promise<AdminCredentials & { path: string }> {
  const path = join(dataDir, ADMIN_CREDENTIALS_FILE);
  const store = directory.store;
  const shared = store.dialect === 'postgres';
  const objectId = await store.settings.get(ADMIN_SETTING);
  let principal = objectId ? directory.current.principalByObjectId(objectId) : undefined;
  let clientSecret: string | undefined;
  if (!principal) {
    const created = await directory.createServicePrincipal({ displayName: 'claude-foundry-admin', tags: [ADMIN_TAG] });
    principal = created.principal;
    clientSecret = created.clientSecret;
    await store.settings.set(ADMIN_SETTING, principal.objectId);
    if (shared) await store.secrets.put(ADMIN_SECRET, clientSecret);
  } else {
    const kept = shared ? { clientId: principal.appId, clientSecret: await store.secrets.get(ADMIN_SECRET) } : readCredentials(path);
    const works = kept.clientId === principal.appId && typeof kept.clientSecret === 'string' && (await directory.verifyClientSecret(principal, kept.clientSecret));
    clientSecret = works ? kept.clientSecret! : await directory.resetClientSecret(principal.objectId);
    if (shared && !works) await store.secrets.put(ADMIN_SECRET, clientSecret);
  }
  for (const subscription of new Set(subscriptions.map((s) => s.toLowerCase()))) {
    const scope = `/subscriptions/${subscription}`;
    const has = directory.current.assignmentsOf([principal.objectId]).some((a) => a.roleDefinitionId === OWNER && a.scope.toLowerCase() === scope);
    if (!has) {
      await directory.createRoleAssignment({
        name: newGuid(), scope, roleDefinitionId: OWNER, principalId: principal.objectId, principalType: 'ServicePrincipal',
        description: 'The claude-foundry admin principal (used by the CLI)', createdBy: null,
      });
    }
  }
  return { tenantId: directory.tenantId, clientId: principal.appId, clientSecret, objectId: principal.objectId, path };
}

/** Written after the listeners are up, so the CLI also learns where the running gateway is. */
export function writeAdminCredentials(path: string, credentials: AdminCredentials, urls: { url: string; httpsUrl: string; caPath: string }): void {
  const { tenantId, clientId, clientSecret, objectId } = credentials;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ tenantId, clientId, clientSecret, objectId, ...urls }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
