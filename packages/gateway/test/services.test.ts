// The throwaway PostgreSQL and Redis servers the scale-out tests start: they come up, answer, pause and resume.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startPostgres } from './services/postgres.ts';
import { startRedis } from './services/redis.ts';

function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.once('data', (chunk) => {
      socket.end();
      resolve(chunk.toString().trim());
    });
    socket.once('error', reject);
  });
}

test('a PostgreSQL server starts on its own port, answers SQL, pauses and resumes with its data', async () => {
  const pg = await startPostgres();
  try {
    const url = pg.createDatabase('cf_services');
    assert.match(url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/cf_services$/);
    pg.sql('CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)', 'cf_services');
    pg.pause();
    assert.throws(() => pg.sql('SELECT 1'));
    pg.resume();
    assert.equal(pg.sql('SELECT sum(v) FROM t', 'cf_services'), '42');
  } finally {
    pg.stop();
  }
});

test('a Redis server starts on its own port, answers, and comes back empty after a pause', async () => {
  const redis = await startRedis();
  try {
    assert.equal(await redisCommand(redis.port, 'SET k v'), '+OK');
    await redis.pause();
    await assert.rejects(redisCommand(redis.port, 'PING'));
    await redis.resume();
    assert.equal(await redisCommand(redis.port, 'GET k'), '$-1');
  } finally {
    await redis.stop();
  }
});
