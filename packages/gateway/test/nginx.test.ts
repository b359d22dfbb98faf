// deploy/nginx.conf, the file compose.yaml mounts, run by Debian's nginx in front of three real gateway processes
// (the `claude-foundry serve` binary, one data folder): round-robin reaches all three; a replica killed with
// SIGKILL under load leaves the others serving with no 5xx for what they received, a POST that was in flight on
// the killed one gets nginx's 502, GETs are retried elsewhere, and the survivors' records are all in the log.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startAll, stopChild, untilReady } from './child-helpers.ts';
import { localNginxConf } from './nginx-conf.ts';
import { freePort } from './services/free-port.ts';

const NGINX = '/usr/sbin/nginx';
const BIN = fileURLToPath(new URL('../../cli/bin/claude-foundry.js', import.meta.url));
const KEY1 = 'nginx-test-key-one-0123456789';

interface Replica {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

async function startReplica(config: string, dataDir: string): Promise<Replica> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--data-dir', dataDir, '--port', String(port), '--https-port', '0'], { env: { ...process.env, CLAUDE_FOUNDRY_LOG_LEVEL: 'warn' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // A replica that exits or prints no banner within 60 s is killed; the error has what it printed.
  await untilReady(child, (out) => (out.includes('Ctrl+C') ? true : undefined), { what: 'a replica', timeoutMs: 60_000, stderr: true });
  return { child, port, stderr: () => stderr };
}

interface Outcome {
  method: string;
  status: number;
  body: string;
  requestId: string | undefined;
}

function call(agent: Agent, port: number, method: 'GET' | 'POST', path: string, body?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': KEY1 } : {};
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ method, status: res.statusCode ?? 0, body: text, requestId: res.headers['request-id'] as string | undefined }));
      res.on('error', (err) => resolve({ method, status: -1, body: err.message, requestId: undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', (err) => resolve({ method, status: -1, body: err.message, requestId: undefined }));
    req.end(body);
  });
}

const healthzPid = async (agent: Agent, port: number) => (JSON.parse((await call(agent, port, 'GET', '/healthz')).body) as { pid: number }).pid;

/** An access-log line: the last upstream tried and its status (nginx lists every one tried, comma-separated). */
function accessLines(dir: string) {
  return readFileSync(join(dir, 'access.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const upstreams = /upstream=(\S+(?:, \S+)*) upstream_status=/.exec(line)?.[1]?.split(', ') ?? [];
      const statuses = /upstream_status=(\S+(?:, \S+)*) request_id=/.exec(line)?.[1]?.split(', ') ?? [];
      return { line, method: /"(\w+) /.exec(line)?.[1], status: Number(/" (\d{3}) /.exec(line)?.[1]), upstream: upstreams.at(-1), upstreamStatus: statuses.at(-1), requestId: /request_id=(\S+)/.exec(line)?.[1] };
    });
}

