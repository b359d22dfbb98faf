// A subscription's and a resource group's overview, as Azure's portal opens them: their essentials, then what is in
// them (a subscription's resource groups, a group's resources), each a link; Access control is the next page.
import { getResourceGroup, getSubscription, listGroupAccounts, listResourceGroups, nameOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { GroupsTable } from '../components/GroupsTable.tsx';
import { useLoad } from '../hooks.ts';
import { resourceHref, scopeHref, scopesAbove } from '../route.ts';

export function SubscriptionOverview({ scope }: { scope: string }) {
  const subscription = useLoad(() => getSubscription(scope), [scope]);
  const groups = useLoad(() => listResourceGroups(scope.split('/')[2]!), [scope]);
  const s = subscription.value;
  return (
    <section>
      <h1>Subscription <span class="sub">{s?.displayName}</span></h1>
      <Alert message={subscription.error} />
      {s && (
        <dl class="facts">
          <dt>Subscription ID</dt><dd><code>{s.subscriptionId}</code></dd>
          <dt>Directory (tenant)</dt><dd><code>{s.tenantId}</code></dd>
          <dt>State</dt><dd>{s.state}</dd>
        </dl>
      )}
      <p><a href={scopeHref(scope, 'access')}>Access control (IAM) of this subscription</a></p>
      <h2>Resource groups</h2>
      <Alert message={groups.error} />
      {!groups.value && !groups.error && <p>Loading resource groups…</p>}
      {groups.value && <GroupsTable groups={groups.value} />}
    </section>
  );
}

export function GroupOverview({ scope }: { scope: string }) {
  const group = useLoad(() => getResourceGroup(scope), [scope]);
  const accounts = useLoad(() => listGroupAccounts(scope), [scope]);
  const subscription = scopesAbove(scope).subscription;
  return (
    <section>
      <h1>Resource group <span class="sub">{nameOf(scope)}</span></h1>
      <Alert message={group.error} />
      <dl class="facts">
        <dt>Subscription</dt><dd><a href={scopeHref(subscription)}><code>{subscription.split('/')[2]}</code></a></dd>
        {group.value && <><dt>Location</dt><dd>{group.value.location}</dd></>}
      </dl>
      <p><a href={scopeHref(scope, 'access')}>Access control (IAM) of this resource group</a></p>
      <h2>Resources</h2>
      <Alert message={accounts.error} />
      {!accounts.value && !accounts.error && <p>Loading resources…</p>}
      {accounts.value && accounts.value.length === 0 && <p>No resources you can see in this group.</p>}
      {accounts.value && accounts.value.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Resources in the group table">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Location</th><th scope="col">Endpoint</th></tr>
            </thead>
            <tbody>
              {accounts.value.map((a) => (
                <tr key={a.id}>
                  <td><a href={resourceHref(a.id)}>{a.name}</a></td>
                  <td>{a.kind}</td>
                  <td>{a.location}</td>
                  <td><code>{a.properties.endpoint}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
