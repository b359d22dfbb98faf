// The playground: chat with a deployment, the reply streamed as it arrives; system prompt, max tokens, thinking,
// tools as JSON; per turn the request-id, the tokens and the cost; "View code" for the same call. It calls the data
// plane as the signed-in user, with a Microsoft Entra token for the Cognitive Services audience got from the
// sign-in's refresh token, as Foundry's portal does; so it works on a resource with key authentication disabled and
// for a user whose role grants Claude's data action but not listKeys. A user whose roles grant no data action but
// who may list the keys (Owner, Contributor) calls with Key1 instead, as before; either can be chosen. A refusal is
// the data plane's own answer (403 PermissionDenied, 403 AuthenticationTypeDisabled), shown in the turn.
import { useEffect, useRef, useState } from 'preact/hooks';
import { DATA_ACTIONS } from '../../../gateway/src/auth/data-actions.ts';
import { type CallAuth, streamedCallSnippets } from '../../../cli/src/snippets.ts';
import { getPermissions, permitsData } from '../access.ts';
import { type Account, ApiError, type Deployment, listAccounts, listDeployments, listKeys } from '../api.ts';
import { accessToken, DATA_PLANE_SCOPE } from '../auth.ts';
import { CodeTabs } from '../components/CodeTabs.tsx';
import { CallError, streamMessage } from '../dataplane.ts';
import { type PricedModel, prices } from '../monitoring.ts';
import { assistantMessage, buildBody, type Message, type Settings, type Turn, turnCost, userMessage } from '../playground.ts';
import { TurnView } from './PlaygroundTurn.tsx';

const endpointOf = (a: Account) => (a.properties.endpoints['Anthropic'] ?? `${a.properties.endpoint}anthropic/`).replace(/\/$/, '');

