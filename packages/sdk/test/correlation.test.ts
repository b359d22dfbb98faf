// correlationIds(): the `request-id` and `apim-request-id` a Foundry support case asks for, from a message, a stream or an error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIError, AnthropicFoundry, RateLimitError, correlationIds } from '../src/index.ts';
import { HELLO, IDS, MESSAGE, STREAM_EVENTS, startRecorder, type Recorder } from './helpers.ts';

const BOTH = { requestId: IDS['request-id'], apimRequestId: IDS['apim-request-id'] };

let server: Recorder;
let client: AnthropicFoundry;
before(async () => {
  server = await startRecorder();
  client = new AnthropicFoundry({ baseURL: `${server.url}/r/anthropic`, apiKey: 'k', maxRetries: 0 });
});
after(() => server.close());

describe('correlationIds', () => {
  test('reads both IDs from a Message returned by create()', async () => {
    const message = await client.messages.create(HELLO);
    assert.deepEqual(correlationIds(message), BOTH);
    assert.equal(message._request_id, IDS['request-id']);
  });

  test('adds _apim_request_id beside the core _request_id, both non-enumerable, so the body serializes unchanged', async () => {
    const message = await client.messages.create(HELLO);
    assert.equal((message as unknown as Record<string, unknown>)['_apim_request_id'], IDS['apim-request-id']);
    assert.deepEqual(Object.keys(message), Object.keys(MESSAGE));
    assert.deepEqual(JSON.parse(JSON.stringify(message)), MESSAGE);
  });

  test('reads them from countTokens() and from withResponse()', async () => {
    assert.deepEqual(correlationIds(await client.messages.countTokens({ model: HELLO.model, messages: HELLO.messages })), BOTH);
    const { data, response, request_id } = await client.messages.create(HELLO).withResponse();
    assert.equal(request_id, IDS['request-id']);
    assert.deepEqual(correlationIds(data), BOTH);
    assert.deepEqual(correlationIds(response), BOTH);
  });

  test('reads them from a MessageStream once it has connected', async () => {
    server.queue.push({ sse: STREAM_EVENTS });
    const stream = client.messages.stream(HELLO);
    assert.deepEqual(correlationIds(stream), { requestId: null, apimRequestId: null });
    const message = await stream.finalMessage();
    assert.equal(message.content[0]?.type === 'text' && message.content[0].text, 'Hello!');
    assert.deepEqual(correlationIds(stream), BOTH);
    assert.equal(stream.request_id, IDS['request-id']);
  });

  test('reads them from the Stream that create({ stream: true }) returns', async () => {
    server.queue.push({ sse: STREAM_EVENTS });
    const stream = await client.messages.create({ ...HELLO, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types.at(-1), 'message_stop');
    assert.deepEqual(correlationIds(stream as object), BOTH);
  });

  test('reads them from an APIError', async () => {
    server.queue.push({ status: 429, headers: { 'retry-after': '1' }, json: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
    const err = await client.messages.create(HELLO).catch((e: unknown) => e);
    assert.ok(err instanceof RateLimitError);
    assert.deepEqual(correlationIds(err), BOTH);
  });

  test('reads them from an error sent mid-stream', async () => {
    server.queue.push({ sse: [STREAM_EVENTS[0]!, { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
    const err = await client.messages.stream(HELLO).finalMessage().catch((e: unknown) => e);
    assert.ok(err instanceof APIError);
    assert.equal(err.status, undefined);
    assert.deepEqual(correlationIds(err), BOTH);
  });

  test('answers null for an ID the response did not carry, and for values it cannot read', async () => {
    server.queue.push({ json: MESSAGE, headers: { 'apim-request-id': '' } });
    assert.deepEqual(correlationIds(await client.messages.create(HELLO)), { requestId: IDS['request-id'], apimRequestId: null });
    assert.deepEqual(correlationIds(undefined), { requestId: null, apimRequestId: null });
    assert.deepEqual(correlationIds({}), { requestId: null, apimRequestId: null });
    assert.deepEqual(correlationIds(new APIError(undefined, undefined, 'no response', undefined)), { requestId: null, apimRequestId: null });
  });
});
