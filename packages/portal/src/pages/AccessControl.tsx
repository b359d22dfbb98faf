// Access control (IAM) at a scope (a subscription, a resource group or a resource), as Azure's portal has it on each:
// the role assignments made there and those inherited from above (the scope column says which; an inherited one is
// removed only where it was made); add one at this scope for a user or service principal with a built-in role; remove
// one made here. The buttons follow the user's permissions at THIS scope; ARM decides each call, its refusal is shown.
import { useState } from 'preact/hooks';
import { usePermissions } from '../access.ts';
import { nameOf, subscriptionOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { Confirm } from '../components/Confirm.tsx';
import { messageOf, useLoad } from '../hooks.ts';
import { deleteRoleAssignment, describeScope, listDirectory, listRoleAssignments, listRoleDefinitions, type RoleAssignment } from '../roles-api.ts';
import { AddRoleAssignment } from './AddRoleAssignment.tsx';

const WRITE = 'Microsoft.Authorization/roleAssignments/write';
const DELETE = 'Microsoft.Authorization/roleAssignments/delete';

const guidOf = (id: string) => id.split('/').pop()!.toLowerCase();

/** What a scope is, in the words of its page. */
function levelOf(scope: string): { here: string; heading: string; title: string } {
  if (/\/providers\//i.test(scope)) return { here: 'This resource', heading: 'resource', title: nameOf(scope) };
  if (/\/resourceGroups\//i.test(scope)) return { here: 'This resource group', heading: 'resource group', title: nameOf(scope) };
  return { here: 'This subscription', heading: 'subscription', title: subscriptionOf(scope) };
}

export function AccessControl({ scope: id }: { scope: string }) {
  const level = levelOf(id);
  const assignments = useLoad(() => listRoleAssignments(id), [id]);
  const roles = useLoad(() => listRoleDefinitions(`/subscriptions/${subscriptionOf(id)}`), [id]);
  const directory = useLoad(listDirectory, []);
  const can = usePermissions(id);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<string>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const roleName = (a: RoleAssignment) => roles.value?.find((r) => r.name.toLowerCase() === guidOf(a.properties.roleDefinitionId))?.properties.roleName ?? guidOf(a.properties.roleDefinitionId);
  const who = (a: RoleAssignment) => directory.value?.find((e) => e.id.toLowerCase() === a.properties.principalId.toLowerCase())?.displayName;
  const remove = async (a: RoleAssignment) => {
    setError(undefined);
    try {
      await deleteRoleAssignment(a.id);
      setNotice(`Removed ${roleName(a)} from ${who(a) ?? a.properties.principalId}.`);
      assignments.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setRemoving(undefined);
    }
  };
  const sorted = [...(assignments.value ?? [])].sort((x, y) => y.properties.scope.length - x.properties.scope.length);
  return (
    <section>
      <h1>Access control <span class="sub">{level.title}</span></h1>
      <p class="note">
        Role assignments that apply to this {level.heading}: those made here, which you may remove if your roles here allow it, and those
        inherited from above it, which are changed where they were made.
      </p>
      <Alert message={assignments.error ?? roles.error ?? error} />
      {notice && <p role="status" class="note">{notice}</p>}
      {can(WRITE) && !adding && roles.value && directory.value && (
        <button type="button" class="primary" onClick={() => (setAdding(true), setNotice(undefined))}>Add role assignment</button>
      )}
      {adding && roles.value && directory.value && (
        <AddRoleAssignment
          scope={id}
          roles={roles.value}
          directory={directory.value}
          onAdded={(text) => (setAdding(false), setNotice(text), assignments.reload())}
          onCancel={() => setAdding(false)}
        />
      )}
      {!assignments.value && !assignments.error && <p>Loading role assignments…</p>}
      {assignments.value && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Role assignments table">
          <table>
            <thead>
              <tr><th scope="col">Who</th><th scope="col">Type</th><th scope="col">Role</th><th scope="col">Scope</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {sorted.map((a) => {
                const here = a.properties.scope.toLowerCase() === id.toLowerCase();
                const label = `${roleName(a)} for ${who(a) ?? a.properties.principalId}`;
                return (
                  <tr key={a.id} data-testid="assignment">
                    <td>{who(a) ?? <code>{a.properties.principalId}</code>}</td>
                    <td>{a.properties.principalType}</td>
                    <td>{roleName(a)}</td>
                    <td>{here ? level.here : <span class="inherited">Inherited from {describeScope(a.properties.scope)}</span>}</td>
                    <td>
                      {here && can(DELETE) &&
                        (removing === a.id ? (
                          <Confirm question={`Remove ${label}?`} yes="Yes, remove" onYes={() => void remove(a)} onNo={() => setRemoving(undefined)} />
                        ) : (
                          <button type="button" aria-label={`Remove ${label}`} onClick={() => (setRemoving(a.id), setNotice(undefined))}>Remove</button>
                        ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
