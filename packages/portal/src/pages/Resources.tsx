// Resources: every Microsoft.CognitiveServices account the signed-in user may read, in every subscription it holds a
// role in; create one (CreateResource) and delete one after typing its name, where the user's roles allow it.
import { useState } from 'preact/hooks';
import { permits, getPermissions } from '../access.ts';
import { type Account, deleteAccount, listAccounts, listSubscriptions, resourceGroupOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { TypedConfirm } from '../components/TypedConfirm.tsx';
import { messageOf, useLoad } from '../hooks.ts';
import { resourceHref, scopeHref, scopesAbove } from '../route.ts';
import { CreateResource } from './CreateResource.tsx';

interface Listed {
  accounts: Account[];
  subscriptions: string[];
  /** Subscriptions where the user may create accounts. */
  creatable: string[];
  /** Accounts (by ID) the user may delete. */
  deletable: Set<string>;
}

async function loadResources(): Promise<Listed> {
  const [accounts, subscriptions] = await Promise.all([listAccounts(), listSubscriptions()]);
  const subPermissions = await Promise.all(subscriptions.map((s) => getPermissions(`/subscriptions/${s}`)));
  const creatable = subscriptions.filter((_, i) => permits(subPermissions[i]!, 'Microsoft.CognitiveServices/accounts/write'));
  const accountPermissions = await Promise.all(accounts.map((a) => getPermissions(a.id)));
  const deletable = new Set(accounts.filter((_, i) => permits(accountPermissions[i]!, 'Microsoft.CognitiveServices/accounts/delete')).map((a) => a.id));
  return { accounts, subscriptions, creatable, deletable };
}

export function Resources() {
  const { value, error, reload } = useLoad(loadResources, []);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const remove = async (account: Account) => {
    setActionError(undefined);
    try {
      await deleteAccount(account.id);
      setDeleting(undefined);
      setNotice(`Deleted ${account.name}.`);
      reload();
    } catch (err) {
      setActionError(messageOf(err));
    }
  };
  return (
    <section>
      <h1>Resources</h1>
      <Alert message={error ?? actionError} />
      {notice && <p role="status" class="note">{notice}</p>}
      {value && value.creatable.length > 0 && !creating && (
        <button type="button" class="primary" onClick={() => setCreating(true)}>Create a resource</button>
      )}
      {value && creating && (
        <CreateResource subscriptions={value.creatable} onCancel={() => setCreating(false)} />
      )}
      {!value && !error && <p>Loading resources…</p>}
      {value && value.accounts.length === 0 && <p>No resources you can see. Ask an Owner for a role on a resource or its group.</p>}
      {value && value.accounts.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Resources table">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Resource group</th><th scope="col">Location</th><th scope="col">Endpoint</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {value.accounts.map((a) => (
                <tr key={a.id}>
                  <td><a href={resourceHref(a.id)}>{a.name}</a></td>
                  <td><a href={scopeHref(scopesAbove(a.id).group ?? '')}>{resourceGroupOf(a.id)}</a></td>
                  <td>{a.location}</td>
                  <td><code>{a.properties.endpoint}</code></td>
                  <td>
                    {value.deletable.has(a.id) &&
                      (deleting === a.id ? (
                        <TypedConfirm name={a.name} what="the resource" onConfirm={() => void remove(a)} onCancel={() => setDeleting(undefined)} />
                      ) : (
                        <button type="button" onClick={() => (setDeleting(a.id), setNotice(undefined))} aria-label={`Delete ${a.name}`}>Delete</button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
