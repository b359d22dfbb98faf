// `npx claude-foundry usage`: tokens, requests and cost by time bucket, drawn as a sparkline and bars.
import type { UsageView } from '@claude-foundry/gateway';
import { bar, count, money, shortTime, sparkline } from '../monitoring/chart.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, query } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs } from '../usage.ts';

const HELP = `Usage: npx claude-foundry usage [options]

Tokens, requests and cost per time bucket, from the gateway's rollups (UTC buckets).

Options:
  --resource <name>     one resource, or a comma-separated list (default: every resource you may read)
  --since <span|time>   from when: 30m, 24h, 7d or an ISO time (default 24h)
  --until <span|time>   until when (default now)
  --interval <i>        minute, hour or day (default hour)
  --by <dimension>      also split by deployment, model or principal (comma-separated)
  --deployment <name>   only this deployment
${CONNECTION_HELP}`;


interface UsageAnswer {
  interval: string;
  from: string;
  to: string;
  value: UsageView[];
  totals: Omit<UsageView, 'time' | 'resource'>;
}

const tokensOf = (r: Omit<UsageView, 'time' | 'resource'>) => r.inputTokens + r.outputTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens + r.cacheReadTokens;

export async function usage(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('usage', args, {
    ...CONNECTION_OPTIONS,
    resource: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    interval: { type: 'string' },
    by: { type: 'string' },
    deployment: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const answer = await query<UsageAnswer>(connect(values), 'usage', {
    resource: values.resource, from: values.since ?? '24h', to: values.until, interval: values.interval ?? 'hour', groupBy: values.by, deployment: values.deployment,
  });
  if (values.json) {
    printJson(answer);
    return 0;
  }
  // One point per bucket for the sparkline, whatever the split.
  const perBucket = new Map<string, number>();
  for (const r of answer.value) perBucket.set(r.time, (perBucket.get(r.time) ?? 0) + tokensOf(r));
  const max = Math.max(0, ...answer.value.map(tokensOf));
  const dims = (values.by ?? '').split(',').filter(Boolean) as Array<'deployment' | 'model' | 'principal'>;
  process.stdout.write(`Tokens per ${answer.interval}, ${shortTime(answer.from)} to ${shortTime(answer.to)} UTC  ${sparkline([...perBucket.values()])}\n\n`);
  const rows = answer.value.map((r) => [
    shortTime(r.time), r.resource, ...dims.map((d) => r[d] || '-'), count(r.requests), count(r.inputTokens), count(r.outputTokens),
    count(r.cacheWrite5mTokens + r.cacheWrite1hTokens), count(r.cacheReadTokens), money(r.costUsd), bar(tokensOf(r), max),
  ]);
  const t = answer.totals;
  if (rows.length) rows.push(['total', '', ...dims.map(() => ''), count(t.requests), count(t.inputTokens), count(t.outputTokens), count(t.cacheWrite5mTokens + t.cacheWrite1hTokens), count(t.cacheReadTokens), money(t.costUsd), '']);
  process.stdout.write(table(['time', 'resource', ...dims, 'requests', 'input', 'output', 'cache write', 'cache read', 'cost USD', 'tokens'], rows));
  return 0;
}
