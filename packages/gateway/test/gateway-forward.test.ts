// Gateway mode is forward-compatible: a request from the future (a block type, a tool type, a
// top-level field and a beta this gateway has never heard of) reaches an upstream deployment
// (anthropic, foundry, recorded, replayed) byte for byte and its reply comes back byte for byte,
// while the gateway still checks what it needs itself (model, max_tokens, the token estimate for
// the rate limits). The same request to a simulator deployment is a clear 400: the simulator must
// understand what it answers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { post, startUpstreamGateway, type UpstreamTestGateway } from './fixtures/gateway.ts';
import { MockUpstream, sentBytes } from './fixtures/mock-upstream.ts';

const UPSTREAM_KEY = 'sk-ant-api03-forward-test-key-000000';
const FOUNDRY_KEY = 'fedcba9876543210fedcba9876543210';
const FUTURE_BETA = { 'anthropic-beta': 'holograms-2099-01-01,advanced-tool-use-2025-11-20' };

/** A body from a future API: odd spacing kept on purpose, so any re-serialisation would show. */
function futureBody(model: string, extra = ''): string {
  return (
    `{"model": "${model}", "max_tokens": 256,${extra}\n` +
    ' "messages": [{"role": "user", "content": [{"type": "hologram", "frames": [1, 2, 3], "cache_control": {"type": "ephemeral", "ttl": "1y"}},' +
    ' {"type": "text", "text": "What is this?"}]},\n' +
    '  {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01", "name": "teleport", "input": {}}]},\n' +
    '  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "smell", "notes": "ozone"}]}]}],\n' +
    ' "tools": [{"type": "teleport_20991231", "name": "teleport", "range_km": 5}],\n' +
    ' "future_top_level_field": {"enabled": true}, "thinking": {"type": "telepathic"}}'
  );
}

/** The body the upstream must see: ours, with only the model's value replaced by the upstream's. */
function withModel(body: string, from: string, to: unknown): string {
  assert.equal(typeof to, 'string');
  return body.replace(`"model": "${from}"`, `"model": "${to as string}"`);
}

let mock: MockUpstream;
let gw: UpstreamTestGateway;
let dir: string;

before(async () => {
  mock = await MockUpstream.start();
  dir = mkdtempSync(join(tmpdir(), 'cf-forward-'));
  gw = await startUpstreamGateway(
    {
      cassettes: { dir },
      resources: [
        {
          name: 'gw',
          deployments: [
            { name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: UPSTREAM_KEY }, record: true },
            { name: 'foundry', model: 'claude-sonnet-4-6', backend: 'foundry', upstream: { baseUrl: `${mock.url}/anthropic`, apiKeyEnv: 'FOUNDRY_KEY', model: 'claude-sonnet-4-6' } },
            { name: 'tight', model: 'claude-sonnet-4-6', backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: UPSTREAM_KEY }, rateLimits: { rpm: 100, itpm: 3000 } },
            { name: 'sim', model: 'claude-sonnet-4-6' },
          ],
        },
      ],
    },
    { env: { FOUNDRY_KEY } },
  );
});
after(async () => {
  await gw.close();
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a request from the future, through an upstream deployment', () => {
  test('anthropic: the body reaches the upstream byte for byte (model aside) and its JSON reply comes back byte for byte', async () => {
    const body = futureBody('sonnet');
    const res = await post(gw, '/v1/messages?beta=true', body, FUTURE_BETA);
    assert.equal(res.status, 200, res.bytes.toString());
    const upstream = mock.last;
    assert.equal(upstream.path, '/v1/messages?beta=true', 'the query (Claude Code sends ?beta=true) goes upstream as sent');
    assert.equal(upstream.body.toString('utf8'), withModel(body, 'sonnet', upstream.json['model']));
    assert.equal(upstream.headers['anthropic-beta'], FUTURE_BETA['anthropic-beta']);
    assert.deepEqual(res.bytes, sentBytes(upstream));
  });

  test('anthropic, streamed: the SSE bytes come back as the upstream sent them', async () => {
    const body = futureBody('sonnet', ' "stream": true,');
    const res = await post(gw, '/v1/messages', body, FUTURE_BETA);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    assert.equal(mock.last.body.toString('utf8'), withModel(body, 'sonnet', mock.last.json['model']));
    assert.deepEqual(res.bytes, sentBytes(mock.last));
  });

  test('foundry: messages and count_tokens are forwarded unchanged', async () => {
    const body = futureBody('foundry');
    const res = await post(gw, '/v1/messages', body);
    assert.equal(res.status, 200, res.bytes.toString());
    assert.equal(mock.last.path, '/anthropic/v1/messages');
    assert.equal(mock.last.body.toString('utf8'), withModel(body, 'foundry', 'claude-sonnet-4-6'));
    assert.deepEqual(res.bytes, sentBytes(mock.last));

    const counted = await post(gw, '/v1/messages/count_tokens', futureBody('foundry'));
    assert.equal(counted.status, 200, counted.bytes.toString());
    assert.equal(mock.last.path, '/anthropic/v1/messages/count_tokens');
    assert.equal(mock.last.body.toString('utf8'), withModel(futureBody('foundry'), 'foundry', 'claude-sonnet-4-6'));
    assert.deepEqual(JSON.parse(counted.bytes.toString()), { input_tokens: 42 });
  });

  test('the upstream refusing it is the answer the client gets', async () => {
    mock.respond((_exchange, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'request-id': 'req_011CUpstreamRefusal' });
      res.end('{"type":"error","error":{"type":"invalid_request_error","message":"future_top_level_field: Extra inputs are not permitted"}}');
    });
    try {
      const res = await post(gw, '/v1/messages', futureBody('sonnet'));
      assert.equal(res.status, 400);
      assert.match(res.bytes.toString(), /future_top_level_field: Extra inputs are not permitted/);
    } finally {
      mock.respond(undefined);
    }
  });

  test('a prompt of unexpected shapes is for the upstream to judge: the estimate reads around it, nothing crashes', async () => {
    const odd = '{"model":"sonnet","max_tokens":5,"messages":[null,7,{"role":"user","content":[null,"x",{"type":"text","text":3}]},{"role":"user"}],' +
      '"system":[{"type":"text"},{"text":["a"]},null],"tools":[null,3,{"name":"x"}],"tool_choice":"auto","cache_control":null}';
    const res = await post(gw, '/v1/messages', odd);
    assert.equal(res.status, 200, res.bytes.toString());
    assert.equal(mock.last.body.toString('utf8'), odd.replace('"model":"sonnet"', `"model":"${String(mock.last.json['model'])}"`));
  });

  test('the recording holds the whole request, future fields included', () => {
    const lines = readFileSync(join(dir, 'gw', 'sonnet.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { request: { body: Record<string, unknown> } });
    const body = lines[0]!.request.body;
    assert.deepEqual(body['future_top_level_field'], { enabled: true });
    assert.deepEqual(body['thinking'], { type: 'telepathic' });
    assert.deepEqual((body['tools'] as unknown[])[0], { type: 'teleport_20991231', name: 'teleport', range_km: 5 });
  });
});

