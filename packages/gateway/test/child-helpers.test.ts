// The test helpers that start child processes leave none behind when a start fails: not ready in time, exited first,
// or output that cannot be read — the child is killed and the error carries what it printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { ChildNotReady, startAll, stopChild, untilReady } from './child-helpers.ts';

/** A Node child that prints `lines` (one every 10 ms), then idles forever unless `exitCode` is given. */
function child(lines: string[], exitCode?: number) {
  const script = `const l = ${JSON.stringify(lines)}; let i = 0; const t = setInterval(() => { if (i < l.length) console.log(l[i++]); else if (${exitCode ?? 'undefined'} !== undefined) process.exit(${exitCode ?? 0}); }, 10);`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('resolves with what the ready check reads, and leaves the child running', async () => {
  const c = child(['booting', '{"port": 1234}']);
  try {
    const port = await untilReady(c, (out) => (out.includes('port') ? (JSON.parse(out.split('\n')[1]!) as { port: number }).port : undefined), { what: 'fixture', timeoutMs: 10_000 });
    assert.equal(port, 1234);
    assert.equal(c.exitCode, null);
  } finally {
    await stopChild(c);
  }
  assert.equal(c.signalCode, 'SIGKILL');
});

test('a child not ready in time is killed, and the error has its output', async () => {
  const c = child(['still booting']);
  const err = await untilReady(c, (out) => (out.includes('ready') ? true : undefined), { what: 'fixture', timeoutMs: 3000 }).catch((e: unknown) => e);
  assert.ok(err instanceof ChildNotReady);
  assert.match(err.message, /^fixture: not ready within 3000 ms: /);
  if (c.exitCode === null && c.signalCode === null) await once(c, 'exit');
  assert.equal(c.signalCode, 'SIGKILL');
});

test('a child that exits first gives its exit code; output that cannot be read kills the child', async () => {
  const exited = await untilReady(child(['bad config'], 3), (out) => (out.includes('ready') ? true : undefined), { what: 'fixture', timeoutMs: 10_000 }).catch((e: unknown) => e);
  assert.ok(exited instanceof ChildNotReady);
  assert.equal(exited.exitCode, 3);
  assert.match(exited.output, /bad config/);

  const c = child(['{not json']);
  const unread = await untilReady(c, (out) => JSON.parse(out) as unknown, { what: 'fixture', timeoutMs: 10_000 }).catch((e: unknown) => e);
  assert.ok(unread instanceof ChildNotReady);
  assert.match(unread.message, /its output could not be read/);
  if (c.exitCode === null && c.signalCode === null) await once(c, 'exit');
  assert.equal(c.signalCode, 'SIGKILL');
});

test('startAll stops the children that started when another did not', async () => {
  const good = child(['ready']);
  const bad = child([], 1);
  const err = await startAll(
    [untilReady(good, (o) => (o.includes('ready') ? good : undefined), { what: 'good', timeoutMs: 10_000 }), untilReady(bad, (o) => (o ? bad : undefined), { what: 'bad', timeoutMs: 10_000 })],
    (c) => stopChild(c),
  ).catch((e: unknown) => e);
  assert.ok(err instanceof ChildNotReady);
  assert.match(err.message, /^bad: exited \(1\)/);
  assert.equal(good.signalCode, 'SIGKILL', 'the one that started was stopped');
});
