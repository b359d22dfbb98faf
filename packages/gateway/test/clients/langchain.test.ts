// LangChain JS (`@langchain/anthropic` on `@langchain/core`), unmodified, pointed at the gateway the way its
// docs say for a custom endpoint: `anthropicApiUrl` (the base URL its Anthropic client takes) and the resource key.
// On the simulator and in gateway mode (the mock upstream): invoke, stream, and bindTools returning a tool call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatAnthropic } from '@langchain/anthropic';
import { HumanMessage, ToolMessage, type UsageMetadata } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { DEPLOYMENTS, MODES, startClientsGateway, type ClientsGateway, type Mode } from './setup.ts';

let env: ClientsGateway;
before(async () => {
  env = await startClientsGateway();
});
after(() => env.close());

const chat = (mode: Mode, model: string = DEPLOYMENTS.sonnet) =>
  new ChatAnthropic({ model, anthropicApiUrl: env.base(mode), apiKey: env.key(mode), maxTokens: 300, maxRetries: 0 });

const getWeather = tool(async ({ city }) => `18 degrees and sunny in ${city}`, {
  name: 'get_weather',
  description: 'Get the current weather in a city',
  schema: z.object({ city: z.string().describe('The city') }),
});

for (const mode of MODES) {
  describe(`LangChain ChatAnthropic, ${mode === 'simulator' ? 'on the simulator' : 'in gateway mode (anthropic upstream: the local mock)'}`, () => {
    test('invoke returns an AIMessage with text and usage', async () => {
      const reply = await chat(mode).invoke('Hello from LangChain');
      assert.equal(typeof reply.content, 'string');
      assert.ok((reply.content as string).length > 0);
      const usage = reply.usage_metadata as UsageMetadata | undefined;
      assert.ok((usage?.input_tokens ?? 0) > 0 && (usage?.output_tokens ?? 0) > 0);
      if (mode === 'gateway') {
        assert.equal(reply.content, 'Mock upstream reply to: Hello from LangChain');
        assert.equal(env.mock.last.json['model'], 'claude-sonnet-4-6');
      }
    });

    test('stream yields chunks whose text adds up to the whole answer', async () => {
      let text = '';
      let chunks = 0;
      for await (const chunk of await chat(mode, DEPLOYMENTS.haiku).stream('Stream from LangChain')) {
        if (typeof chunk.content === 'string') text += chunk.content;
        chunks++;
      }
      assert.ok(chunks > 1, `several chunks (${chunks})`);
      assert.ok(text.length > 0);
      if (mode === 'gateway') {
        assert.equal(text, 'Mock upstream reply to: Stream from LangChain');
        assert.equal(env.mock.last.json['stream'], true);
      }
    });

    test('bindTools: a tool call comes back, and the tool result gets an answer', async () => {
      const model = chat(mode).bindTools([getWeather]);
      const question = new HumanMessage('What is the weather in Paris? Use get_weather.');
      const first = await model.invoke([question]);
      assert.equal(first.tool_calls?.length, 1);
      const call = first.tool_calls![0]!;
      assert.equal(call.name, 'get_weather');
      assert.equal(typeof call.args['city'], 'string');
      const result = await getWeather.invoke(call);
      assert.ok(result instanceof ToolMessage);
      const second = await model.invoke([question, first, result]);
      assert.equal(second.tool_calls?.length ?? 0, 0);
      assert.ok(second.text.length > 0);
      if (mode === 'gateway') {
        assert.match(second.text, /tool result: 18 degrees and sunny in Paris/);
        const tools = env.mock.exchanges.at(-2)!.json['tools'] as Array<{ name: string; input_schema: unknown }>;
        assert.equal(tools[0]!.name, 'get_weather');
      }
    });
  });
}