describe('what the gateway still checks in front of an upstream', () => {
  const before = () => mock.exchanges.length;

  test('model and max_tokens, with the messages the simulator gives; nothing reaches the upstream', async () => {
    const count = before();
    const noMax = await post(gw, '/v1/messages', '{"model":"sonnet","messages":[{"role":"user","content":"hi"}]}');
    assert.equal(noMax.status, 400);
    assert.match(noMax.bytes.toString(), /"message":"max_tokens: Field required"/);
    const over = await post(gw, '/v1/messages', '{"model":"sonnet","max_tokens":10000000,"messages":[]}');
    assert.equal(over.status, 400);
    assert.match(over.bytes.toString(), /max_tokens: 10000000 > \d+, which is the maximum allowed number of output tokens/);
    const noModel = await post(gw, '/v1/messages', '{"max_tokens":5,"messages":[]}');
    assert.equal(noModel.status, 400);
    assert.match(noModel.bytes.toString(), /"message":"model: Field required"/);
    const notObject = await post(gw, '/v1/messages', '[1,2]');
    assert.equal(notObject.status, 400);
    assert.equal(mock.exchanges.length, count);
  });

  test('the token estimate for the rate limit counts future blocks too: 429 before the upstream', async () => {
    // 3,000 input tokens a minute; the block alone is several thousand. A demand above the whole bucket
    // is admitted once, when the bucket is full; the next one waits, while a small one still fits.
    const big = `{"model":"tight","max_tokens":16,"messages":[{"role":"user","content":[{"type":"hologram","caption":"${'lorem ipsum '.repeat(2000)}"}]}]}`;
    assert.equal((await post(gw, '/v1/messages', big)).status, 200);
    const count = before();
    const refused = await post(gw, '/v1/messages', big);
    assert.equal(refused.status, 429, refused.bytes.toString());
    assert.equal(mock.exchanges.length, count, 'the refused request never reached the upstream');
    const small = await post(gw, '/v1/messages', '{"model":"tight","max_tokens":16,"messages":[{"role":"user","content":[{"type":"hologram","caption":"hi"}]}]}');
    assert.equal(small.status, 200, small.bytes.toString());
  });
});

describe('the same request to the simulator', () => {
  test('is a 400 naming what it does not know, field by field', async () => {
    const topLevel = await post(gw, '/v1/messages', futureBody('sim'));
    assert.equal(topLevel.status, 400);
    assert.match(topLevel.bytes.toString(), /"message":"future_top_level_field: Extra inputs are not permitted"/);
    const block = await post(gw, '/v1/messages', futureBody('sim').replace('"future_top_level_field": {"enabled": true}, "thinking": {"type": "telepathic"}', '"metadata": {}'));
    assert.equal(block.status, 400);
    assert.match(block.bytes.toString(), /"message":"messages\.0\.content\.0: Input tag 'hologram' found using 'type' does not match any of the expected tags: [^"]*'tool_use'/);
  });
});

describe('replayed', () => {
  test('the recorded future request replays from the cassette', async () => {
    const replay = await startUpstreamGateway({
      cassettes: { dir },
      resources: [{ name: 'gw', deployments: [{ name: 'sonnet', model: 'claude-sonnet-4-6', backend: 'replay', replay: { timing: 'fast' } }] }],
    });
    try {
      const res = await post(replay, '/v1/messages', futureBody('sonnet'), FUTURE_BETA);
      assert.equal(res.status, 200, res.bytes.toString());
      assert.deepEqual(JSON.parse(res.bytes.toString()), JSON.parse(sentBytes(mock.exchanges[0]!).toString()));
    } finally {
      await replay.close();
    }
  });
});
