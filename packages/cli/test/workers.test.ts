// `claude-foundry serve --workers N`, as a user runs it: one banner, N worker processes on the same HTTP and HTTPS
// ports sharing one data folder, a killed worker replaced while the other serves, SIGTERM draining a stream in
// flight before exiting 0, a crash loop stopping the gateway with the reason, and bad values refused.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { get, request } from 'node:http';
import { get as httpsGet } from 'node:https';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { connectOutcome } from '../../gateway/test/socket-helpers.ts';
import { BIN } from './serve-helper.ts';
import { childrenOf, exited, setup, startWorkers } from './workers-helper.ts';

const KEY1 = 'workers-test-key-one-0123456789';
const KEY2 = 'workers-test-key-two-0123456789';
const RESOURCES = [
  {
    name: 'claude-local',
    keys: { key1: KEY1, key2: KEY2 },
    deployments: [
      { name: 'claude-sonnet-4-6' },
      { name: 'slow', model: 'claude-haiku-4-5', simulator: { ttftMs: 100, tokensPerSecond: 40 } },
      { name: 'tight', model: 'claude-haiku-4-5', rateLimits: { rpm: 5 } },
    ],
  },
];

const CONFIG = { resources: RESOURCES, subscriptionType: 'enterprise' };

/** /healthz over a fresh connection: the pid of whichever worker the primary handed it to. */
function healthzPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve((JSON.parse(text) as { pid: number }).pid));
    })
      .on('timeout', function (this: { destroy(err: Error): void }) {
        this.destroy(new Error(`/healthz on port ${port}: no answer within 5 s`));
      })
      .on('error', reject);
  });
}

async function pidsServing(port: number, tries = 12): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add(await healthzPid(port));
  return pids;
}


