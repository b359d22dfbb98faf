// The monitoring API under /monitoring: usage and cost by time bucket, the month-end forecast, the request
// log, budgets and their alerts. Every route is ARM-authorized per resource (authorize.ts); JSON in, JSON out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../auth/caller.ts';
import { accountScope } from '../auth/scopes.ts';
import type { ControlState } from '../control/snapshot.ts';
import type { Resource } from '../control/types.ts';
import { GatewayError } from '../errors/index.ts';
import { collect } from '../http/body.ts';
import { type Correlation, sendJson } from '../http/respond.ts';
import type { CallerContext, Route } from '../http/routes.ts';
import { type AuthorizeManagement, MONITORING_ACTIONS } from './authorize.ts';
import { type BudgetBook, DEFAULT_THRESHOLDS } from './budgets.ts';
import { decodeFollowCursor, encodeFollowCursor } from './follow-cursor.ts';
import { forecastMonthEnd, RUN_RATE_WINDOW_MS } from './forecast.ts';
import type { LogQuery, RequestLogStore } from './log-store.ts';
import { formatUsd, parseUsd } from './money.ts';
import * as params from './query-params.ts';
import { runKql } from './kql/run.ts';
import { alertView, budgetView, recordView, usageView } from './views.ts';

export interface MonitoringApiDeps {
  control: ControlState;
  store: RequestLogStore;
  budgets: BudgetBook;
  authorize: AuthorizeManagement;
  now: () => number;
}

