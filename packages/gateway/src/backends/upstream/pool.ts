// Keep-alive connection pools, one per upstream origin: node:http(s) Agents reusing the most recently
// used socket first (lifo), so idle ones age out while busy ones stay warm.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export class UpstreamPool {
  readonly #agents = new Map<string, HttpAgent>();

  /** The agent for `url`'s origin, created on first use with `maxConnections` sockets at most. */
  agentFor(url: URL, maxConnections: number): HttpAgent {
    const key = `${url.origin}#${maxConnections}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: maxConnections, maxFreeSockets: Math.min(maxConnections, 256), scheduling: 'lifo' as const };
      agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** Closes every pooled connection (at gateway shutdown). */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