/** A slow stream over its own connection; resolves `started` at message_start and `done` with everything received. */
function slowStream(port: number, maxTokens: number) {
  let text = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const done = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const body = JSON.stringify({ model: 'slow', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] });
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/claude-local/anthropic/v1/messages', agent: false, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEY1 } },
      (res) => {
        res.setEncoding('utf8').on('data', (c: string) => {
          text += c;
          if (text.includes('message_start')) markStarted();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return { started, done };
}

describe('serve --workers 2', () => {
  let gw: Awaited<ReturnType<typeof startWorkers>>;
  before(async () => {
    gw = await startWorkers(CONFIG, '2');
  });
  after(() => gw.stop());

  test('prints one banner and serves from two worker processes on the same HTTP and HTTPS ports', async () => {
    await sleep(500);
    assert.equal(gw.out().match(/is serving Claude on Microsoft Foundry/g)?.length, 1, gw.out());
    assert.match(gw.out(), new RegExp(`Workers {6}2 processes share these ports \\(primary pid ${gw.child.pid}\\)`));
    const workers = childrenOf(gw.child.pid!);
    assert.equal(workers.length, 2, `the primary's children: ${workers.join(', ')}`);
    assert.deepEqual([...(await pidsServing(gw.port))].sort(), [...workers].sort());
    const ca = readFileSync(join(gw.dataDir, 'ca.pem'));
    const httpsPid = await new Promise<number>((resolve, reject) => {
      httpsGet({ host: '127.0.0.1', port: gw.httpsPort, path: '/healthz', ca, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve((JSON.parse(text) as { pid: number }).pid));
      }).on('error', reject);
    });
    assert.ok(workers.includes(httpsPid), 'a worker answers over HTTPS');
  });

  test("the official SDK's calls succeed on both workers, and every worker's records reach the one request log", async () => {
    const calls = 8;
    const replies = await Promise.all(
      Array.from({ length: calls }, async () => {
        // A client per call: fresh connections, so the primary spreads them over the workers.
        const client = new AnthropicFoundry({ baseURL: `http://127.0.0.1:${gw.port}/claude-local/anthropic`, apiKey: KEY1, maxRetries: 0 });
        return client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] });
      }),
    );
    assert.ok(replies.every((r) => r.type === 'message' && r.stop_reason !== null));
    const ids = new Set(replies.map((r) => r.id));
    // The log writer flushes every 200 ms; the records of both workers are in logs.db, read by whichever answers.
    let logged = 0;
    for (let i = 0; i < 25 && logged < calls; i++) {
      await sleep(200);
      const out = execFileSync(process.execPath, [BIN, 'logs', '--data-dir', gw.dataDir, '--json', '--limit', '100', '--deployment', 'claude-sonnet-4-6'], { encoding: 'utf8' });
      logged = (JSON.parse(out) as { value: Array<{ status: number }> }).value.filter((r) => r.status === 200).length;
    }
    assert.equal(logged, calls, `${ids.size} replies, ${logged} records`);
  });

  test("the workers admit through the primary's one set of buckets: 12 requests at once over both to a deployment of RPM 5 admit exactly 5; /readyz checks the primary", async () => {
    const body = JSON.stringify({ model: 'tight', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] });
    const statuses = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<number>((resolve, reject) => {
            const req = request(
              { host: '127.0.0.1', port: gw.port, method: 'POST', path: '/claude-local/anthropic/v1/messages', agent: false, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEY1 } },
              (res) => {
                res.resume().on('end', () => resolve(res.statusCode ?? 0));
              },
            );
            req.on('error', reject);
            req.end(body);
          }),
      ),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 429).length, 7, statuses.join(' '));
    const ready = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      get({ host: '127.0.0.1', port: gw.port, path: '/readyz', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      }).on('error', reject);
    });
    assert.deepEqual(ready, { status: 200, body: { status: 'ready', checks: { store: 'ok', limits: 'ok' } } });
  });

  test('a key regenerated through one worker is refused by every worker within a second', async () => {
    const call = (key: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] });
        const req = request(
          { host: '127.0.0.1', port: gw.port, method: 'POST', path: '/claude-local/anthropic/v1/messages', agent: false, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key } },
          (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)),
        );
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 4; i++) assert.equal(await call(KEY2), 200);
    execFileSync(process.execPath, [BIN, 'keys', 'regenerate', '--resource', 'claude-local', '--key', 'key2', '--data-dir', gw.dataDir], { encoding: 'utf8' });
    const regenerated = Date.now();
    // Sixteen fresh connections at once are spread by least open connections, so both workers answer some of them
    // (the 8 SDK connections of the test before, spread 4+4, are all either may still hold): all refused is both refusing.
    let refused = false;
    while (!refused && Date.now() - regenerated < 1000) refused = (await Promise.all(Array.from({ length: 16 }, () => call(KEY2)))).every((s) => s === 401);
    assert.ok(refused, `the old key2 was still accepted ${Date.now() - regenerated} ms after the change`);
  });

  test('a worker killed with SIGKILL is replaced while the other keeps serving, and the primary logs it', async () => {
    const [victim, survivor] = childrenOf(gw.child.pid!);
    process.kill(victim!, 'SIGKILL');
    // Once the primary knows (a connection it hands over in the instant of the death is lost: docs/scale-out.md),
    // every connection is served by the survivor.
    for (let i = 0; i < 100 && !gw.stderr().includes(`"workerPid":${victim}`); i++) await sleep(20);
    for (let i = 0; i < 5; i++) assert.equal(await healthzPid(gw.port), survivor);
    let workers: number[] = [];
    for (let i = 0; i < 100 && workers.length < 2; i++) {
      await sleep(100);
      workers = childrenOf(gw.child.pid!);
    }
    assert.equal(workers.length, 2);
    assert.ok(!workers.includes(victim!));
    // The primary hands a new connection to the worker with the fewest open (process/dealer.ts): the survivor may still
    // hold keep-alive connections of the tests before, so fresh ones go to the replacement once it serves.
    const replacement = workers.find((pid) => pid !== survivor);
    let served = false;
    for (let i = 0; i < 60 && !served; i++) {
      served = (await healthzPid(gw.port)) === replacement;
      if (!served) await sleep(200);
    }
    assert.ok(served, 'the replacement serves');
    assert.match(gw.stderr(), new RegExp(`"workerPid":${victim},"code":null,"signal":"SIGKILL","restartInMs":100,"msg":"worker \\d exited unexpectedly \\(signal SIGKILL\\); restarting it in 100 ms"`));
  });

  test('SIGTERM: a stream in flight finishes with message_stop, new connections are refused, the gateway exits 0', async () => {
    // About 1.5 s of streaming.
    const stream = slowStream(gw.port, 60);
    await stream.started;
    gw.child.kill('SIGTERM');
    let outcome = '';
    for (let i = 0; i < 40 && outcome !== 'ECONNREFUSED'; i++) {
      await sleep(25);
      outcome = await connectOutcome(gw.port);
    }
    assert.equal(outcome, 'ECONNREFUSED', 'the port is closed while the stream still runs');
    const { status, text } = await stream.done;
    assert.equal(status, 200);
    assert.match(text, /event: message_stop/);
    assert.equal(await exited(gw.child), 0, `the exit code; the gateway's stderr ends:\n${gw.stderr().slice(-3000)}`);
    assert.match(gw.out(), /shutting down, letting requests in flight finish for up to 30 s/);
    assert.deepEqual(childrenOf(gw.child.pid!), []);
  });
});

