// `npx claude-foundry budget set|list|delete`: a monthly budget per resource, its alert thresholds, and whether
// it refuses requests once used up.
import { bar, money } from '../monitoring/chart.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, query } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry budget <set|list|delete> [options]

  set <resource> <amount USD> [--thresholds 50,80,100] [--enforce]
                      a monthly budget (UTC months); each threshold records an alert once a month;
                      --enforce refuses requests with 403 QuotaExceeded once the month's cost reaches it
  list                budgets, this month's spend and how much is used
  delete <resource>   remove a resource's budget

Options:
${CONNECTION_HELP}`;

interface BudgetView {
  resource: string;
  amountUsd: string;
  thresholds: number[];
  enforce: boolean;
  month: string;
  spentUsd: string;
  percentUsed: number | null;
}

export async function budget(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(`budget ${sub ?? ''}`.trim(), rest, { ...CONNECTION_OPTIONS, thresholds: { type: 'string' }, enforce: { type: 'boolean' } }, true);
  if (values.help || sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  const client = connect(values);
  switch (sub) {
    case 'set': {
      const [resource, amount, extra] = positionals;
      if (!resource || !amount || extra !== undefined) throw new UsageError("budget set: give a resource and an amount in USD, e.g. 'budget set claude-local 250'.");
      if (!/^\d+(\.\d+)?$/.test(amount)) throw new UsageError(`budget set: the amount must be a number of dollars such as 250 or 99.50, not '${amount}'.`);
      const thresholds = values.thresholds?.split(',').map((t) => Number(t.trim().replace(/%$/, '')));
      if (thresholds?.some((t) => !Number.isInteger(t) || t < 1)) throw new UsageError('budget set: --thresholds takes whole percentages, e.g. 50,80,100.');
      const res = await client.manage('PUT', `/monitoring/budgets/${encodeURIComponent(resource)}`, { amountUsd: amount, ...(thresholds ? { thresholds } : {}), enforce: values.enforce ?? false });
      const saved = res.json as BudgetView;
      if (values.json) printJson(saved);
      else process.stdout.write(`Budget of ${saved.resource}: $${money(saved.amountUsd)} a month, alerts at ${saved.thresholds.join('%, ')}%${saved.enforce ? ', enforced' : ''}; $${money(saved.spentUsd)} used in ${saved.month}.\n`);
      return 0;
    }
    case 'list': {
      if (positionals.length) throw new UsageError(`budget list: unexpected argument '${positionals[0]}'.`);
      const answer = await query<{ value: BudgetView[] }>(client, 'budgets', {});
      if (values.json) {
        printJson(answer);
        return 0;
      }
      process.stdout.write(table(['resource', 'monthly USD', 'spent USD', 'used', '', 'thresholds', 'enforce'], answer.value.map((b) => [
        b.resource, money(b.amountUsd), money(b.spentUsd), `${b.percentUsed ?? 0}%`, bar(Math.min(b.percentUsed ?? 0, 100), 100, 20), b.thresholds.map((t) => `${t}%`).join(' '), b.enforce ? 'yes' : 'no',
      ])));
      return 0;
    }
    case 'delete': {
      const [resource, extra] = positionals;
      if (!resource || extra !== undefined) throw new UsageError('budget delete: give one resource name.');
      await client.manage('DELETE', `/monitoring/budgets/${encodeURIComponent(resource)}`);
      if (values.json) printJson({ resource, deleted: true });
      else process.stdout.write(`Budget of ${resource} deleted.\n`);
      return 0;
    }
    default:
      throw new UsageError(`budget: unknown subcommand '${sub}'; use set, list or delete.`);
  }
}
