// The pieces of a passthrough: the model splice on raw bytes, SSE framing into whole events, and the
// usage tapped on the side (message_start + cumulative message_delta, cache writes 5m/1h and reads),
// exposed on the reply as a promise for monitoring.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAnthropicBackend } from '../src/backends/anthropic/index.ts';
import { testCall, testDeployment } from './simulator-helpers.ts';
import { UpstreamPool } from '../src/backends/upstream/pool.ts';
import { replaceModel } from '../src/backends/upstream/splice.ts';
import { SseTap } from '../src/backends/upstream/sse.ts';
import { countTextTokens } from '../src/tokens/count.ts';
import { Secret } from '../src/config/secret.ts';
import { MOCK_USAGE, MockUpstream } from './fixtures/mock-upstream.ts';

describe('replacing the model in the raw body', () => {
  const cases: Array<[string, string, string]> = [
    ['plain', '{"model":"d","max_tokens":1}', '{"model":"up","max_tokens":1}'],
    ['spaced, not first', '{ "max_tokens" : 1 ,\n "model" : "d" }', '{ "max_tokens" : 1 ,\n "model" : "up" }'],
    ['nested model keys stay', '{"tools":[{"input_schema":{"model":"x"}}],"metadata":{"model":"y"},"model":"d"}', '{"tools":[{"input_schema":{"model":"x"}}],"metadata":{"model":"y"},"model":"up"}'],
    ['"model" inside strings stays', '{"system":"\\"model\\":\\"d\\"","model":"d"}', '{"system":"\\"model\\":\\"d\\"","model":"up"}'],
    ['a value ending in an escaped backslash', '{"model":"d\\\\","x":"\\\\\\"model\\""}', '{"model":"up","x":"\\\\\\"model\\""}'],
    ['an escaped key, as JSON.parse reads it', '{"mod\\u0065l":"d"}', '{"mod\\u0065l":"up"}'],
    ['duplicate keys: every one, so the last still wins', '{"model":"a","model":"b"}', '{"model":"up","model":"up"}'],
    ['multi-byte text around it', '{"messages":[{"content":"日本語 ☕"}],"model":"d"}', '{"messages":[{"content":"日本語 ☕"}],"model":"up"}'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const out = replaceModel(Buffer.from(input), 'up');
      assert.equal(out.toString('utf8'), expected);
      assert.equal((JSON.parse(out.toString('utf8')) as { model: string }).model, 'up');
    });
  }
  test('a model id that needs escaping is written as a JSON string', () => {
    assert.equal(replaceModel(Buffer.from('{"model":"d"}'), 'a"b').toString(), '{"model":"a\\"b"}');
  });
});

describe('the SSE tap', () => {
  const start = 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"cache_creation":{"ephemeral_5m_input_tokens":40,"ephemeral_1h_input_tokens":60},"output_tokens":1}}}\n\n';
  const delta = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"event: message_stop"}}\n\n';
  const end = 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":25}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';

  test('forwards whole events at once and holds an unfinished tail until its end arrives', () => {
    const tap = new SseTap();
    const bytes = Buffer.from(start + delta + end);
    const cut = start.length + 30;
    assert.deepEqual(tap.push(bytes.subarray(0, cut)), Buffer.from(start));
    assert.equal(tap.partial, true);
    assert.deepEqual(tap.push(bytes.subarray(cut)), bytes.subarray(start.length));
    assert.equal(tap.partial, false);
    assert.equal(tap.ended, true);
  });

  test('usage is message_start updated by the cumulative message_delta, with the 5m/1h split', () => {
    const tap = new SseTap();
    tap.push(Buffer.from(start + delta));
    assert.equal(tap.ended, false, 'a text delta that mentions message_stop does not end the stream');
    tap.push(Buffer.from(end));
    assert.deepEqual(tap.usage.current, {
      input_tokens: 10,
      output_tokens: 25,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 60 },
    });
  });

  test('CRLF framing is understood too', () => {
    const tap = new SseTap();
    const crlf = (start + end).replaceAll('\n', '\r\n');
    assert.equal(tap.push(Buffer.from(crlf))?.length, Buffer.byteLength(crlf));
    assert.equal(tap.usage.current?.output_tokens, 25);
    assert.equal(tap.ended, true);
  });
});

describe('usage on the reply', () => {
  let mock: MockUpstream;
  before(async () => {
    mock = await MockUpstream.start();
  });
  after(() => mock.close());

  function upstreamCall(stream: boolean) {
    const deployment = testDeployment('claude-sonnet-4-6', {
      backend: 'anthropic',
      upstream: {
        baseUrl: mock.url,
        model: 'claude-sonnet-4-6',
        auth: { kind: 'key', key: new Secret('sk-ant-test') },
        timeouts: { connectMs: 1000, firstByteMs: 1000, betweenChunksMs: 1000 },
        maxConnections: 4,
      },
    });
    return testCall({ model: 'claude-sonnet-4-6', max_tokens: 32, stream, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] }, { deployment });
  }

  for (const stream of [true, false]) {
    test(`a ${stream ? 'streamed' : 'JSON'} reply's usage promise settles with what the upstream reported once the body is read`, async () => {
      const pool = new UpstreamPool();
      const reply = await createAnthropicBackend(pool).messages(upstreamCall(stream));
      assert.equal(reply.stream, stream);
      for await (const chunk of reply.body) assert.ok(chunk.length > 0);
      assert.deepEqual(await reply.usage, { input_tokens: MOCK_USAGE.input_tokens, output_tokens: MOCK_USAGE.output_tokens, cache_creation_input_tokens: MOCK_USAGE.cache_creation_input_tokens, cache_read_input_tokens: MOCK_USAGE.cache_read_input_tokens, cache_creation: MOCK_USAGE.cache_creation });
      pool.close();
    });
  }
});

describe('a stream cut short is billed for the output forwarded', () => {
  const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const start = event('message_start', { type: 'message_start', message: { usage: { input_tokens: 10, output_tokens: 1 } } });
  const delta = (d: Record<string, string>) => event('content_block_delta', { type: 'content_block_delta', index: 0, delta: d });

  test('text, thinking and tool-input deltas count, a signature does not; escaped quotes stay inside the text', () => {
    const tap = new SseTap();
    tap.push(Buffer.from(start));
    // Two events in one chunk, then one per chunk.
    tap.push(Buffer.from(delta({ type: 'thinking_delta', thinking: 'Let me think' }) + delta({ type: 'signature_delta', signature: 'EqQBCkgIARABGAIiQ' })));
    tap.push(Buffer.from(delta({ type: 'text_delta', text: 'She said "hello" twice' })));
    tap.push(Buffer.from(delta({ type: 'input_json_delta', partial_json: '{"city": "Paris"' })));
    // A short event alone: its own type ('content_block_delta","index') is matched first and skipped.
    tap.push(Buffer.from(delta({ type: 'text_delta', text: 'Hi' })));
    const expected = countTextTokens('Hi') + countTextTokens('Let me think') + countTextTokens('She said \\"hello\\" twice') + countTextTokens('{\\"city\\": \\"Paris\\"');
    assert.equal(tap.usage.current?.output_tokens, expected);
    // The final message_delta's own count is the model's: it wins even when lower.
    tap.push(Buffer.from(event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } })));
    assert.equal(tap.usage.current?.output_tokens, 3);
  });
});
