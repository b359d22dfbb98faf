// Liveness and readiness for a load balancer: `/healthz` says the process answers; `/readyz` says it should get
// traffic: every registered check (the store, Redis when configured) answered within its timeout, and the
// process is not draining. A check is a function that resolves when its dependency answers.
import type { Route } from '../http/routes.ts';
import { sendJson } from '../http/respond.ts';

export type ReadinessCheck = () => Promise<unknown>;

/** Long enough for a database across a network on a busy machine, short of a balancer's usual 5 s probe timeout. */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

export interface ReadinessResult {
  ready: boolean;
  status: 'ready' | 'not ready' | 'draining';
  /** Each check's outcome: `ok`, or what went wrong. */
  checks: Record<string, string>;
}

export class Readiness {
  readonly #checks = new Map<string, { check: ReadinessCheck; timeoutMs: number }>();
  #draining = false;
  /** Probes arriving together share one round of checks, so a burst of them is one query per dependency. */
  #running: Promise<ReadinessResult> | undefined;

  /** Registers a dependency the gateway cannot serve without; a name is registered once. */
  add(name: string, check: ReadinessCheck, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): void {
    if (this.#checks.has(name)) throw new Error(`A readiness check named '${name}' is registered already.`);
    this.#checks.set(name, { check, timeoutMs });
  }

  /** From now on `/readyz` answers 503 draining: the balancer stops sending new requests here. */
  startDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  check(): Promise<ReadinessResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<ReadinessResult> {
    const entries = [...this.#checks];
    const outcomes = await Promise.all(entries.map(([, { check, timeoutMs }]) => outcomeOf(check, timeoutMs)));
    const checks = Object.fromEntries(entries.map(([name], i) => [name, outcomes[i]!]));
    if (this.#draining) return { ready: false, status: 'draining', checks };
    const ready = outcomes.every((o) => o === 'ok');
    return { ready, status: ready ? 'ready' : 'not ready', checks };
  }
}

async function outcomeOf(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .then(
          () => 'ok',
          // The message only: a public endpoint must not carry a stack; bounded so one check cannot bloat the answer.
          (err: unknown) => `failed: ${String((err as Error)?.message ?? err).slice(0, 200)}`,
        ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` and `/readyz`, public (a load balancer has no credential). `/healthz` names the process that
 * answered (its pid), which tells replicas and workers apart behind a balancer.
 */
export function healthRoutes(readiness: Readiness): Route[] {
  return [
    { path: '/healthz', auth: 'public', methods: { GET: ({ res, ids }) => sendJson(res, 200, JSON.stringify({ status: 'ok', pid: process.pid }), ids, NO_STORE) } },
    {
      path: '/readyz',
      auth: 'public',
      methods: {
        GET: async ({ res, ids }) => {
          const result = await readiness.check();
          sendJson(res, result.ready ? 200 : 503, JSON.stringify({ status: result.status, checks: result.checks }), ids, NO_STORE);
        },
      },
    },
  ];
}

const NO_STORE = { 'cache-control': 'no-store' };
