// A deployment's secrets at rest: the keys and client secrets of its pool members (set over ARM) are sealed with the
// store's SecretBox, each bound to its deployment, member and field, so a sealed value cannot be moved to another row.
// Every store implementation calls these around the record it writes and reads, as it seals account keys.
import type { SecretBox } from './secret-box.ts';
import type { DeploymentRecord, PoolCredentialsRecord } from './types.ts';

const context = (d: Pick<DeploymentRecord, 'account' | 'name'>, member: string, field: string) =>
  `deployments/${d.account.toLowerCase()}/${d.name.toLowerCase()}/pool/${member}/${field}`;

function mapSecrets(record: DeploymentRecord, change: (value: string, where: string) => string): DeploymentRecord {
  if (!record.pool) return record;
  const members = record.pool.members.map((m) => {
    const c = m.credentials;
    const credentials: PoolCredentialsRecord =
      c.type === 'key' ? { ...c, key: change(c.key, context(record, m.name, 'key')) } : { ...c, clientSecret: change(c.clientSecret, context(record, m.name, 'clientSecret')) };
    return { ...m, credentials };
  });
  return { ...record, pool: { ...record.pool, members } };
}

/** The record as stored: every pool secret sealed. */
export function sealDeployment(record: DeploymentRecord, box: SecretBox): DeploymentRecord {
  return mapSecrets(record, (value, where) => box.seal(value, where));
}

/** The record as read: every pool secret opened (a wrong key or an edited row is a StoreOpenError naming it). */
export function openDeployment(record: DeploymentRecord, box: SecretBox): DeploymentRecord {
  return mapSecrets(record, (value, where) => box.open(value, where));
}
