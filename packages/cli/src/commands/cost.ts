// `npx claude-foundry cost`: the month so far, the month-end forecast and the budget per resource, with the
// cost per day drawn as bars.
import { bar, money, shortTime, sparkline } from '../monitoring/chart.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, query } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs } from '../usage.ts';

const HELP = `Usage: npx claude-foundry cost [options]

Cost at list price (USD; Foundry bills it as CCU at $0.01), the month so far, and a month-end forecast:
the month so far plus the last 7 days' hourly run rate times the hours left (docs/monitoring.md).

Options:
  --resource <name>     one resource, or a comma-separated list (default: every resource you may read)
  --since <span|time>   the series from when (default: the start of this month, UTC)
  --interval <i>        day or hour (default day)
${CONNECTION_HELP}`;

interface CostAnswer {
  value: Array<{
    resource: string;
    month: string;
    monthToDateUsd: string;
    runRatePerHourUsd: string;
    forecastUsd: string;
    budget: { amountUsd: string; percentUsed: number | null; enforce: boolean } | null;
    series: Array<{ time: string; costUsd: string; requests: number }>;
  }>;
}

export async function cost(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('cost', args, { ...CONNECTION_OPTIONS, resource: { type: 'string' }, since: { type: 'string' }, interval: { type: 'string' } });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const answer = await query<CostAnswer>(connect(values), 'cost', { resource: values.resource, from: values.since, interval: values.interval ?? 'day' });
  if (values.json) {
    printJson(answer);
    return 0;
  }
  for (const r of answer.value) {
    const budget = r.budget
      ? `budget $${money(r.budget.amountUsd)} (${r.budget.percentUsed ?? 0}% used${r.budget.enforce ? ', enforced' : ''})`
      : 'no budget';
    process.stdout.write(
      `${r.resource}  ${r.month}: $${money(r.monthToDateUsd)} so far, forecast $${money(r.forecastUsd)} by month end ` +
        `(run rate $${money(r.runRatePerHourUsd)}/h); ${budget}\n`,
    );
    const costs = r.series.map((s) => Number(s.costUsd));
    const max = Math.max(0, ...costs);
    process.stdout.write(`  ${sparkline(costs)}\n`);
    process.stdout.write(table(['  time', 'requests', 'cost USD', ''], r.series.map((s, i) => [`  ${shortTime(s.time)}`, String(s.requests), money(s.costUsd), bar(costs[i]!, max)])));
    process.stdout.write('\n');
  }
  if (answer.value.length === 0) process.stdout.write('(no resources you may read)\n');
  return 0;
}
