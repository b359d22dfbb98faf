// Closing the listeners gracefully: stop accepting, let requests and streams in flight finish, close each
// keep-alive connection once it has no request in progress, and cut whatever is left at the bound.
import type { Server } from 'node:net';
import type { HandedConnections } from './handoff.ts';

/** How often connections that went idle after their last response are closed while draining. */
const IDLE_SWEEP_MS = 50;

export interface DrainOutcome {
  /** Connections still open at the bound and cut (their requests or streams did not finish in time). */
  cut: number;
}

type HttpListener = Server & { closeIdleConnections(): void; closeAllConnections(): void };

/**
 * Stops the listeners accepting (a new connection is refused once the port is closed; under node:cluster once
 * every worker has closed it), then waits until every connection has ended, at most `boundMs`. A response
 * started meanwhile carries `Connection: close` (the server's listener sees the draining flag), so a client
 * reusing a connection learns to open its next one elsewhere. `boundMs` 0 cuts everything at once.
 * Under `serve --workers` the servers do not listen: the primary stops handing connections over, and the drain
 * waits for the `handed` ones (process/handoff.ts) instead.
 */
export async function drainListeners(servers: readonly HttpListener[], boundMs: number, handed?: HandedConnections): Promise<DrainOutcome> {
  const open = handed ? servers : servers.filter((s) => s.listening);
  // A server that never listened still runs its close steps (stops its timeout checks, closes idle connections).
  const closing = open.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
  const closed = handed ? [handed.stop(), ...closing] : closing;
  let cut = 0;
  const cutAll = async () => {
    cut = handed ? handed.open() : (await Promise.all(open.map(connectionsOf))).reduce((a, b) => a + b, 0);
    for (const s of open) s.closeAllConnections();
    handed?.cut();
  };
  if (boundMs <= 0) {
    await cutAll();
    await Promise.all(closed);
    return { cut };
  }
  const sweep = setInterval(() => {
    for (const s of open) s.closeIdleConnections();
  }, IDLE_SWEEP_MS);
  let bound: NodeJS.Timeout | undefined;
  const atBound = new Promise<void>((resolve) => {
    bound = setTimeout(() => void cutAll().then(resolve), boundMs);
  });
  try {
    await Promise.race([Promise.all(closed), atBound]);
    await Promise.all(closed);
  } finally {
    clearInterval(sweep);
    clearTimeout(bound);
  }
  return { cut };
}

function connectionsOf(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((err, count) => resolve(err ? 0 : count)));
}
