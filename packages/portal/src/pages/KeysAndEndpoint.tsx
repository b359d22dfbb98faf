// A resource's overview: "Keys and Endpoint" as Foundry's portal shows it (endpoint, Key1/Key2 hidden until shown,
// copy, regenerate after a confirmation, snippets with the real values calling its first deployment). The keys come from
// ARM's listKeys with the user's token: a user whose role cannot list keys (Reader) sees none and no buttons.
import { useEffect, useState } from 'preact/hooks';
import { snippets } from '../../../cli/src/snippets.ts';
import { type Account, ApiError, type Deployment, getAccount, type Keys, listDeployments, listKeys, regenerateKey } from '../api.ts';
import { resourceHref } from '../route.ts';
import { usePermissions } from '../access.ts';

type KeyName = 'Key1' | 'Key2';
const field = (name: KeyName) => (name === 'Key1' ? 'key1' : 'key2');

function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = () => navigator.clipboard.writeText(text).then(() => setDone(true), () => setDone(false));
  return (
    <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

function KeyRow({ name, keys, onRegenerate }: { name: KeyName; keys: Keys; onRegenerate: ((name: KeyName) => Promise<void>) | undefined }) {
  const [shown, setShown] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const value = keys[field(name)];
  return (
    <div class="key-row">
      <label for={`key-${name}`}>{name}</label>
      {shown ? (
        <input id={`key-${name}`} readOnly type="text" value={value} size={40} data-testid={`key-${name}`} />
      ) : (
        <input id={`key-${name}`} readOnly type="password" value={value} size={40} data-testid={`key-${name}`} />
      )}
      <button type="button" onClick={() => setShown(!shown)} aria-pressed={shown}>
        {shown ? `Hide ${name}` : `Show ${name}`}
      </button>
      <Copy text={value} label={name} />
      {!onRegenerate ? null : !confirming ? (
        <button type="button" onClick={() => setConfirming(true)}>Regenerate {name}</button>
      ) : (
        <span role="group" aria-label={`Confirm regenerating ${name}`} class="confirm">
          Every client using {name} stops working.{' '}
          <button type="button" class="danger" onClick={() => void onRegenerate(name).finally(() => setConfirming(false))}>
            Yes, regenerate {name}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
        </span>
      )}
    </div>
  );
}

export function KeysAndEndpoint({ id }: { id: string }) {
  const [account, setAccount] = useState<Account>();
  const [keys, setKeys] = useState<Keys>();
  const [keysDenied, setKeysDenied] = useState<string>();
  const [deployments, setDeployments] = useState<Deployment[]>();
  const [error, setError] = useState<string>();
  const [tab, setTab] = useState<'curl' | 'typescript' | 'python'>('curl');
  useEffect(() => {
    getAccount(id).then(setAccount, (err: Error) => setError(err.message));
    listKeys(id).then(setKeys, (err: Error) => (err instanceof ApiError && err.status === 403 ? setKeysDenied(err.message) : setError(err.message)));
    listDeployments(id).then(setDeployments, (err: Error) => setError(err.message));
  }, [id]);
  // Cognitive Services User may list keys but not regenerate them: no button it would only be refused with.
  const mayRegenerate = usePermissions(id)('Microsoft.CognitiveServices/accounts/regenerateKey/action');
  const regenerate = async (name: KeyName) => {
    try {
      setKeys(await regenerateKey(id, name));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (!account) return <section>{error ? <p role="alert" class="error">{error}</p> : <p>Loading…</p>}</section>;
  const baseURL = (account.properties.endpoints['Anthropic'] ?? `${account.properties.endpoint}anthropic/`).replace(/\/$/, '');
  const model = deployments?.[0]?.name ?? '<deployment>';
  const code = snippets({ baseURL, apiKey: keys?.key1 ?? '<Key1>', model });
  return (
    <section>
      <h1>{account.name}</h1>
      {error && <p role="alert" class="error">{error}</p>}
      <h2>Keys and Endpoint</h2>
      <div class="key-row">
        <label for="endpoint">Endpoint</label>
        <input id="endpoint" readOnly value={baseURL} size={40} />
        <Copy text={baseURL} label="endpoint" />
      </div>
      {keys && (
        <>
          <KeyRow name="Key1" keys={keys} onRegenerate={mayRegenerate ? regenerate : undefined} />
          <KeyRow name="Key2" keys={keys} onRegenerate={mayRegenerate ? regenerate : undefined} />
        </>
      )}
      {keysDenied && <p class="note" data-testid="keys-denied">Your role on this resource does not include its keys. {keysDenied}</p>}
      <h3>Call it</h3>
      <div role="tablist" aria-label="Snippets" class="tabs">
        {(['curl', 'typescript', 'python'] as const).map((t) => (
          <button type="button" role="tab" aria-selected={tab === t} key={t} onClick={() => setTab(t)}>
            {t === 'curl' ? 'curl' : t === 'typescript' ? 'TypeScript' : 'Python'}
          </button>
        ))}
      </div>
      <pre role="tabpanel" tabIndex={0} aria-label={`${tab} snippet`}>
        <code>{`export ANTHROPIC_FOUNDRY_BASE_URL=${baseURL}\nexport ANTHROPIC_FOUNDRY_API_KEY=${keys?.key1 ?? '<Key1>'}\n\n${code[tab]}`}</code>
      </pre>
      <p class="note">
        {deployments?.length ? `The snippets call ${model}, this resource's first deployment. ` : 'This resource has no deployment yet. '}
        <a href={resourceHref(id, 'deployments')}>Deployments</a>
      </p>
    </section>
  );
}
