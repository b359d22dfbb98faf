// Subscriptions: those the signed-in user holds a role in (at the subscription, in it or above it), each a link to its
// overview and Access control; and every resource group of theirs the user may read.
import { listResourceGroups, listSubscriptionDetails } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { GroupsTable } from '../components/GroupsTable.tsx';
import { useLoad } from '../hooks.ts';
import { scopeHref } from '../route.ts';

export function Subscriptions() {
  const { value, error } = useLoad(listSubscriptionDetails, []);
  return (
    <section>
      <h1>Subscriptions</h1>
      <Alert message={error} />
      {!value && !error && <p>Loading subscriptions…</p>}
      {value && value.length === 0 && <p>No subscriptions: you hold no role in any. Ask an Owner for one.</p>}
      {value && value.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Subscriptions table">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Subscription ID</th><th scope="col">State</th><th scope="col"><span class="sr-only">Pages</span></th></tr>
            </thead>
            <tbody>
              {value.map((s) => (
                <tr key={s.id}>
                  <td><a href={scopeHref(s.id)}>{s.displayName}</a></td>
                  <td><code>{s.subscriptionId}</code></td>
                  <td>{s.state}</td>
                  <td><a href={scopeHref(s.id, 'access')} aria-label={`Access control of ${s.displayName}`}>Access control</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Groups of every subscription; a subscription whose groups the user may not list (a role only on a resource) adds none. */
async function loadGroups() {
  const subs = await listSubscriptionDetails();
  const lists = await Promise.allSettled(subs.map((s) => listResourceGroups(s.subscriptionId)));
  const refused = lists.flatMap((l, i) => (l.status === 'rejected' ? [subs[i]!.subscriptionId] : []));
  return { groups: lists.flatMap((l) => (l.status === 'fulfilled' ? l.value : [])), refused };
}

export function ResourceGroups() {
  const { value, error } = useLoad(loadGroups, []);
  return (
    <section>
      <h1>Resource groups</h1>
      <Alert message={error} />
      {!value && !error && <p>Loading resource groups…</p>}
      {value && <GroupsTable groups={value.groups} />}
      {value && value.refused.length > 0 && (
        <p class="note">Your roles do not let you list the resource groups of subscription {value.refused.join(', ')}; its resources you may read are under Resources.</p>
      )}
    </section>
  );
}
