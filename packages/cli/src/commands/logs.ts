// `npx claude-foundry logs`: the request log, newest first, filtered; `--follow` polls for new records.
import type { RecordView } from '@claude-foundry/gateway';
import { setTimeout as sleep } from 'node:timers/promises';
import { count, money } from '../monitoring/chart.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, query } from '../monitoring/client.ts';
import { printJson, table } from '../table.ts';
import { parseCommandArgs, UsageError } from '../usage.ts';

const HELP = `Usage: npx claude-foundry logs [options]
       npx claude-foundry logs query '<KQL>'   (a KQL query over the log; 'logs query --help')

One line per data-plane request: time, status, error, deployment, principal, tokens, cost, latency, request-id.

Options:
  --resource <name>     one resource, or a comma-separated list (default: every resource you may read)
  --deployment <name>   only this deployment
  --status <s>          a status (429) or a class (5xx)
  --principal <p>       key1, key2, or an Entra object ID
  --request-id <id>     a request-id, apim-request-id or x-ms-client-request-id
  --since <span|time>   from when: 30m, 24h, 7d or an ISO time (default 1h)
  --limit <n>           at most n records (default 50)
  --follow, -f          then keep printing new records as they are written (Ctrl+C stops)
  --every <seconds>     how often --follow asks (default 2)
${CONNECTION_HELP}`;


function rows(records: RecordView[]): string[][] {
  return records.map((r) => [
    r.time.replace('T', ' ').slice(0, 23), String(r.status), r.errorCode ?? '', `${r.resource}/${r.deployment ?? '-'}`, r.principal ?? '-',
    `${count(r.inputTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens + r.cacheReadTokens)}/${count(r.outputTokens)}`,
    money(r.costUsd), `${Math.round(r.durationMs)}${r.stream ? ' sse' : ''}`, r.requestId,
  ]);
}

const HEADERS = ['time (UTC)', 'status', 'error', 'resource/deployment', 'principal', 'in/out', 'cost USD', 'ms', 'request-id'];

export async function logs(args: string[]): Promise<number> {
  if (args[0] === 'query') return (await import('./logs-query.ts')).logsQuery(args.slice(1));
  const { values } = parseCommandArgs('logs', args, {
    ...CONNECTION_OPTIONS,
    resource: { type: 'string' },
    deployment: { type: 'string' },
    status: { type: 'string' },
    principal: { type: 'string' },
    'request-id': { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    every: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new UsageError(`logs: --limit must be a whole number, not '${values.limit}'.`);
  const every = Number(values.every ?? '2');
  if (!(every >= 0.1 && every <= 3600)) throw new UsageError(`logs: --every must be a number of seconds from 0.1 to 3600, not '${values.every}'.`);
  const client = connect(values);
  const filters = { resource: values.resource, deployment: values.deployment, status: values.status, principal: values.principal, requestId: values['request-id'] };
  const first = await query<{ value: RecordView[]; cursor: string }>(client, 'logs', { ...filters, from: values.since ?? '1h', limit: values.limit ?? '50' });
  if (!values.follow) {
    if (values.json) printJson(first);
    else process.stdout.write(table(HEADERS, rows(first.value)));
    return 0;
  }
  // Following reads oldest first: the first page reversed, then what was committed after it, from the cursor the gateway
  // gave (with replicas on PostgreSQL, ids do not commit in order: a cursor of ids would miss some).
  const print = (records: RecordView[]) => {
    if (values.json) for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
    else for (const line of table(HEADERS, rows(records)).split('\n').slice(1, -1)) process.stdout.write(`${line}\n`);
  };
  if (!values.json) process.stdout.write(table(HEADERS, []).replace('(none)\n', `${HEADERS.join('  ')}\n`));
  const backlog = [...first.value].reverse();
  print(backlog);
  let cursor = first.cursor;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  process.once('SIGTERM', () => (stop = true));
  while (!stop) {
    await sleep(every * 1000);
    if (stop) break;
    const next = await query<{ value: RecordView[]; cursor: string }>(client, 'logs', { ...filters, from: values.since ?? '1h', after: cursor, limit: '1000' });
    print(next.value);
    cursor = next.cursor;
  }
  return 0;
}
