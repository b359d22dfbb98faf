// A resource's monthly budget (amount in USD, alert thresholds in percent, whether to refuse requests once spent)
// and the alerts its thresholds recorded over the last 90 days. The monitoring API validates and its message shows.
import { useEffect, useState } from 'preact/hooks';
import { usePermissions } from '../access.ts';
import { nameOf } from '../api.ts';
import { type Budget, deleteBudget, getBudget, listAlerts, putBudget } from '../budgets-api.ts';
import { Alert } from '../components/Alert.tsx';
import { messageOf, useLoad } from '../hooks.ts';

const WRITE = 'Microsoft.Consumption/budgets/write';

function BudgetForm({ resource, budget, onSaved }: { resource: string; budget: Budget | null; onSaved: (notice: string) => void }) {
  const [amount, setAmount] = useState(budget?.amountUsd ?? '');
  const [thresholds, setThresholds] = useState((budget?.thresholds ?? [50, 80, 100]).join(', '));
  const [enforce, setEnforce] = useState(budget?.enforce ?? false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setAmount(budget?.amountUsd ?? '');
    setThresholds((budget?.thresholds ?? [50, 80, 100]).join(', '));
    setEnforce(budget?.enforce ?? false);
  }, [budget]);
  const act = async (action: () => Promise<void>) => {
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  // Whatever was typed goes to the API as numbers (NaN becomes null): the API says what a threshold must be.
  const parsed = () => thresholds.split(',').map((t) => t.trim()).filter((t) => t !== '').map(Number);
  const save = (e: Event) => {
    e.preventDefault();
    void act(async () => (await putBudget(resource, { amountUsd: amount.trim(), thresholds: parsed(), enforce }), onSaved('Budget saved.')));
  };
  return (
    <form class="panel" onSubmit={save} aria-labelledby="budget-form">
      <h2 id="budget-form">{budget ? 'Change the budget' : 'Set a budget'}</h2>
      <div class="field">
        <label for="bg-amount">Monthly amount (USD)</label>
        <input id="bg-amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} placeholder="250" />
      </div>
      <div class="field">
        <label for="bg-thresholds">Alert thresholds (% of the amount, comma-separated)</label>
        <input id="bg-thresholds" value={thresholds} onInput={(e) => setThresholds(e.currentTarget.value)} />
      </div>
      <div class="field check">
        <input id="bg-enforce" type="checkbox" checked={enforce} onChange={(e) => setEnforce(e.currentTarget.checked)} aria-describedby="bg-enforce-hint" />
        <label for="bg-enforce">Enforce</label>
        <small id="bg-enforce-hint">Once the month's cost reaches the amount, Messages requests get 403 QuotaExceeded until the month ends.</small>
      </div>
      <Alert message={error} />
      <div class="actions">
        <button type="submit" class="primary">Save budget</button>
        {budget && <button type="button" onClick={() => void act(async () => (await deleteBudget(resource), onSaved('Budget removed.')))}>Remove budget</button>}
      </div>
    </form>
  );
}

export function Budgets({ id }: { id: string }) {
  const resource = nameOf(id);
  const budget = useLoad(() => getBudget(resource), [resource]);
  const alerts = useLoad(() => listAlerts(resource, '90d'), [resource]);
  const can = usePermissions(id);
  const [notice, setNotice] = useState<string>();
  const b = budget.value;
  return (
    <section>
      <h1>Budgets <span class="sub">{resource}</span></h1>
      <Alert message={budget.error ?? alerts.error} />
      {notice && <p role="status" class="note">{notice}</p>}
      {budget.value === undefined && !budget.error && <p>Loading the budget…</p>}
      {b === null && <p data-testid="budget-summary">No budget for this resource.</p>}
      {b && (
        <dl class="facts" data-testid="budget-summary">
          <dt>Amount</dt><dd>${b.amountUsd} a month ({b.month})</dd>
          <dt>Spent this month</dt><dd>${b.spentUsd}{b.percentUsed === null ? '' : ` (${b.percentUsed}%)`}</dd>
          <dt>Thresholds</dt><dd>{b.thresholds.map((t) => `${t}%`).join(', ')}</dd>
          <dt>Enforced</dt><dd>{b.enforce ? 'Yes: requests are refused once it is spent' : 'No: alerts only'}</dd>
        </dl>
      )}
      {budget.value !== undefined && can(WRITE) && (
        <BudgetForm resource={resource} budget={budget.value} onSaved={(text) => (setNotice(text), budget.reload(), alerts.reload())} />
      )}
      <h2>Alerts</h2>
      {alerts.value?.length === 0 && <p>No threshold reached in the last 90 days.</p>}
      {alerts.value && alerts.value.length > 0 && (
        <div class="scroll" tabIndex={0} role="region" aria-label="Budget alerts table">
          <table>
            <thead><tr><th scope="col">Time</th><th scope="col">Threshold</th><th scope="col">Spent</th><th scope="col">Budget</th></tr></thead>
            <tbody>
              {alerts.value.map((a) => (
                <tr key={`${a.month}-${a.threshold}`}><td>{a.time.replace('T', ' ').slice(0, 19)} UTC</td><td>{a.threshold}%</td><td>${a.spentUsd}</td><td>${a.amountUsd}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
