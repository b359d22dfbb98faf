// `serve --workers 2` spreads connections by least open connections (process/dealer.ts): 32 keep-alive connections
// opened at once land 16 on each worker; a connection closed on one worker sends the next new one there; a killed
// worker's connections stop counting; HTTPS alike; and the per-address cap still sees the client's address.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { childrenOf, startWorkers } from './workers-helper.ts';

/** Per worker, at most this many connections from one address: 48 at once over two workers leave 8 refused. */
const CAP = 20;
const KEY = 'workers-spread-key-0123456789abcdef';
const CONFIG = {
  subscriptionType: 'enterprise',
  resources: [{ name: 'claude-local', keys: { key1: KEY, key2: `${KEY}-2` }, deployments: [{ name: 'claude-sonnet-4-6' }, { name: 'slow', model: 'claude-haiku-4-5', simulator: { ttftMs: 100, tokensPerSecond: 40 } }] }],
  connections: { maxPerAddress: CAP },
};
/** Long enough for a worker to see a client's close and report it to the primary, on a busy machine too. */
const REPORTED_MS = 1000;

interface Held {
  socket: Socket;
  /** The /healthz answer's status; 0 when the connection closed without one. */
  status: number;
  /** The worker holding the connection (its /healthz answer); undefined when it was refused or dropped. */
  pid: number | undefined;
}

/** Opens `count` connections at once, then asks /healthz on each, keeping every one open (keep-alive). */
async function hold(port: number, count: number, ca?: Buffer): Promise<Held[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
      const socket: Socket = ca ? tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(socket)) : netConnect({ host: '127.0.0.1', port }, () => resolve(socket));
      socket.once('error', reject);
    })),
  );
  return Promise.all(sockets.map((socket) => ask(socket)));
}

function ask(socket: Socket): Promise<Held> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no answer within 20 s: ${text}`)), 20_000);
    const done = () => {
      const head = /^HTTP\/1\.1 (\d+)[^]*?\r\ncontent-length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(text);
      if (!head || text.length < head[0].length + Number(head[2])) return;
      clearTimeout(timer);
      socket.off('data', onData);
      const body = JSON.parse(text.slice(head[0].length, head[0].length + Number(head[2]))) as { pid?: number };
      resolve({ socket, status: Number(head[1]), pid: body.pid });
    };
    const onData = (chunk: string) => {
      text += chunk;
      done();
    };
    socket.setEncoding('utf8').on('data', onData);
    socket.on('error', () => {});
    // Closed before an answer (a worker that took it and dropped it): status 0.
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ socket, status: 0, pid: undefined });
    });
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** TCP_NODELAY (0 or 1) of the socket process `pid` holds whose peer is 127.0.0.1:`peerPort`, read through a copy of its descriptor. */
function noDelayOf(pid: number, peerPort: number): number {
  const script = `
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
pid, port = int(sys.argv[1]), int(sys.argv[2])
pidfd = libc.syscall(434, pid, 0)  # pidfd_open
assert pidfd >= 0, os.strerror(ctypes.get_errno())
for name in os.listdir(f"/proc/{pid}/fd"):
    try:
        if not os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:"): continue
    except OSError: continue
    fd = libc.syscall(438, pidfd, int(name), 0)  # pidfd_getfd
    assert fd >= 0, os.strerror(ctypes.get_errno())
    s = socket.socket(fileno=fd)
    try:
        if s.family == socket.AF_INET and s.type == socket.SOCK_STREAM and s.getpeername() == ("127.0.0.1", port):
            print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)); sys.exit(0)
    except OSError: pass
    finally: s.close()
