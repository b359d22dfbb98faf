// Deploy a model from the catalog: pick a model (its lifecycle, context window and prices shown), a SKU and a
// capacity, and see what the capacity buys per minute before ARM creates it. ARM's refusal is shown as it comes.
import { useState } from 'preact/hooks';
import { type Account, type Deployment, putDeployment, subscriptionOf } from '../api.ts';
import { Alert } from '../components/Alert.tsx';
import { messageOf, useLoad } from '../hooks.ts';
import { type ArmModel, formatCount, formatTokens, listModels, PER_UNIT } from '../models.ts';
import { type PricedModel, prices } from '../monitoring.ts';

const SKUS = { GlobalStandard: 'Global Standard', DataZoneStandard: 'Data Zone Standard (US; prices × 1.1)' } as const;
type SkuName = keyof typeof SKUS;

function ModelFacts({ model, sku, catalog }: { model: ArmModel; sku: SkuName; catalog: readonly PricedModel[] | undefined }) {
  const facts = catalog?.find((m) => m.model === model.model.name);
  const factor = sku === 'DataZoneStandard' ? 1.1 : 1;
  const price = (usd: string | undefined) => (usd === undefined ? '—' : `$${(Number(usd) * factor).toFixed(2).replace(/\.00$/, '')}`);
  const deprecation = model.model.skus.find((s) => s.name === sku)?.deprecationDate?.slice(0, 10);
  return (
    <dl class="facts" aria-label={`${model.description} facts`}>
      <dt>Lifecycle</dt>
      <dd data-testid="lifecycle">{model.model.lifecycleStatus === 'Deprecating' ? `Deprecating, retires ${deprecation ?? 'soon'}` : deprecation ? `Generally available, retires ${deprecation}` : 'Generally available'}</dd>
      <dt>Version</dt><dd>{model.model.version}</dd>
      <dt>Context window</dt><dd data-testid="context-window">{facts ? `${formatTokens(facts.contextWindow)} tokens` : '—'}</dd>
      <dt>Longest output</dt><dd>{facts ? `${formatTokens(facts.maxOutputTokens)} tokens` : '—'}</dd>
      <dt>Price per million tokens</dt>
      <dd data-testid="prices">input {price(facts?.prices.input)}, output {price(facts?.prices.output)}, cache write {price(facts?.prices.cacheWrite5m)} (5 min) / {price(facts?.prices.cacheWrite1h)} (1 h), cache read {price(facts?.prices.cacheRead)}</dd>
    </dl>
  );
}

export function CreateDeployment({ account, onCreated, onCancel }: { account: Account; onCreated: (d: Deployment) => void; onCancel: () => void }) {
  const models = useLoad(() => listModels(subscriptionOf(account.id), account.location), [account.id]);
  const catalog = useLoad(prices, []);
  const [modelName, setModelName] = useState('');
  const [name, setName] = useState('');
  const [sku, setSku] = useState<SkuName>('GlobalStandard');
  const [capacity, setCapacity] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const model = models.value?.find((m) => m.model.name === modelName) ?? models.value?.[0];
  const range = model?.model.skus.find((s) => s.name === sku)?.capacity;
  const units = capacity === '' ? (range?.default ?? 0) : Number(capacity);
  const buys = Number.isInteger(units) && units > 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!model) return;
    setError(undefined);
    setBusy(true);
    try {
      const body = {
        sku: { name: sku, capacity: capacity === '' ? range?.default : Number(capacity) },
        properties: { model: { format: 'Anthropic', name: model.model.name, version: model.model.version } },
      };
      onCreated(await putDeployment(account.id, name.trim() || model.model.name, body));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="panel" onSubmit={(e) => void submit(e)} aria-labelledby="create-deployment">
      <h2 id="create-deployment">Deploy a model</h2>
      <Alert message={models.error} />
      <Alert message={catalog.error} />
      {!models.value && !models.error && <p>Loading the model catalog…</p>}
      {model && (
        <>
          <div class="field">
            <label for="cd-model">Model</label>
            <select id="cd-model" value={model.model.name} onChange={(e) => setModelName(e.currentTarget.value)}>
              {models.value!.map((m) => (
                <option key={m.model.name} value={m.model.name}>
                  {m.description} ({m.model.name}){m.model.lifecycleStatus === 'Deprecating' ? ', deprecating' : ''}
                </option>
              ))}
            </select>
          </div>
          <ModelFacts model={model} sku={sku} catalog={catalog.value} />
          <div class="field">
            <label for="cd-name">Deployment name</label>
            <input id="cd-name" value={name} placeholder={model.model.name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby="cd-name-hint" />
            <small id="cd-name-hint">What callers put in "model". Empty: the model's name.</small>
          </div>
          <div class="field">
            <label for="cd-sku">Deployment type</label>
            <select id="cd-sku" value={sku} onChange={(e) => setSku(e.currentTarget.value as SkuName)}>
              {(Object.keys(SKUS) as SkuName[]).map((s) => <option key={s} value={s}>{SKUS[s]}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="cd-capacity">Capacity (units)</label>
            <input id="cd-capacity" type="number" inputMode="numeric" value={capacity}
              placeholder={String(range?.default ?? '')} onInput={(e) => setCapacity(e.currentTarget.value)} aria-describedby="cd-buys" />
            <small id="cd-buys" data-testid="capacity-buys">
              {buys
                ? `${formatCount(units)} units buy ${formatCount(units * PER_UNIT.rpm)} requests, ${formatCount(units * PER_UNIT.itpm)} input tokens and ${formatCount(units * PER_UNIT.otpm)} output tokens per minute (RPM / ITPM / OTPM).`
                : 'Capacity is a whole number of units.'}
              {range && ` The subscription's quota for this model: ${formatCount(range.maximum)} units.`}
            </small>
          </div>
        </>
      )}
      <Alert message={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !model}>Deploy</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
