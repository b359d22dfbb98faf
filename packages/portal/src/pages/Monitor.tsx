// Monitor: requests, tokens by type, latency, errors by status and cost by deployment over a chosen range, each
// chart also a table; the month's cost and forecast per resource. Refreshed every few seconds while Live is on.
import { useEffect, useState } from 'preact/hooks';
import { TimeChart } from '../components/TimeChart.tsx';
import { loadMonitor, type MonitorData } from '../monitor-data.ts';
import { type Range, RANGES } from '../monitoring.ts';

const REFRESH_MS = 3000;
const count = (v: number) => (Math.abs(v) >= 10_000 ? `${(v / 1000).toFixed(v >= 100_000 ? 0 : 1)}k` : String(Math.round(v * 100) / 100));
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const usd = (v: number) => `$${v < 0.01 && v > 0 ? v.toPrecision(3) : v.toFixed(2)}`;

export function Monitor() {
  const [range, setRange] = useState<Range>('1h');
  const [live, setLive] = useState(true);
  const [data, setData] = useState<MonitorData>();
  const [error, setError] = useState<string>();
  const [updated, setUpdated] = useState<string>();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await loadMonitor(range);
        if (stopped) return;
        setData(next);
        setError(undefined);
        setUpdated(new Date().toISOString().slice(11, 19));
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      // The next poll is planned after this one ends: a slow answer never stacks requests.
      if (!stopped && live) timer = setTimeout(() => void load(), REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [range, live]);

  return (
    <section class="monitor">
      <h1>Monitor</h1>
      <div class="row toolbar">
        <div role="radiogroup" aria-label="Time range" class="tabs">
          {RANGES.map((r) => (
            <button type="button" role="radio" aria-checked={range === r} key={r} onClick={() => setRange(r)}>{r}</button>
          ))}
        </div>
        <label class="check"><input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> Live (every {REFRESH_MS / 1000} s)</label>
        {updated && <span class="note" aria-live="off">Updated {updated} UTC</span>}
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {!data && !error && <p>Loading…</p>}
      {data && (
        <>
          <div class="charts">
            <TimeChart id="requests" title="Requests" times={data.times} series={data.requests} format={count} />
            <TimeChart id="tokens" title="Tokens by type" times={data.times} series={data.tokens} format={count} />
            <TimeChart id="latency" title="Latency" times={data.times} series={data.latency} format={ms} />
            <TimeChart id="errors" title="Errors by status" times={data.times} series={data.errors.length ? data.errors : [{ label: 'Errors', values: data.times.map(() => 0) }]} format={count} />
            <TimeChart id="cost" title="Cost by deployment" times={data.times} series={data.costs.length ? data.costs : [{ label: 'Cost', values: data.times.map(() => 0) }]} format={usd} />
          </div>
          <h2>This month</h2>
          <div class="scroll" tabIndex={0} role="region" aria-label="Cost this month table">
            <table data-testid="forecast-table">
              <thead><tr><th scope="col">Resource</th><th scope="col">Month to date</th><th scope="col">Run rate per hour</th><th scope="col">Forecast at month end</th><th scope="col">Budget</th></tr></thead>
              <tbody>
                {data.forecast.map((f) => (
                  <tr key={f.resource}>
                    <th scope="row">{f.resource}</th><td>${f.monthToDateUsd}</td><td>${f.runRatePerHourUsd}</td><td>${f.forecastUsd}</td>
                    <td>{f.budget ? `$${f.budget.amountUsd}${f.budget.percentUsed === null ? '' : ` (${f.budget.percentUsed}% used)`}` : 'none'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
