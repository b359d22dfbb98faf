// `serve --workers N`: the primary process listens on the HTTP and HTTPS ports, forks N workers (node:cluster),
// hands each connection to the least busy one (process/dealer.ts), and supervises them. The first worker starts alone, so the one-time setup of an empty data folder (migrations,
// the seed, the secret key, signing keys, the CA, the admin's credentials) happens once; the others start after
// it is ready and find everything made. A worker that dies is restarted with a growing delay; too many deaths in
// a short time stop the whole gateway with a non-zero exit, saying why. The primary also holds the workers'
// shared rate limits and budgets (limits/primary.ts, telemetry/budgets-cluster.ts). Signals reach workers as messages
// (a terminal's Ctrl+C also reaches them directly, and must not count twice).
import cluster, { type Worker } from 'node:cluster';
import { serveClusterLimiter } from '../limits/primary.ts';
import type { Logger } from '../log/index.ts';
import { ConnectionDealer, handedPortsEnv, listenForWorkers } from './dealer.ts';
import { serveClusterBudgets } from '../telemetry/budgets-cluster.ts';

/** What a worker tells the primary once it listens; the primary prints the first one's banner. */
interface ReadyMessage {
  type: 'claude-foundry:ready';
  banner: string;
}

/** What the primary tells a worker: drain (the first SIGTERM or SIGINT), or stop now (the second). */
interface StopMessage {
  type: 'claude-foundry:stop';
  now: boolean;
}

export interface SupervisorOptions {
  workers: number;
  /** Where the primary listens (port 0: a free one, resolved once for every worker). */
  listen: { host: string; port: number; httpsPort: number };
  /** Prints the first worker's banner once every worker serves: once, however many workers start. */
  onReady(banner: string): void;
  /** Says the gateway is stopping: drain (first signal) or now (second). */
  onStop?(now: boolean): void;
  log: Logger;
  /** This many deaths within `crashWindowMs` is a crash loop: the gateway stops. */
  crashLimit?: number;
  crashWindowMs?: number;
  /** The first restart waits this long, each further one in the window twice as long, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const isReady = (m: unknown): m is ReadyMessage => (m as ReadyMessage | undefined)?.type === 'claude-foundry:ready';

/**
 * Runs in the primary: listens, forks and supervises the workers; resolves with the exit code the primary should end
 * with. A port that cannot be listened on rejects (the error's `listener` says which), before any worker is forked.
 */
export async function superviseWorkers(options: SupervisorOptions): Promise<number> {
  const { workers: count, log } = options;
  const dealer = new ConnectionDealer();
  const listeners = await listenForWorkers(options.listen.host, options.listen.port, options.listen.httpsPort, dealer);
  const env = handedPortsEnv(listeners);
  const crashLimit = options.crashLimit ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const live = new Set<Worker>();
  const restarts = new Set<NodeJS.Timeout>();
  let crashes: number[] = [];
  let started = false;
  let readyAtStart = 0;
  let firstBanner: string | undefined;
  let stopping: 'drain' | 'now' | undefined;
  let failure: string | undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const stopAll = (now: boolean) => {
    // New connections are refused from here on; those handed over drain in their workers.
    listeners.close();
    dealer.close();
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    for (const worker of live) worker.send({ type: 'claude-foundry:stop', now } satisfies StopMessage, () => {});
  };
  // The workers' rate limits and budgets live here, so N workers admit and spend as one process would (without Redis).
  const limits = serveClusterLimiter(cluster);
  const budgets = serveClusterBudgets(cluster);
  const finishIfDone = () => {
    if (live.size > 0 || restarts.size > 0) return;
    listeners.close();
    dealer.close();
    limits.close();
    budgets.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    resolveExit(failure ? 1 : 0);
  };
  function onSignal(): void {
    // The first signal drains, a second one cuts what is still in flight.
    const now = stopping !== undefined;
    stopping = now ? 'now' : 'drain';
    options.onStop?.(now);
    stopAll(now);
    finishIfDone();
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const fork = (slot: number) => {
    const worker = cluster.fork(env);
    live.add(worker);
    let ready = false;
    worker.on('message', (message: unknown) => {
      if (!isReady(message) || ready) return;
      ready = true;
      // Forked before a stop, ready after it: it is told again.
      if (stopping) return void worker.send({ type: 'claude-foundry:stop', now: stopping === 'now' } satisfies StopMessage, () => {});
      dealer.add(worker);
      if (started) return;
      if (slot === 1) {
        firstBanner = message.banner;
        for (let next = 2; next <= count; next++) fork(next);
      }
      // The banner once every worker serves: its ports are then answered by all of them.
      if (++readyAtStart === count) {
        started = true;
        options.onReady(firstBanner!);
      }
    });
    // An IPC error (a send racing the worker's exit) is emitted on the worker; unheard, it would end the primary and
    // every other worker with it. The exit that follows is handled below.
    worker.on('error', (err: Error) => log.warn({ worker: slot, workerPid: worker.process.pid, err: err.message }, `worker ${slot}: its channel failed`));
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      dealer.remove(worker);
      if (stopping) return finishIfDone();
      const pid = worker.process.pid;
      if (!started) {
        // A worker could not start (its error is on stderr already): the gateway does not start.
        failure = `worker ${slot} (pid ${pid}) exited with ${describe(code, signal)} before it was serving`;
        stopping = 'now';
        stopAll(true);
        return finishIfDone();
      }
      const now = Date.now();
      crashes = [...crashes.filter((t) => now - t < crashWindowMs), now];
      if (crashes.length >= crashLimit) {
        failure = `workers exited ${crashes.length} times within ${crashWindowMs / 1000} s (the last: worker ${slot}, pid ${pid}, ${describe(code, signal)}): a crash loop`;
        log.fatal({ worker: slot, workerPid: pid, code, signal }, `claude-foundry is stopping: ${failure}. See the errors above.`);
        stopping = 'drain';
        stopAll(false);
        return finishIfDone();
      }
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (crashes.length - 1));
      log.error({ worker: slot, workerPid: pid, code, signal, restartInMs: delay }, `worker ${slot} exited unexpectedly (${describe(code, signal)}); restarting it in ${delay} ms`);
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!stopping) fork(slot);
        else finishIfDone();
      }, delay);
      restarts.add(timer);
    });
  };
  fork(1);
  return exited.then((code) => {
    if (failure && !failure.includes('crash loop')) log.error({ reason: failure }, 'claude-foundry did not start');
    return code;
  });
}

function describe(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** In a worker: tells the primary it serves, with the banner to print. */
export function reportReady(banner: string): void {
  process.send?.({ type: 'claude-foundry:ready', banner } satisfies ReadyMessage);
}

/**
 * In a worker: calls `stop(now)` when the primary asks (a message), or on a SIGTERM sent to this worker alone.
 * SIGINT is the primary's to relay: a terminal's Ctrl+C reaches every process of the group at once.
 */
export function onStopRequest(stop: (now: boolean) => void): void {
  let requests = 0;
  const request = () => stop(requests++ > 0);
  process.on('message', (message: unknown) => {
    const m = message as StopMessage | undefined;
    if (m?.type === 'claude-foundry:stop') stop(m.now || requests++ > 0);
  });
  process.on('SIGTERM', request);
  process.on('SIGINT', () => {});
}
