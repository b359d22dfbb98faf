// The SSE reader `chat` uses: events come out whole whatever the chunking, in order, as soon as they end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ServerSentEvent, serverSentEvents } from '../src/sse.ts';

async function read(chunks: Array<Uint8Array | string>): Promise<ServerSentEvent[]> {
  const out: ServerSentEvent[] = [];
  for await (const e of serverSentEvents((async function* () { yield* chunks; })())) out.push(e);
  return out;
}

const stream = 'event: message_start\ndata: {"a":1}\n\n: keep-alive\n\nevent: content_block_delta\r\ndata: {"text":"héllo ✓"}\r\n\r\ndata: first\ndata:second\n\n';
const expected = [
  { event: 'message_start', data: '{"a":1}' },
  { event: 'content_block_delta', data: '{"text":"héllo ✓"}' },
  { event: 'message', data: 'first\nsecond' },
];

test('events split at every byte, mid-character and between CR and LF, come out whole and in order', async () => {
  const bytes = Buffer.from(stream);
  assert.deepEqual(await read([bytes]), expected);
  assert.deepEqual(await read([...bytes].map((b) => Uint8Array.of(b))), expected);
});

test('an event is yielded when its blank line arrives, before the stream ends; an unfinished one never is', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of serverSentEvents((async function* () {
      yield 'event: ping\ndata: 1\n\n';
      await gate;
      yield 'event: cut\ndata: 2\n';
    })())) seen.push(e.event);
  })();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ['ping']);
  release();
  await done;
  assert.deepEqual(seen, ['ping']);
});
