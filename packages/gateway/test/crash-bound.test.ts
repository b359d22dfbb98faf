// What a kill -9 loses (issue 13 item 11): a real gateway process under 50-way load is killed five times; after each
// kill, the requests it answered are compared with the records logs.db holds after a restart. Every record lost must
// belong to a request answered within the documented window before the kill, and their number stay under the bound.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stopChild, untilReady } from './child-helpers.ts';
import { HELLO } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FIXTURE = fileURLToPath(new URL('./fixtures/serve-until-killed.ts', import.meta.url));
const KILLS = 5;
const CONCURRENCY = 50;
const LOAD_MS = 1500;
const MAX_LOAD_MS = 4000;
const MIN_ANSWERED = 400;
/**
 * The documented bound (docs/monitoring.md): the flush interval (200 ms) plus the time to commit what it gathered,
 * about half a second; 600 ms leaves room for a machine loaded by other work (measured up to 472 ms at load 20 on
 * 2 cores). A worker starved of CPU (nice 19) lost records 644 to 862 ms old.
 */
const WINDOW_MS = 600;
/** flushRecords (500) waiting, plus a batch being committed. */
const MAX_LOST = 1000;

interface Served {
  child: ReturnType<typeof spawn>;
  port: number;
  key: string;
  resource: string;
}

async function serve(dataDir: string): Promise<Served> {
  // Node's compile cache, as the launcher uses it: the second start on does not strip TypeScript again.
  const child = spawn(process.execPath, [FIXTURE, dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_COMPILE_CACHE: join(root, 'compile-cache') } });
  // Its first line says where it listens; a start that fails kills it (else it would hold the test process open).
  const ready = (out: string) => (out.includes('\n') ? (JSON.parse(out.split('\n')[0]!) as Omit<Served, 'child'>) : undefined);
  const info = await untilReady(child, ready, { what: 'the gateway', timeoutMs: 20_000 });
  return { child, ...info };
}

/** Keeps CONCURRENCY requests in flight until `stop`; each answered request's id and the time its answer ended. */
function load(s: Served, stop: { now: boolean }, answered: Map<string, number>): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const body = JSON.stringify(HELLO);
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: s.port, method: 'POST', path: `/${s.resource}/anthropic/v1/messages`, agent,
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': s.key } },
        (res) => {
          res.resume();
          res.on('end', () => {
            // Every answer is logged, a 429 from the deployment's rate limit as much as a 200.
            answered.set(String(res.headers['request-id']), Date.now());
            resolve();
          });
          res.on('error', () => resolve());
        },
      );
      req.on('error', () => resolve()); // the kill cut it short
      req.end(body);
    });
  const worker = async () => {
    while (!stop.now) await one();
  };
  return Promise.all(Array.from({ length: CONCURRENCY }, worker)).then(() => agent.destroy());
}

test(`kill -9 under ${CONCURRENCY}-way load, ${KILLS} times: only records answered in the last ${WINDOW_MS} ms are lost, at most ${MAX_LOST}`, async (t) => {
  const dataDir = join(root, 'data');
  const figures: string[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    const started = Date.now();
    const s = await serve(dataDir);
    figures.push(`start ${Date.now() - started} ms`);
    const stop = { now: false };
    const answered = new Map<string, number>();
    let killedAt: number;
    try {
      const loading = load(s, stop, answered);
      // LOAD_MS of load, longer (up to MAX_LOAD_MS) while fewer than MIN_ANSWERED came back on a busy machine.
      const loadStart = Date.now();
      while (Date.now() - loadStart < LOAD_MS || (answered.size < MIN_ANSWERED && Date.now() - loadStart < MAX_LOAD_MS)) await new Promise((r) => setTimeout(r, 50));
      killedAt = Date.now();
      await stopChild(s.child);
      stop.now = true;
      await loading;
    } finally {
      stop.now = true;
      await stopChild(s.child);
    }

    // What a restart finds: the database opened as the next gateway would (the WAL replayed).
    const db = new DatabaseSync(join(dataDir, 'logs.db'));
    const stored = new Set((db.prepare('SELECT request_id FROM request_log').all() as Array<{ request_id: string }>).map((r) => r.request_id));
    db.close();
    const lost = [...answered].filter(([id]) => !stored.has(id));
    const oldest = lost.reduce((max, [, at]) => Math.max(max, killedAt - at), 0);
    figures.push(`kill ${kill}: ${answered.size} answered, ${lost.length} lost, the oldest answered ${oldest} ms before the kill`);
    assert.ok(answered.size >= MIN_ANSWERED / 4, `the load ran: ${figures.at(-1)}`);
    assert.ok(lost.length <= MAX_LOST, figures.at(-1));
    assert.ok(oldest <= WINDOW_MS, figures.at(-1));
  }
  t.diagnostic(figures.join('; '));
});
