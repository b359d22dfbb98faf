// Add a role assignment at a scope (subscription, resource group or resource): a built-in role, and a user or service
// principal of the directory (or any object ID, with its type, for one the directory does not list). ARM's refusal is
// shown as it answered.
import { useState } from 'preact/hooks';
import { Alert } from '../components/Alert.tsx';
import { messageOf } from '../hooks.ts';
import { type DirectoryEntry, putRoleAssignment, type RoleDefinition } from '../roles-api.ts';

const OTHER = 'other';

export function AddRoleAssignment({ scope, roles, directory, onAdded, onCancel }: {
  scope: string; roles: RoleDefinition[]; directory: DirectoryEntry[]; onAdded: (notice: string) => void; onCancel: () => void;
}) {
  const [roleId, setRoleId] = useState(roles.find((r) => r.properties.roleName === 'Reader')?.id ?? roles[0]!.id);
  const [member, setMember] = useState(directory[0]?.id ?? OTHER);
  const [objectId, setObjectId] = useState('');
  const [type, setType] = useState('User');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const chosen = directory.find((e) => e.id === member);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const principalId = chosen ? chosen.id : objectId.trim();
      await putRoleAssignment(scope, { roleDefinitionId: roleId, principalId, principalType: chosen ? chosen.kind : type });
      const role = roles.find((r) => r.id === roleId)!.properties.roleName;
      onAdded(`Assigned ${role} to ${chosen?.displayName ?? principalId}.`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel" onSubmit={(e) => void submit(e)} aria-labelledby="add-assignment">
      <h2 id="add-assignment">Add role assignment</h2>
      <div class="field">
        <label for="ra-role">Role</label>
        <select id="ra-role" value={roleId} onChange={(e) => setRoleId(e.currentTarget.value)} aria-describedby="ra-role-hint">
          {roles.map((r) => <option key={r.id} value={r.id}>{r.properties.roleName}</option>)}
        </select>
        <small id="ra-role-hint">{roles.find((r) => r.id === roleId)?.properties.description}</small>
      </div>
      <div class="field">
        <label for="ra-member">Assign to</label>
        <select id="ra-member" value={member} onChange={(e) => setMember(e.currentTarget.value)}>
          {(['User', 'ServicePrincipal'] as const).map((kind) => (
            <optgroup key={kind} label={kind === 'User' ? 'Users' : 'Service principals'}>
              {directory.filter((e) => e.kind === kind).map((e) => <option key={e.id} value={e.id}>{e.displayName}</option>)}
            </optgroup>
          ))}
          <option value={OTHER}>Another object ID…</option>
        </select>
      </div>
      {!chosen && (
        <>
          <div class="field">
            <label for="ra-object-id">Object ID</label>
            <input id="ra-object-id" value={objectId} onInput={(e) => setObjectId(e.currentTarget.value)} placeholder="00000000-0000-0000-0000-000000000000" />
          </div>
          <div class="field">
            <label for="ra-type">Principal type</label>
            <select id="ra-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="User">User</option><option value="Group">Group</option><option value="ServicePrincipal">Service principal</option>
            </select>
          </div>
        </>
      )}
      <Alert message={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>Assign</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
