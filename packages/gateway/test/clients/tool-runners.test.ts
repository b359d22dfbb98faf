// Both official tool runners with their default options: `client.beta.messages.toolRunner(...)` of
// `@anthropic-ai/sdk` and of `@anthropic-ai/foundry-sdk` (which inherits it). By default they run over a
// server-side message thread: `thread: {type: 'create'}` then `{type: 'continue', previous_message_id}` with only
// the new messages, under `anthropic-beta: message-threads-2026-08-12`. A tap in front of the gateway records
// what each runner sent; on the simulator the thread is held by the gateway, in gateway mode it is forwarded to
// the mock upstream unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { DEPLOYMENTS, MODES, startClientsGateway, type ClientsGateway, type Mode } from './setup.ts';
import { Tap } from './tap.ts';

let env: ClientsGateway;
let tap: Tap;
before(async () => {
  env = await startClientsGateway();
  tap = await Tap.start(env.gw.url);
});
after(async () => {
  await tap.close();
  await env.close();
});

/** The same base URL as the gateway's, on the tap. */
const tapped = (mode: Mode) => env.base(mode).replace(env.gw.url, tap.url);

// Each sends the key its own way: the plain SDK 1.16 as a bearer token, the Foundry SDK as x-api-key.
const runners: Array<[string, (mode: Mode) => Anthropic, (key: string) => Record<string, string>]> = [
  ['@anthropic-ai/sdk', (mode) => new Anthropic({ baseURL: tapped(mode), apiKey: env.key(mode), maxRetries: 0 }), (key) => ({ authorization: `Bearer ${key}` })],
  ['@anthropic-ai/foundry-sdk', (mode) => new AnthropicFoundry({ baseURL: tapped(mode), apiKey: env.key(mode), maxRetries: 0 }) as unknown as Anthropic, (key) => ({ 'x-api-key': key })],
];

for (const [sdk, client, auth] of runners) {
  for (const mode of MODES) {
    describe(`${sdk} toolRunner, ${mode === 'simulator' ? 'on the simulator' : 'in gateway mode (anthropic upstream: the local mock)'}`, () => {
      test('runs the tool the model calls and ends with an answer, over a message thread', async () => {
        const calls: string[] = [];
        const weather = betaTool({
          name: 'get_weather',
          description: 'Get the current weather in a city',
          inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          run: async ({ city }) => {
            calls.push(city);
            return `18 degrees and sunny in ${city}`;
          },
        });
        const from = tap.exchanges.length;
        const final = await client(mode).beta.messages.toolRunner({
          model: DEPLOYMENTS.sonnet,
          max_tokens: 512,
          messages: [{ role: 'user', content: 'What is the weather in Paris? Use get_weather.' }],
          tools: [weather],
        });
        assert.equal(calls.length, 1, 'the tool ran once');
        assert.equal(final.stop_reason, 'end_turn');
        assert.equal(final.content.at(-1)?.type, 'text');

        const sent = tap.messages(from);
        assert.equal(sent.length, 2, 'two turns: the call, then the answer to its result');
        const [first, second] = sent as [(typeof sent)[0], (typeof sent)[0]];
        for (const turn of sent) {
          assert.equal(turn.status, 200, turn.reply);
          for (const [name, value] of Object.entries(auth(env.key(mode)))) assert.equal(turn.headers[name], value);
          assert.match(String(turn.headers['anthropic-beta']), /message-threads-2026-08-12/);
        }
        assert.deepEqual(first.json['thread'], { type: 'create' });
        const firstReply = JSON.parse(first.reply) as { id: string; content: Array<{ type: string }> };
        assert.ok(firstReply.content.some((b) => b.type === 'tool_use'));
        assert.deepEqual(second.json['thread'], { type: 'continue', previous_message_id: firstReply.id });
        const continued = second.json['messages'] as Array<{ role: string; content: Array<{ type: string }> }>;
        assert.equal(continued.length, 1, 'a continue sends only the new message');
        assert.equal(continued[0]!.content[0]!.type, 'tool_result');
        if (mode === 'gateway') {
          const upstream = env.mock.exchanges.slice(-2);
          assert.deepEqual(upstream.map((e) => e.json['thread']), [first.json['thread'], second.json['thread']]);
          assert.match(String(upstream[1]!.headers['anthropic-beta']), /message-threads-2026-08-12/);
          assert.match((final.content.at(-1) as { text: string }).text, /tool result: 18 degrees and sunny in Paris/);
        }
      });
    });
  }
}
