// Keep-alive connection pools, one per upstream origin: undici Pools of HTTP/1.1 connections (no HTTP/2,
// one request at a time on each), at most `maxConnections` of them. A request takes the first idle
// connection in the order they were opened, so the first ones stay warm and the last ones idle out.
import { Client, type Dispatcher, Pool } from 'undici';
import { checkedConnector, type UpstreamPolicy } from './policy.ts';

/** An idle connection is closed after this long (a server's `Keep-Alive: timeout` hint, less 2 s, wins). */
const IDLE_MS = 60_000;

/** Takes part in an exchange: told which connection carries it, so that it can tell a reused one. */
export interface ConnectionAware {
  connection: UpstreamConnection | undefined;
}

/** One upstream connection (a Client) that counts the responses begun since it last connected. */
export class UpstreamConnection extends Client {
  /** Responses begun on the current socket: 0 on a fresh one. */
  answered = 0;

  constructor(origin: URL, options: Client.Options) {
    super(origin, options);
    this.on('connect', () => {
      this.answered = 0;
    });
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    (handler as Partial<ConnectionAware>).connection = this;
    return super.dispatch(options, handler);
  }
}

export class UpstreamPool {
  readonly #pools = new Map<string, Pool>();

  /**
   * The pool for `url`'s origin, created on first use with `maxConnections` connections at most, each
   * given `connectMs` to connect (TCP and TLS). Trust is Node's default for TLS: its CA store plus
   * NODE_EXTRA_CA_CERTS (or the system store with --use-system-ca), as node:https had it. With a `policy` (an
   * endpoint set over ARM), each new connection is checked against it first, on the addresses its name resolves to.
   */
  poolFor(url: URL, maxConnections: number, connectMs: number, policy?: UpstreamPolicy): Pool {
    const key = `${url.origin}#${maxConnections}#${connectMs}#${policy ? 'checked' : 'trusted'}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const connect = { timeout: connectMs, keepAliveInitialDelay: 30_000 };
      pool = new Pool(url.origin, {
        connections: maxConnections,
        pipelining: 1,
        allowH2: false,
        keepAliveTimeout: IDLE_MS,
        connect: policy ? checkedConnector(policy, { ...connect, allowH2: false }) : connect,
        factory: (origin, options) => new UpstreamConnection(origin, options as Client.Options),
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes every pooled connection at once, cutting any exchange still under way (at gateway shutdown). */
  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}