export function Playground({ initial }: { initial?: string }) {
  const [accounts, setAccounts] = useState<Account[]>();
  const [accountId, setAccountId] = useState(initial ?? '');
  const [deployments, setDeployments] = useState<Deployment[]>([]);
  const [deployment, setDeployment] = useState('');
  const [key, setKey] = useState<string>();
  const [keyProblem, setKeyProblem] = useState<string>();
  const [auth, setAuth] = useState<CallAuth>();
  const [hasDataAction, setHasDataAction] = useState<boolean>();
  const [codeAuth, setCodeAuth] = useState<CallAuth>();
  const [catalog, setCatalog] = useState<PricedModel[]>([]);
  const [settings, setSettings] = useState<Settings>({ system: '', maxTokens: '1024', thinking: false, tools: '' });
  const [prompt, setPrompt] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [history, setHistory] = useState<Message[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [showCode, setShowCode] = useState(false);
  const [sent, setSent] = useState<Record<string, unknown>>();
  const abort = useRef<AbortController>(undefined);

  useEffect(() => {
    listAccounts().then((list) => {
      setAccounts(list);
      if (!accountId && list[0]) setAccountId(list[0].id);
    }, (err: Error) => setError(err.message));
    prices().then(setCatalog, (err: Error) => setError(err.message));
    return () => abort.current?.abort();
  }, []);
  const account = accounts?.find((a) => a.id === accountId);
  const keyless = account?.properties.disableLocalAuth === true;
  const loadKey = (id: string) =>
    listKeys(id).then((k) => (setKey(k.key1), true), (err: Error) => {
      setKeyProblem(err instanceof ApiError && err.status === 403 ? `Your role on this resource cannot list its keys. ${err.message}` : err.message);
      return false;
    });
  useEffect(() => {
    if (!accountId || !account) return;
    setKey(undefined);
    setKeyProblem(undefined);
    setAuth(undefined);
    setHasDataAction(undefined);
    setDeployments([]);
    listDeployments(accountId).then((list) => {
      setDeployments(list);
      setDeployment(list[0]?.name ?? '');
    }, (err: Error) => setError(err.message));
    // Entra whenever the user's roles grant Claude's data action or keys are off; else Key1 if the role may list it.
    getPermissions(accountId).then((p) => permitsData(p, DATA_ACTIONS.messages), () => false).then(async (data) => {
      setHasDataAction(data);
      setAuth(keyless || data || !(await loadKey(accountId)) ? 'entra' : 'key');
    });
    clear();
  }, [accountId, account]);
  function chooseAuth(next: CallAuth) {
    setAuth(next);
    if (next === 'key' && !key) void loadKey(accountId);
  }

  const chosen = deployments.find((d) => d.name === deployment);
  const model = catalog.find((m) => m.model === chosen?.properties.model.name);
  const set = (patch: Partial<Settings>) => setSettings({ ...settings, ...patch });
  const ready = auth === 'entra' || (auth === 'key' && !!key);
  function clear() {
    abort.current?.abort();
    setTurns([]);
    setHistory([]);
    setSent(undefined);
  }

  let body: Record<string, unknown> | undefined;
  let problem: string | undefined;
  try {
    body = buildBody(deployment || '<deployment>', settings, [...history, userMessage(prompt || 'Hello, Claude', history.at(-1))], model);
  } catch (err) {
    problem = (err as Error).message;
  }

  async function send(e: Event) {
    e.preventDefault();
    if (!account || !ready || !body || !prompt.trim() || busy) return;
    const messages = body['messages'] as Message[];
    const index = turns.length;
    const update = (patch: Partial<Turn>) => setTurns((all) => all.map((t, i) => (i === index ? { ...t, ...patch } : t)));
    setTurns((all) => [...all, { prompt, done: false }]);
    setSent(body);
    setPrompt('');
    setBusy(true);
    abort.current = new AbortController();
    try {
      const headers = auth === 'key' ? { 'x-api-key': key! } : { authorization: `Bearer ${await accessToken(DATA_PLANE_SCOPE)}` };
      const reply = await streamMessage(account.name, headers, body, (r) => update({ reply: r, requestId: r.requestId }), abort.current.signal);
      const cost = turnCost(reply.usage, model, chosen?.sku.name ?? 'GlobalStandard');
      update({ reply, requestId: reply.requestId, done: true, ...(cost ? { cost } : {}) });
      setHistory([...messages, assistantMessage(reply.blocks)]);
    } catch (err) {
      const stopped = (err as Error).name === 'AbortError';
      update({ error: stopped ? 'Stopped: the gateway bills the output produced until then.' : (err as Error).message, done: true, ...(err instanceof CallError && err.requestId ? { requestId: err.requestId } : {}) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="playground">
      <h1>Playground</h1>
      {error && <p role="alert" class="error">{error}</p>}
      <div class="pg-grid">
        <form class="pg-settings" onSubmit={(e) => e.preventDefault()} aria-label="Settings">
          <label for="pg-resource">Resource</label>
          <select id="pg-resource" value={accountId} onChange={(e) => setAccountId(e.currentTarget.value)}>
            {accounts?.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
          <label for="pg-deployment">Deployment</label>
          <select id="pg-deployment" value={deployment} onChange={(e) => (setDeployment(e.currentTarget.value), clear())}>
            {deployments.map((d) => <option key={d.name} value={d.name}>{d.name} ({d.properties.model.name})</option>)}
          </select>
          <label for="pg-auth">Authentication</label>
          <select id="pg-auth" value={auth ?? ''} disabled={!auth} onChange={(e) => chooseAuth(e.currentTarget.value as CallAuth)} aria-describedby="pg-auth-note">
            {!auth && <option value="">Checking your roles…</option>}
            <option value="entra">Microsoft Entra ID (you)</option>
            <option value="key" disabled={keyless}>API key (Key1){keyless ? ': disabled on this resource' : ''}</option>
          </select>
          <small id="pg-auth-note" data-testid="auth-note">
            {auth === 'entra' && (hasDataAction
              ? 'Calls as you, with your Entra token for https://cognitiveservices.azure.com.'
              : 'Calls as you, with your Entra token; your roles on this resource grant no data action for Claude, so the data plane will refuse it (Cognitive Services User or Azure AI User would grant it).')}
            {auth === 'key' && 'Calls with Key1, which your role may list.'}
          </small>
          <label for="pg-system">System prompt</label>
          <textarea id="pg-system" rows={3} value={settings.system} onInput={(e) => set({ system: e.currentTarget.value })} />
          <label for="pg-max">Max tokens</label>
          <input id="pg-max" inputMode="numeric" value={settings.maxTokens} onInput={(e) => set({ maxTokens: e.currentTarget.value })} />
          <label class="check"><input type="checkbox" checked={settings.thinking} onChange={(e) => set({ thinking: e.currentTarget.checked })} /> Thinking</label>
          <label for="pg-tools">Tools (JSON)</label>
          <textarea id="pg-tools" rows={4} spellcheck={false} value={settings.tools} onInput={(e) => set({ tools: e.currentTarget.value })} placeholder='[{"name": "get_weather", "input_schema": {"type": "object"}}]' />
          {model && <p class="note">{model.displayName}: ${model.prices.input} input, ${model.prices.output} output per million tokens{chosen?.sku.name === 'DataZoneStandard' ? ' (×1.1 on Data Zone)' : ''}.</p>}
        </form>
        <div class="pg-chat">
          {keyProblem && auth === 'key' && <p class="note" data-testid="key-problem">{keyProblem}</p>}
          <ol class="turns" aria-label="Conversation" aria-live="polite">
            {turns.map((t, i) => <TurnView key={i} turn={t} />)}
          </ol>
          {problem && <p role="alert" class="error" data-testid="settings-error">{problem}</p>}
          <form onSubmit={send} class="pg-send">
            <label for="pg-prompt">Message</label>
            <textarea id="pg-prompt" rows={3} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void send(e)} />
            <div class="row">
              <button type="submit" class="primary" disabled={busy || !ready || !deployment || !!problem || !prompt.trim()}>{busy ? 'Streaming…' : 'Send'}</button>
              {busy && <button type="button" onClick={() => abort.current?.abort()}>Stop</button>}
              <button type="button" onClick={clear} disabled={turns.length === 0}>Clear chat</button>
              <button type="button" aria-expanded={showCode} onClick={() => setShowCode(!showCode)}>View code</button>
            </div>
          </form>
          {/* The last call sent, or before any the one the settings would send. */}
          {showCode && account && (sent ?? body) && (
            <>
              <fieldset class="code-auth">
                <legend>Authenticate the code with</legend>
                {(['entra', 'key'] as const).map((a) => (
                  <label key={a} class="check">
                    <input type="radio" name="code-auth" checked={(codeAuth ?? auth ?? 'entra') === a} onChange={() => setCodeAuth(a)} />
                    {a === 'entra' ? 'Microsoft Entra ID' : 'API key'}
                  </label>
                ))}
              </fieldset>
              <CodeTabs label="Code for this call" baseURL={endpointOf(account)} auth={codeAuth ?? auth ?? 'entra'} code={streamedCallSnippets((sent ?? body)!, codeAuth ?? auth ?? 'entra')} />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
