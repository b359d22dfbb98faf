// A resource's network access: public access on or off, and with it on, all networks or only the listed IP
// addresses and CIDR ranges (networkAcls). Saved with ARM's PATCH; ARM says what is wrong with a rule.
import { useEffect, useState } from 'preact/hooks';
import { usePermissions } from '../access.ts';
import { type Account, getAccount, nameOf, patchAccount } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { messageOf, useLoad } from '../hooks.ts';

const WRITE = 'Microsoft.CognitiveServices/accounts/write';
type Mode = 'all' | 'selected' | 'disabled';

function modeOf(a: Account): Mode {
  if (a.properties.publicNetworkAccess === 'Disabled') return 'disabled';
  return a.properties.networkAcls?.defaultAction === 'Deny' ? 'selected' : 'all';
}

export function Networking({ id }: { id: string }) {
  const account = useLoad(() => getAccount(id), [id]);
  const can = usePermissions(id);
  const [mode, setMode] = useState<Mode>('all');
  const [rules, setRules] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!account.value) return;
    setMode(modeOf(account.value));
    setRules((account.value.properties.networkAcls?.ipRules ?? []).map((r) => r.value).join('\n'));
  }, [account.value]);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setNotice(undefined);
    setBusy(true);
    try {
      const ipRules = rules.split(/[\n,]/).map((r) => r.trim()).filter((r) => r !== '').map((value) => ({ value }));
      await patchAccount(id, {
        publicNetworkAccess: mode === 'disabled' ? 'Disabled' : 'Enabled',
        networkAcls: { defaultAction: mode === 'selected' ? 'Deny' : 'Allow', ipRules, virtualNetworkRules: [] },
      });
      const what = mode === 'disabled' ? 'no public access' : mode === 'all' ? 'all networks' : `only ${ipRules.length} listed address${ipRules.length === 1 ? '' : 'es'} or ranges`;
      setNotice(`Saved: ${what}. The data plane applies it from the next request.`);
      account.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const readOnly = !can(WRITE);
  return (
    <section>
      <h1>Networking <span class="sub">{nameOf(id)}</span></h1>
      <Alert message={account.error} />
      {!account.value && !account.error && <p>Loading…</p>}
      {account.value && (
        <form class="panel" onSubmit={(e) => void save(e)} aria-labelledby="network-form">
          <h2 id="network-form">Firewalls and virtual networks</h2>
          {readOnly && <p class="note">Your role on this resource can read these settings but not change them.</p>}
          <fieldset class="field" disabled={readOnly}>
            <legend>Allow access from</legend>
            <label><input type="radio" name="nw-mode" checked={mode === 'all'} onChange={() => setMode('all')} /> All networks</label>
            <label><input type="radio" name="nw-mode" checked={mode === 'selected'} onChange={() => setMode('selected')} /> Selected IP addresses and ranges</label>
            <label><input type="radio" name="nw-mode" checked={mode === 'disabled'} onChange={() => setMode('disabled')} /> Disabled (no public access)</label>
          </fieldset>
          <div class="field">
            <label for="nw-rules">IP addresses and CIDR ranges, one a line</label>
            <textarea id="nw-rules" rows={5} value={rules} disabled={readOnly} onInput={(e) => setRules(e.currentTarget.value)} aria-describedby="nw-rules-hint" />
            <small id="nw-rules-hint">IPv4 or IPv6, such as 203.0.113.7 or 10.0.0.0/24. They apply when only selected addresses are allowed.</small>
          </div>
          <Alert message={error} />
          {notice && <p role="status" class="note">{notice}</p>}
          {!readOnly && <div class="actions"><button type="submit" class="primary" disabled={busy}>Save</button></div>}
        </form>
      )}
    </section>
  );
}