describe('serve --workers: failures', () => {
  test('workers dying five times within a minute is a crash loop: the gateway stops, exit 1, saying why', async () => {
    const gw = await startWorkers(CONFIG, '2');
    try {
      const primary = gw.child.pid!;
      for (let round = 0; round < 10 && gw.child.exitCode === null; round++) {
        const workers = childrenOf(primary);
        for (const pid of workers) process.kill(pid, 'SIGKILL');
        // Until the primary forks their replacements (or gives up).
        for (let i = 0; i < 100 && gw.child.exitCode === null && childrenOf(primary).every((p) => workers.includes(p)); i++) await sleep(50);
      }
      assert.equal(await exited(gw.child), 1);
      assert.match(gw.stderr(), /claude-foundry is stopping: workers exited 5 times within 60 s \(the last: worker \d, pid \d+, signal SIGKILL\): a crash loop/);
    } finally {
      gw.stop();
    }
  });

  test('a port in use stops the start with the one-line reason and exit 1 before any worker is forked', async () => {
    const holder = await new Promise<Server>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (holder.address() as AddressInfo).port;
    const paths = setup(CONFIG);
    try {
      const r = spawnSync(process.execPath, [BIN, 'serve', '--workers', '2', '--port', String(port), '--https-port', '0', '--config', paths.config, '--data-dir', paths.dataDir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`claude-foundry: the port ${port} is already in use`));
      // The primary listens before it forks: no worker was started, so none is left behind.
      assert.doesNotMatch(r.stderr, /worker/);
    } finally {
      holder.close();
      rmSync(paths.dir, { recursive: true, force: true });
    }
  });

  test('--workers and the config\'s workers refuse what is not 1–1024 or "auto"', () => {
    const paths = setup(CONFIG);
    try {
      for (const value of ['0', 'two', '1025']) {
        const r = spawnSync(process.execPath, [BIN, 'serve', '--workers', value, '--config', paths.config, '--data-dir', paths.dataDir], { encoding: 'utf8', timeout: 30_000 });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stderr, `claude-foundry: serve: --workers must be a whole number from 1 to 1024, or 'auto' for one per core, not '${value}'.\n`);
      }
      const r = spawnSync(process.execPath, [BIN, 'serve', '--config', paths.config, '--data-dir', paths.dataDir], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CLAUDE_FOUNDRY_WORKERS: 'many' } });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /workers/);
      const drain = spawnSync(process.execPath, [BIN, 'serve', '--drain-ms', 'soon', '--data-dir', paths.dataDir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(drain.status, 2, drain.stderr);
      assert.match(drain.stderr, /--drain-ms must be a whole number of milliseconds from 0 to 3600000, not 'soon'/);
    } finally {
      rmSync(paths.dir, { recursive: true, force: true });
    }
  });
});