export function monitoringRoutes(deps: MonitoringApiDeps): Route[] {
  const { store, budgets, authorize, now } = deps;

  /**
   * The resources a request may read: those it names (each must exist and be allowed), or every resource it is
   * allowed on. `unassigned` adds records of no known resource, for a caller allowed at the root scope.
   * Reads go by each resource's current instance: what an earlier account of the same name left is never its.
   */
  function readable(caller: Caller, query: URLSearchParams, action: string): { instances: string[]; resources: Resource[] } {
    const snapshot = deps.control.current;
    const asked = params.optional(query, 'resource');
    if (asked !== undefined) {
      const resources = asked.split(',').map((name) => {
        const resource = snapshot.resource(name.trim());
        if (!resource) throw new GatewayError('resource_not_found', `The resource '${name.trim().slice(0, 64)}' does not exist on this gateway.`);
        return resource;
      });
      for (const r of resources) authorize(caller, accountScope(r.subscriptionId, r.resourceGroup, r.name), action);
      return { instances: resources.map((r) => r.instance), resources };
    }
    const resources: Resource[] = [];
    let denied: unknown;
    for (const r of snapshot.resources()) {
      try {
        authorize(caller, accountScope(r.subscriptionId, r.resourceGroup, r.name), action);
        resources.push(r);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.status !== 403) throw err;
        denied ??= err;
      }
    }
    if (resources.length === 0 && denied) throw denied;
    const instances = resources.map((r) => r.instance);
    try {
      authorize(caller, '/', action);
      instances.push('');
    } catch (err) {
      if (!(err instanceof GatewayError) || err.status !== 403) throw err;
    }
    return { instances, resources };
  }

  async function usage({ res, ids, query, caller }: CallerContext): Promise<void> {
    const { instances } = readable(caller, query, MONITORING_ACTIONS.usage);
    const interval = params.parseInterval(query, 'hour');
    const range = params.alignRange(params.parseRange(query, now(), 86_400_000), interval);
    const groupBy = params.parseGroupBy(query);
    const filters = { deployment: params.optional(query, 'deployment'), model: params.optional(query, 'model'), principal: params.optional(query, 'principal') };
    const rows = await store.usage({ ...range, instances, interval, groupBy, ...definedOnly(filters) });
    const totals = rows.reduce(
      (t, r) => ({ ...t, requests: t.requests + r.requests, inputTokens: t.inputTokens + r.inputTokens, outputTokens: t.outputTokens + r.outputTokens,
        cacheWrite5mTokens: t.cacheWrite5mTokens + r.cacheWrite5mTokens, cacheWrite1hTokens: t.cacheWrite1hTokens + r.cacheWrite1hTokens,
        cacheReadTokens: t.cacheReadTokens + r.cacheReadTokens, errors: t.errors + r.errors, throttled: t.throttled + r.throttled, costPico: t.costPico + r.costPico,
        durationMsSum: t.durationMsSum + r.durationMsSum }),
      { time: range.from, resource: '', requests: 0, errors: 0, throttled: 0, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, costPico: 0n, durationMsSum: 0 },
    );
    const { time: _time, resource: _resource, ...total } = usageView(totals);
    send(res, ids, { interval, from: iso(range.from), to: iso(range.to), groupBy, value: rows.map(usageView), totals: total });
  }

  async function cost({ res, ids, query, caller }: CallerContext): Promise<void> {
    const { resources } = readable(caller, query, MONITORING_ACTIONS.cost);
    const t = now();
    const month = budgets.month;
    const interval = params.parseInterval(query, 'day');
    const range = params.alignRange(params.parseRange(query, t, t - month.start || 3_600_000), interval);
    const instances = resources.map((r) => r.instance);
    const windowFrom = t - RUN_RATE_WINDOW_MS;
    const [series, window, first] = await Promise.all([
      store.usage({ ...range, instances, interval, groupBy: [] }),
      store.costSince(windowFrom - (windowFrom % 3_600_000), instances),
      store.firstActivity(windowFrom - (windowFrom % 3_600_000), instances),
    ]);
    const value = resources.map((r) => {
      const forecast = forecastMonthEnd({
        now: t, monthEnd: month.end, monthToDatePico: budgets.spent(r.instance),
        windowPico: window[r.instance] ?? 0n, windowStart: Math.max(windowFrom, first[r.instance] ?? t),
      });
      const budget = budgets.budget(r.instance);
      return {
        resource: r.name,
        month: month.key,
        monthToDateUsd: formatUsd(forecast.monthToDatePico),
        runRatePerHourUsd: formatUsd(forecast.runRatePerHourPico),
        forecastUsd: formatUsd(forecast.forecastPico),
        budget: budget ? budgetView(budget, budgets.spent(r.instance), month.key) : null,
        series: series.filter((s) => s.resource === r.name).map((s) => ({ time: iso(s.time), costUsd: formatUsd(s.costPico), requests: s.requests })),
      };
    });
    send(res, ids, { interval, from: iso(range.from), to: iso(range.to), currency: 'USD', value });
  }

  async function logs({ res, ids, query, caller }: CallerContext): Promise<void> {
    const { instances } = readable(caller, query, MONITORING_ACTIONS.logs);
    const range = params.parseRange(query, now(), 3_600_000);
    const limit = params.parseLimit(query, 100, 1000);
    const cursor = params.optional(query, 'cursor');
    const after = params.optional(query, 'after');
    const afterId = params.optional(query, 'afterId');
    if (afterId !== undefined && !/^\d+$/.test(afterId)) throw params.invalid('afterId', 'must be a record id (a whole number).');
    const follow = after ?? afterId;
    const q: LogQuery = {
      ...range, instances, limit, includeContent: query.get('includeContent') === 'true',
      ...definedOnly({ deployment: params.optional(query, 'deployment'), principal: params.optional(query, 'principal'), requestId: params.optional(query, 'requestId') }),
    };
    const status = params.parseStatus(query);
    if (status !== undefined) q.status = status;
    if (cursor !== undefined) q.before = params.decodeCursor(cursor);
    if (follow !== undefined) {
      const decoded = decodeFollowCursor(follow);
      if (!decoded) throw params.invalid('after', "must be the `cursor` of a previous answer of /monitoring/logs, as it was given.");
      // A PostgreSQL snapshot means nothing to logs.db (a gateway moved back to SQLite): start following again.
      if ('snapshot' in decoded && store.dialect === 'sqlite') throw params.invalid('after', 'is a cursor of a PostgreSQL request log; this gateway logs to SQLite. Start following again without it.');
      q.after = decoded;
    }
    const page = await store.logs(q);
    const records = page.records;
    const last = records[records.length - 1];
    let nextLink: string | null = null;
    if (last && records.length === limit && follow === undefined) {
      const next = new URLSearchParams(query);
      next.set('cursor', params.encodeCursor(last.time, last.id));
      next.set('from', iso(range.from));
      next.set('to', iso(range.to));
      nextLink = `/monitoring/logs?${next.toString()}`;
    }
    // `cursor` resumes following: after a page, from the snapshot it was read in; in follow mode, after what was sent.
    const followCursor = encodeFollowCursor(page.cursor);
    send(res, ids, { value: records.map(recordView), nextLink, cursor: followCursor, ...(afterId !== undefined && after === undefined ? { lastId: last?.id ?? Number(afterId) } : {}) });
  }

  async function listBudgets({ res, ids, query, caller }: CallerContext): Promise<void> {
    const { resources } = readable(caller, query, MONITORING_ACTIONS.readBudgets);
    const value = resources.flatMap((r) => {
      const b = budgets.budget(r.instance);
      return b ? [budgetView(b, budgets.spent(r.instance), budgets.month.key)] : [];
    });
    send(res, ids, { value });
  }

  async function alerts({ res, ids, query, caller }: CallerContext): Promise<void> {
    const { resources } = readable(caller, query, MONITORING_ACTIONS.readBudgets);
    const from = params.parseTime(query, 'from', now(), budgets.month.start);
    await budgets.alertsRecorded();
    send(res, ids, { value: (await store.alerts(resources.map((r) => r.instance), from)).map(alertView) });
  }

  async function budget({ req, res, ids, params, caller }: CallerContext): Promise<void> {
    const name = params['resource']!;
    const resource = deps.control.current.resource(name);
    if (!resource) throw new GatewayError('resource_not_found', `The resource '${name.slice(0, 64)}' does not exist on this gateway.`);
    const scope = accountScope(resource.subscriptionId, resource.resourceGroup, resource.name);
    const method = req.method === 'HEAD' ? 'GET' : req.method; // the route table allows GET (and HEAD), PUT and DELETE
    if (method === 'GET') {
      authorize(caller, scope, MONITORING_ACTIONS.readBudgets);
      const found = budgets.budget(resource.instance);
      if (!found) throw new GatewayError('not_found', `The resource '${resource.name}' has no budget. Set one with PUT /monitoring/budgets/${resource.name}.`);
      send(res, ids, budgetView(found, budgets.spent(resource.instance), budgets.month.key));
      return;
    }
    authorize(caller, scope, MONITORING_ACTIONS.writeBudgets);
    if (method === 'DELETE') {
      const existed = await store.deleteBudget(resource.instance);
      budgets.delete(resource.instance);
      if (!existed) throw new GatewayError('not_found', `The resource '${resource.name}' has no budget.`);
      send(res, ids, { resource: resource.name, deleted: true });
      return;
    }
    const saved = { ...parseBudget(await readBody(req)), instance: resource.instance, resource: resource.name, updatedAt: now() };
    await store.putBudget(saved);
    budgets.set(saved);
    send(res, ids, budgetView(saved, budgets.spent(resource.instance), budgets.month.key));
  }

  /** POST /monitoring/query {"query": "<KQL>"}: over the records of the resources the caller may read. */
  async function kql({ req, res, ids, query, caller }: CallerContext): Promise<void> {
    const { instances } = readable(caller, query, MONITORING_ACTIONS.logs);
    const body = await readBody(req, 'The request body must be a JSON object such as {"query": "RequestLogs | take 10"}.');
    send(res, ids, await runKql(store, body['query'], instances, now()));
  }

  return [
    { path: '/monitoring/usage', auth: 'entra', methods: { GET: usage } },
    { path: '/monitoring/cost', auth: 'entra', methods: { GET: cost } },
    { path: '/monitoring/logs', auth: 'entra', methods: { GET: logs } },
    { path: '/monitoring/query', auth: 'entra', methods: { POST: kql } },
    { path: '/monitoring/budgets', auth: 'entra', methods: { GET: listBudgets } },
    { path: '/monitoring/alerts', auth: 'entra', methods: { GET: alerts } },
    { path: '/monitoring/budgets/{resource}', auth: 'entra', methods: { GET: budget, PUT: budget, DELETE: budget } },
  ];
}

