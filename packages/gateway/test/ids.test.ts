// The id generators: Anthropic's and Azure's shapes, and the time order that keeps the request log's
// id indexes growing at their end.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { newGuid, newRequestId, newTimeOrderedGuid } from '../src/ids/index.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('request ids have the shape of Anthropic request ids and are unique', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = newRequestId();
    assert.match(id, /^req_011C[1-9A-HJ-NP-Za-km-z]{20}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 10_000);
});

test('request ids and apim-request-ids made later sort later', async () => {
  const first = [newRequestId(), newTimeOrderedGuid()];
  await sleep(3);
  const second = [newRequestId(), newTimeOrderedGuid()];
  assert.ok(first[0]! < second[0]!, `${first[0]} < ${second[0]}`);
  assert.ok(first[1]! < second[1]!, `${first[1]} < ${second[1]}`);
});

test('apim-request-ids are version 7 GUIDs carrying the time; other GUIDs stay version 4', () => {
  const before = Date.now();
  const id = newTimeOrderedGuid();
  assert.match(id, GUID);
  assert.equal(id[14], '7');
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.ok(ms >= before && ms <= Date.now(), `embedded time ${ms}`);
  const ids = new Set(Array.from({ length: 10_000 }, () => newTimeOrderedGuid()));
  assert.equal(ids.size, 10_000);
  const guid = newGuid();
  assert.match(guid, GUID);
  assert.equal(guid[14], '4');
});