sys.exit("no socket with that peer")
`;
  return Number(execFileSync('python3', ['-c', script, String(pid), String(peerPort)], { encoding: 'utf8' }).trim());
}

function countByPid(held: readonly Held[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const h of held) if (h.pid !== undefined) counts.set(h.pid, (counts.get(h.pid) ?? 0) + 1);
  return counts;
}

async function release(held: readonly Held[]): Promise<void> {
  for (const h of held) h.socket.destroy();
  await sleep(REPORTED_MS);
}

describe('serve --workers 2: least connections', () => {
  let gw: Awaited<ReturnType<typeof startWorkers>>;
  before(async () => {
    gw = await startWorkers(CONFIG, '2');
  });
  after(() => gw.stop());

  test('32 keep-alive connections opened at once: 16 on each worker; a close on one worker sends the next new connections there', async () => {
    const held = await hold(gw.port, 32);
    const counts = countByPid(held);
    assert.deepEqual([...counts.values()], [16, 16], `the spread: ${JSON.stringify([...counts])}`);
    assert.deepEqual([...counts.keys()].sort(), childrenOf(gw.child.pid!).sort());
    const [a, b] = [...counts.keys()];
    // Three closed on worker a: the three next connections, opened at once, all go to a.
    const closing = held.filter((h) => h.pid === a).slice(0, 3);
    await release(closing);
    const next = await hold(gw.port, 3);
    assert.deepEqual(next.map((h) => h.pid), [a, a, a]);
    // Both at 16 again: the next two go one to each.
    const two = await hold(gw.port, 2);
    assert.deepEqual(two.map((h) => h.pid).sort(), [a, b].sort());
    await release([...held, ...next, ...two]);
  });

  test('over HTTPS too: 32 TLS connections opened at once, 16 on each worker; three closed on one send the next three there', async () => {
    const ca = readFileSync(join(gw.dataDir, 'ca.pem'));
    const held = await hold(gw.httpsPort, 32, ca);
    assert.ok(held.every((h) => h.status === 200));
    const counts = countByPid(held);
    assert.deepEqual([...counts.values()], [16, 16]);
    const [, b] = [...counts.keys()];
    await release(held.filter((h) => h.pid === b).slice(0, 3));
    const next = await hold(gw.httpsPort, 3, ca);
    assert.deepEqual(next.map((h) => h.pid), [b, b, b]);
    await release([...held, ...next]);
  });

  // TCP_NODELAY is a socket's own option, kept when the primary hands it over: the primary's listener must set it, as
  // node:http's servers do at accept, or Nagle's algorithm holds a response's second write for the client's ACK.
  // Read from the worker's own descriptor (pidfd_getfd, Linux 5.6+, root or ptrace rights), matched by the peer port.
  test('handed connections have Nagle off (TCP_NODELAY), over HTTP and HTTPS', { skip: process.platform !== 'linux' }, async () => {
    const ca = readFileSync(join(gw.dataDir, 'ca.pem'));
    for (const held of [await hold(gw.port, 1), await hold(gw.httpsPort, 1, ca)]) {
      const [{ socket, pid }] = held as [Held];
      assert.equal(noDelayOf(pid!, socket.localPort!), 1, `TCP_NODELAY on the worker's socket (pid ${pid}, client port ${socket.localPort})`);
      await release(held);
    }
  });

  test("each worker holds the client's address to the per-address cap: 48 at once over two workers of cap 20 admit 40, refuse 8 with 429", async () => {
    const held = await hold(gw.port, 48);
    assert.deepEqual([...countByPid(held).values()], [CAP, CAP]);
    assert.equal(held.filter((h) => h.status === 429).length, 8);
    await release(held);
  });

  test('a worker sent SIGTERM alone drains and gets no new connections: 8 opened after it all answer, from the others', async () => {
    // A slow stream keeps the worker draining (alive, its channel open) while the new connections arrive.
    const [streaming] = await hold(gw.port, 1);
    const draining = streaming!.pid;
    const body = JSON.stringify({ model: 'slow', max_tokens: 400, stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] });
    streaming!.socket.write(`POST /claude-local/anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\nx-api-key: ${KEY}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await new Promise<void>((resolve) => streaming!.socket.once('data', () => resolve()));
    process.kill(draining!, 'SIGTERM');
    await sleep(REPORTED_MS);
    assert.ok(childrenOf(gw.child.pid!).includes(draining!), 'the draining worker is still finishing its stream');
    const next = await hold(gw.port, 8);
    assert.deepEqual(next.map((h) => h.status), Array(8).fill(200));
    assert.ok(next.every((h) => h.pid !== draining), `served by ${next.map((h) => h.pid).join(', ')}; the draining worker was ${draining}`);
    await release([...next, streaming!]);
    // Its replacement serves before the next test counts connections.
    let workers: number[] = [];
    for (let i = 0; i < 300 && workers.filter((pid) => pid !== draining).length < 2; i++) {
      await sleep(100);
      workers = childrenOf(gw.child.pid!);
    }
    for (let i = 0; i < 300; i++) {
      const [probe] = await hold(gw.port, 1);
      probe!.socket.destroy();
      if (probe!.pid !== next[0]!.pid) break;
      await sleep(100);
    }
    await sleep(REPORTED_MS);
  });

  test("a killed worker's connections stop counting: its replacement takes the next connections until it holds as many", async () => {
    const held = await hold(gw.port, 32);
    const counts = countByPid(held);
    assert.deepEqual([...counts.values()], [16, 16]);
    const [victim, survivor] = [...counts.keys()];
    process.kill(victim!, 'SIGKILL');
    let replacement: number | undefined;
    for (let i = 0; i < 300 && replacement === undefined; i++) {
      await sleep(100);
      replacement = childrenOf(gw.child.pid!).find((pid) => pid !== victim && pid !== survivor);
    }
    assert.ok(replacement, 'a replacement was forked');
    // Until the replacement serves, the survivor takes new connections; the first probe it answers proves it serves.
    let served = false;
    for (let i = 0; i < 300 && !served; i++) {
      const [probe] = await hold(gw.port, 1);
      served = probe!.pid === replacement;
      probe!.socket.destroy();
      if (!served) await sleep(100);
    }
    assert.ok(served, 'the replacement serves');
    await sleep(REPORTED_MS);
    const next = await hold(gw.port, 16);
    assert.deepEqual(next.map((h) => h.pid), Array(16).fill(replacement), 'the victim\'s 16 no longer count: all 16 go to the replacement');
    const two = await hold(gw.port, 2);
    assert.deepEqual(two.map((h) => h.pid).sort(), [replacement, survivor].sort());
    await release([...held, ...next, ...two]);
  });
});