describe('nginx in front of three replicas (deploy/nginx.conf)', () => {
  let dir: string;
  let replicas: Replica[] = [];
  let nginx: ChildProcess | undefined;
  let nginxPort: number;
  let nginxErr = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cf-nginx-'));
    chmodSync(dir, 0o755); // nginx's workers run as an unprivileged user when the test runs as root
    const config = join(dir, 'claude-foundry.json');
    const resources = [{ name: 'claude-local', keys: { key1: KEY1, key2: 'nginx-test-key-two-0123456789' }, deployments: [{ name: 'claude-sonnet-4-6', simulator: { ttftMs: 40 } }] }];
    writeFileSync(config, JSON.stringify({ resources, subscriptionType: 'enterprise', trustedProxies: ['127.0.0.1'] }));
    const dataDir = join(dir, 'data');
    // The first sets up the empty data folder; the other two find it made (as `serve --workers` does).
    replicas = [await startReplica(config, dataDir)];
    replicas.push(...(await startAll([startReplica(config, dataDir), startReplica(config, dataDir)], (r) => stopChild(r.child))));
    nginxPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), localNginxConf(dir, nginxPort, replicas.map((r) => r.port)));
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
    nginx.stderr!.setEncoding('utf8').on('data', (c: string) => (nginxErr += c));
    for (let i = 0; i < 100; i++) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited ${nginx.exitCode}: ${nginxErr}`);
      if ((await call(agent, nginxPort, 'GET', '/nginx-health')).status === 200) break;
      await sleep(100);
    }
  });

  after(async () => {
    agent.destroy();
    nginx?.kill('SIGTERM');
    await Promise.all(
      [nginx, ...replicas.map((r) => r.child)].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test('round-robin reaches all three replicas, and the Messages API answers through nginx', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 12; i++) pids.add(await healthzPid(agent, nginxPort));
    assert.deepEqual([...pids].sort(), replicas.map((r) => r.child.pid).sort());
    const reply = await call(agent, nginxPort, 'POST', '/claude-local/anthropic/v1/messages', JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(reply.status, 200, reply.body);
  });

  test('a replica killed with SIGKILL under load: the others keep serving with no 5xx, an in-flight POST on it gets 502, nothing they answered is missing from the log', async (t) => {
    const victim = replicas[1]!;
    const survivors = [replicas[0]!, replicas[2]!].map((r) => `127.0.0.1:${r.port}`);
    const outcomes: Outcome[] = [];
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'Hello from the load test' }] });
    const until = Date.now() + 3000;
    const loop = async (method: 'GET' | 'POST') => {
      while (Date.now() < until) outcomes.push(await (method === 'POST' ? call(agent, nginxPort, 'POST', '/claude-local/anthropic/v1/messages', body) : call(agent, nginxPort, 'GET', '/readyz')));
    };
    const load = Promise.all([...Array.from({ length: 8 }, () => loop('POST')), loop('GET'), loop('GET')]);
    await sleep(1000);
    victim.child.kill('SIGKILL');
    await load;

    const posts = outcomes.filter((o) => o.method === 'POST');
    assert.ok(posts.length > 50, `a real load: ${posts.length} POSTs`);
    assert.deepEqual(outcomes.filter((o) => o.method === 'GET' && o.status !== 200), [], 'GETs are retried on another replica');
    const failed = posts.filter((o) => o.status !== 200);
    for (const o of failed) {
      assert.equal(o.status, 502, `only nginx's 502, got ${o.status}: ${o.body.slice(0, 200)}`);
      assert.match(o.body, /502 Bad Gateway/);
    }
    assert.ok(failed.length <= 16, `at most the requests in flight on the killed replica: ${failed.length}`);

    await sleep(300); // nginx writes its access log line when a request ends
    const lines = accessLines(dir).filter((l) => l.method === 'POST' && l.line.includes('/anthropic/v1/messages'));
    const answeredBySurvivors = lines.filter((l) => survivors.includes(l.upstream ?? ''));
    assert.ok(answeredBySurvivors.length > 0);
    assert.deepEqual(answeredBySurvivors.filter((l) => l.status !== 200 || l.upstreamStatus !== '200').map((l) => l.line), [], 'no 5xx from a survivor');
    const fromVictim = lines.filter((l) => l.upstream === `127.0.0.1:${victim.port}` && l.status === 502);
    assert.equal(fromVictim.length, failed.length, 'every 502 is a request that was on the killed replica');
    t.diagnostic(`${posts.length} POSTs: ${failed.length} got nginx's 502 (in flight on the killed replica); ${answeredBySurvivors.length} answered by the survivors, all 200`);

    // The survivors flush every 200 ms: each request they answered is in the request log (the killed one may
    // lose what it had not flushed: at most monitoring.flushRecords).
    await sleep(1000);
    const db = new DatabaseSync(join(dir, 'data', 'logs.db'), { readOnly: true });
    try {
      assert.equal(Object.values(db.prepare('PRAGMA quick_check').get()!)[0], 'ok');
      const has = db.prepare('SELECT 1 FROM request_log WHERE request_id = ?');
      const missing = answeredBySurvivors.filter((l) => l.requestId && has.get(l.requestId) === undefined);
      assert.deepEqual(missing.map((l) => l.line), []);
    } finally {
      db.close();
    }
    const store = new DatabaseSync(join(dir, 'data', 'claude-foundry.db'), { readOnly: true });
    try {
      assert.equal(Object.values(store.prepare('PRAGMA quick_check').get()!)[0], 'ok');
    } finally {
      store.close();
    }

    // nginx took the killed replica out (max_fails=1): round-robin now reaches the other two only.
    const pids = new Set<number>();
    for (let i = 0; i < 8; i++) pids.add(await healthzPid(agent, nginxPort));
    assert.deepEqual([...pids].sort(), [replicas[0]!.child.pid, replicas[2]!.child.pid].sort());
  });
});
