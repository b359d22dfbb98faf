// `claude-foundry logs query '<KQL>'`: a KQL query over the request log (POST /monitoring/query), printed as a
// table, or as a chart in the terminal when it ends with `| render timechart`.
import { timechart } from '../monitoring/chart.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry logs query '<KQL>' [options]

Runs a KQL query over the request log's RequestLogs table (docs/monitoring.md lists the columns and the
subset understood), over every resource you may read, for example:

  npx claude-foundry logs query 'RequestLogs | where TimeGenerated > ago(1h) and ResultSignature == 429 | summarize count() by ModelDeploymentName'
  npx claude-foundry logs query 'RequestLogs | summarize percentile(DurationMs, 95) by bin(TimeGenerated, 5m) | render timechart'

Options:
  --resource <name>  only these resources (a name or a comma-separated list)
${CONNECTION_HELP}`;

interface QueryAnswer {
  tables: Array<{ columns: Array<{ name: string; type: string }>; rows: unknown[][] }>;
  render: 'timechart' | null;
  truncated: boolean;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v));

export async function logsQuery(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('logs query', args, { ...CONNECTION_OPTIONS, resource: { type: 'string' } }, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0]!.trim() === '') throw new UsageError(`logs query: give one KQL query, quoted, such as 'RequestLogs | take 10'.`);
  const client = connect(values);
  const qs = values.resource ? `?resource=${encodeURIComponent(values.resource)}` : '';
  const answer = (await client.manage('POST', `/monitoring/query${qs}`, { query: positionals[0] })).json as QueryAnswer;
  if (values.json) {
    printJson(answer);
    return 0;
  }
  const result = answer.tables[0]!;
  if (answer.render === 'timechart') process.stdout.write(timechart(result));
  else process.stdout.write(table(result.columns.map((c) => c.name), result.rows.map((r) => r.map(cell))));
  if (answer.truncated) process.stderr.write(`logs query: only the first ${result.rows.length} rows; narrow the query (where, summarize, take).\n`);
  return 0;
}
