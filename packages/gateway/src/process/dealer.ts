// `serve --workers N`, in the primary: it owns the HTTP and HTTPS ports and hands each accepted connection to the
// worker holding the fewest open connections (ties in turn). node:cluster's own round robin hands a connection to
// whichever worker acknowledged the previous handoff first, and keep-alive keeps that split: 32 connections opened at
// once landed 16+16, 23+9, 26+6 or 28+4 over two workers (docs/benchmarks.md), leaving one core idle.
// Sockets travel with `worker.send(message, socket)` (Node's child_process documents sending a net.Socket as a
// sendHandle); the worker feeds them to its servers (process/handoff.ts) and reports closed ones back in batches.
import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type ListenerKind = 'http' | 'https';

/** Primary → worker, with the socket as the sendHandle: serve it on this listener. */
export interface HandedConnection {
  type: 'claude-foundry:connection';
  listener: ListenerKind;
}

/** Worker → primary: this many handed connections closed since the last report. */
export interface ClosedConnections {
  type: 'claude-foundry:closed';
  count: number;
}

/** Worker → primary: this worker drains (a SIGTERM sent to it alone) and takes no more connections. */
export interface Draining {
  type: 'claude-foundry:draining';
}

/** The env variable a worker finds its primary's resolved ports in (`http,https`): it serves what the primary accepts. */
const HANDED_PORTS_ENV = 'CLAUDE_FOUNDRY_HANDED_PORTS';

/** What the primary gives each forked worker: the ports it listens on. */
export const handedPortsEnv = (ports: { port: number; httpsPort: number }): Record<string, string> => ({ [HANDED_PORTS_ENV]: `${ports.port},${ports.httpsPort}` });

/** In a worker: the ports its primary listens on, whose connections it is handed; undefined elsewhere. */
export function handedPorts(): { port: number; httpsPort: number } | undefined {
  const ports = cluster.isWorker ? process.env[HANDED_PORTS_ENV]?.split(',').map(Number) : undefined;
  return ports?.length === 2 ? { port: ports[0]!, httpsPort: ports[1]! } : undefined;
}

/** Connections accepted before any worker serves wait in the primary, up to this many; more are closed. */
const MAX_WAITING = 4096;

const isClosed = (m: unknown): m is ClosedConnections => (m as ClosedConnections | undefined)?.type === 'claude-foundry:closed';

/** Counts each serving worker's open connections and picks the least loaded one for the next. */
export class ConnectionDealer {
  /** The serving workers in a fixed order (ties go round it), each with its open connections. */
  readonly #workers: Array<{ worker: Worker; open: number }> = [];
  #turn = 0;
  readonly #waiting: Array<{ kind: ListenerKind; socket: Socket }> = [];

  /** A worker serves: it takes connections from now on (and those that waited for one). */
  add(worker: Worker): void {
    const entry = { worker, open: 0 };
    this.#workers.push(entry);
    worker.on('message', (message: unknown) => {
      if (isClosed(message)) entry.open = Math.max(0, entry.open - message.count);
      else if ((message as Draining | undefined)?.type === 'claude-foundry:draining') this.remove(worker);
    });
    for (const { kind, socket } of this.#waiting.splice(0)) if (!socket.destroyed) this.deal(kind, socket);
  }

  /** A worker died or stops: its connections no longer count, and it gets no more. */
  remove(worker: Worker): void {
    const at = this.#workers.findIndex((w) => w.worker === worker);
    if (at !== -1) this.#workers.splice(at, 1);
  }

  deal(kind: ListenerKind, socket: Socket): void {
    const entry = this.#pick();
    if (!entry) {
      if (this.#waiting.length >= MAX_WAITING) return void socket.destroy();
      this.#waiting.push({ kind, socket });
      return;
    }
    entry.open++;
    const message: HandedConnection = { type: 'claude-foundry:connection', listener: kind };
    entry.worker.send(message, socket, (err: Error | null) => {
      if (!err) return;
      // The worker went away before it took the socket: the connection is closed, not left hanging.
      entry.open = Math.max(0, entry.open - 1);
      socket.destroy();
    });
  }

  /** Closes the connections still waiting for a worker (the gateway stops). */
  close(): void {
    for (const { socket } of this.#waiting.splice(0)) socket.destroy();
  }

  #pick(): { worker: Worker; open: number } | undefined {
    const n = this.#workers.length;
    let best: { worker: Worker; open: number } | undefined;
    let bestAt = 0;
    for (let i = 0; i < n; i++) {
      const at = (this.#turn + i) % n;
      const entry = this.#workers[at]!;
      if (!entry.worker.isConnected()) continue;
      if (!best || entry.open < best.open) {
        best = entry;
        bestAt = at;
      }
    }
    if (best) this.#turn = (bestAt + 1) % n;
    return best;
  }
}

export interface PrimaryListeners {
  port: number;
  httpsPort: number;
  /** Stops accepting; connections already handed stay with their workers. */
  close(): void;
}

/**
 * Listens on the HTTP and HTTPS ports (0 resolved here, once, so every worker reports the same ports). Accepted
 * sockets stay paused until a worker reads them. A listen error carries `listener` so the CLI names the right flag.
 */
export async function listenForWorkers(host: string, port: number, httpsPort: number, dealer: ConnectionDealer): Promise<PrimaryListeners> {
  const open = (kind: ListenerKind, at: number) =>
    new Promise<Server>((resolve, reject) => {
      // noDelay as node:http's own servers set it at accept: a handed socket keeps the options set here, and Nagle's
      // algorithm would hold a response's second write until the client acknowledged its first.
      const server = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
        // A reset while waiting for a worker must not reach the primary as an uncaught error.
        socket.on('error', () => socket.destroy());
        dealer.deal(kind, socket);
      });
      server.once('error', (err) => reject(Object.assign(err, { listener: kind })));
      server.listen(at, host, () => resolve(server));
    });
  const http = await open('http', port);
  const https = await open('https', httpsPort).catch((err: unknown) => {
    http.close();
    throw err;
  });
  return {
    port: (http.address() as AddressInfo).port,
    httpsPort: (https.address() as AddressInfo).port,
    close: () => {
      for (const s of [http, https]) if (s.listening) s.close();
    },
  };
}
