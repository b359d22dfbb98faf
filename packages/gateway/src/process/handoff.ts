// `serve --workers N`, in a worker: the primary accepts on the ports (process/dealer.ts) and hands each connection
// over; this feeds it to the HTTP or HTTPS server as if that server had accepted it, and tells the primary which
// closed, batched (one message per event-loop turn at most), so its counts of open connections stay right.
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { ClosedConnections, Draining, HandedConnection, ListenerKind } from './dealer.ts';

export interface HandedConnections {
  /** Handed connections still open. */
  open(): number;
  /** Takes no more (a late one is closed) and resolves once every handed connection has closed. */
  stop(): Promise<void>;
  /** Closes every handed connection now (the drain's bound, or a second signal). */
  cut(): void;
}

const isHanded = (m: unknown): m is HandedConnection => (m as HandedConnection | undefined)?.type === 'claude-foundry:connection';

export function acceptHandedConnections(servers: Record<ListenerKind, Server>): HandedConnections {
  // The servers never listen themselves; 'listening' is what starts Node's HTTP connection tracking (the headers and
  // keep-alive timeouts, closeIdleConnections) for the connections they are handed.
  for (const server of Object.values(servers)) server.emit('listening');
  const sockets = new Set<Socket>();
  let stopped = false;
  let closedSinceReport = 0;
  let reportQueued = false;
  let whenEmpty: (() => void) | undefined;
  const report = () => {
    reportQueued = false;
    const count = closedSinceReport;
    closedSinceReport = 0;
    if (process.connected) process.send?.({ type: 'claude-foundry:closed', count } satisfies ClosedConnections);
  };
  const closed = (socket: Socket | undefined) => {
    if (socket) sockets.delete(socket);
    closedSinceReport++;
    if (!reportQueued) {
      reportQueued = true;
      setImmediate(report);
    }
    if (sockets.size === 0) whenEmpty?.();
  };
  const onMessage = (message: unknown, socket: unknown) => {
    if (!isHanded(message)) return;
    // Node sends the message without its handle when the socket closed in the primary before it went: the primary
    // counted it, so it is reported closed.
    if (!socket) return closed(undefined);
    const handed = socket as Socket;
    sockets.add(handed);
    handed.once('close', () => closed(handed));
    if (stopped) return void handed.destroy();
    servers[message.listener].emit('connection', handed);
  };
  process.on('message', onMessage);
  return {
    open: () => sockets.size,
    stop: () => {
      stopped = true;
      // The primary hands no more connections here; one already on its way is closed (the client retries elsewhere).
      if (process.connected) process.send?.({ type: 'claude-foundry:draining' } satisfies Draining);
      if (sockets.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => (whenEmpty = resolve));
    },
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
