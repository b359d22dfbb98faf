// The backends that reach real Claude or its recordings, sharing one connection pool and one
// cassette writer: anthropic and foundry (each recording when a deployment asks), and replay.
import { createAnthropicBackend } from '../anthropic/index.ts';
import { createFoundryBackend, type FoundryBackendOptions } from '../foundry/index.ts';
import { CassetteWriter } from '../replay/cassette.ts';
import { createPoolBackend, type PoolBackend, type PoolBackendOptions } from '../pool/index.ts';
import { createReplayBackend } from '../replay/index.ts';
import { withRecording } from '../replay/record.ts';
import type { UpstreamBackend } from './index.ts';
import { UpstreamPool } from './pool.ts';

export type UpstreamBackendOptions = FoundryBackendOptions & { pool?: PoolBackendOptions };

export interface UpstreamBackends {
  backends: { anthropic: UpstreamBackend; foundry: UpstreamBackend; replay: UpstreamBackend; pool: PoolBackend };
  /** Waits for cassette writes, then closes pooled connections. */
  close(): Promise<void>;
}

export function createUpstreamBackends(options: UpstreamBackendOptions = {}): UpstreamBackends {
  const pool = new UpstreamPool();
  const writer = new CassetteWriter();
  const anthropic = withRecording(createAnthropicBackend(pool), writer);
  const foundry = withRecording(createFoundryBackend(pool, options), writer);
  return {
    backends: { anthropic, foundry, replay: createReplayBackend(), pool: createPoolBackend({ anthropic, foundry }, options.pool) },
    async close() {
      await writer.flush();
      await pool.close();
    },
  };
}