const MAX_BUDGET_PICO = 9_000_000n * 10n ** 12n;

function parseBudget(body: Record<string, unknown>): { amountPico: bigint; thresholds: number[]; enforce: boolean } {
  const amount = body['amountUsd'];
  let amountPico: bigint;
  try {
    if (typeof amount !== 'string' && typeof amount !== 'number') throw new RangeError('missing');
    amountPico = parseUsd(String(amount));
  } catch {
    throw new GatewayError('invalid_request_content', 'amountUsd is required: the monthly budget in USD, such as "250" or "99.50".');
  }
  // Picodollars are stored as a 64-bit integer: past about 9.2 million USD they would not fit (found by the fuzz test).
  if (amountPico > MAX_BUDGET_PICO) throw new GatewayError('invalid_request_content', `amountUsd must be at most ${formatUsd(MAX_BUDGET_PICO)}, the largest monthly budget the gateway records.`);
  const thresholds = body['thresholds'] ?? DEFAULT_THRESHOLDS;
  if (!Array.isArray(thresholds) || !thresholds.every((t) => Number.isInteger(t) && t >= 1 && t <= 1000)) {
    throw new GatewayError('invalid_request_content', 'thresholds must be a list of whole percentages from 1 to 1000, such as [50, 80, 100].');
  }
  const enforce = body['enforce'] ?? false;
  if (typeof enforce !== 'boolean') throw new GatewayError('invalid_request_content', 'enforce must be true or false.');
  return { amountPico, thresholds: [...new Set(thresholds as number[])].sort((a, b) => a - b), enforce };
}

async function readBody(req: IncomingMessage, shape = 'The request body must be a JSON object such as {"amountUsd": "250", "thresholds": [50, 80, 100], "enforce": false}.'): Promise<Record<string, unknown>> {
  const raw = await collect(req, 64 * 1024);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError('invalid_request_content', shape);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new GatewayError('invalid_request_content', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function definedOnly<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

function send(res: ServerResponse, ids: Correlation, body: unknown): void {
  sendJson(res, 200, JSON.stringify(body), ids);
}
