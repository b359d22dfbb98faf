// Create a Foundry resource as Azure's portal asks for one: subscription, resource group (created when it is new),
// name, region and network access. What is wrong with the input is ARM's answer, shown as it comes.
import { useState } from 'preact/hooks';
import { accountId, listResourceGroups, putAccount, putResourceGroup } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { messageOf, useLoad } from '../hooks.ts';
import { resourceHref } from '../route.ts';

/** Claude's Global Standard deployments are offered in East US 2 and Sweden Central (Microsoft Foundry's Claude docs). */
const REGIONS = ['eastus2', 'swedencentral'];

export function CreateResource({ subscriptions, onCancel }: { subscriptions: string[]; onCancel: () => void }) {
  const [subscription, setSubscription] = useState(subscriptions[0]!);
  const [group, setGroup] = useState('');
  const [name, setName] = useState('');
  const [location, setLocation] = useState(REGIONS[0]!);
  const [access, setAccess] = useState<'Enabled' | 'Disabled'>('Enabled');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const groups = useLoad(() => listResourceGroups(subscription), [subscription]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const known = groups.value?.some((g) => g.name.toLowerCase() === group.trim().toLowerCase());
      if (!known) await putResourceGroup(subscription, group.trim(), location);
      const id = accountId(subscription, group.trim(), name.trim());
      const account = await putAccount(id, {
        location, kind: 'AIServices', sku: { name: 'S0' },
        properties: { customSubDomainName: name.trim(), publicNetworkAccess: access },
      });
      window.location.hash = resourceHref(account.id);
    } catch (err) {
      setError(messageOf(err));
      groups.reload();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel" onSubmit={(e) => void submit(e)} aria-labelledby="create-resource">
      <h2 id="create-resource">Create a resource</h2>
      <div class="field">
        <label for="cr-subscription">Subscription</label>
        <select id="cr-subscription" value={subscription} onChange={(e) => setSubscription(e.currentTarget.value)}>
          {subscriptions.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="cr-group">Resource group</label>
        <input id="cr-group" list="cr-groups" required value={group} onInput={(e) => setGroup(e.currentTarget.value)} aria-describedby="cr-group-hint" />
        <datalist id="cr-groups">{groups.value?.map((g) => <option key={g.id} value={g.name} />)}</datalist>
        <small id="cr-group-hint">An existing group, or a new name: the group is created in the region below.</small>
      </div>
      <div class="field">
        <label for="cr-name">Name</label>
        <input id="cr-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="cr-name-hint" />
        <small id="cr-name-hint">Also its subdomain: the endpoint is …/{name || '<name>'}/anthropic.</small>
      </div>
      <div class="field">
        <label for="cr-location">Region</label>
        <input id="cr-location" list="cr-regions" required value={location} onInput={(e) => setLocation(e.currentTarget.value)} />
        <datalist id="cr-regions">{REGIONS.map((r) => <option key={r} value={r} />)}</datalist>
      </div>
      <fieldset class="field">
        <legend>Network access</legend>
        <label><input type="radio" name="cr-access" checked={access === 'Enabled'} onChange={() => setAccess('Enabled')} /> All networks</label>
        <label><input type="radio" name="cr-access" checked={access === 'Disabled'} onChange={() => setAccess('Disabled')} /> Disabled (no public access)</label>
      </fieldset>
      <Alert message={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>Create</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
