// A pooled PostgreSQL connection for a few statements. A connection the server cuts while it is checked out (a restart,
// a failover) fails its query and also emits 'error': with no listener that is an uncaught exception, so one is held
// for the checkout; a connection that failed so is destroyed instead of going back to the pool.
import type { Pool, PoolClient } from 'pg';

export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
