// The Vercel AI SDK (`ai` with `@ai-sdk/anthropic`), unmodified, configured as its docs say for a custom endpoint:
// `createAnthropic({ baseURL: BASE + '/v1', apiKey })`. On the simulator: text, a stream, a tool loop that runs
// the tool and answers, and a structured output. In gateway mode the same calls reach the mock upstream as the
// SDK wrote them, and its replies come back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { DEPLOYMENTS, startClientsGateway, type ClientsGateway, type Mode } from './setup.ts';

let env: ClientsGateway;
before(async () => {
  env = await startClientsGateway();
});
after(() => env.close());

const provider = (mode: Mode) => createAnthropic({ baseURL: `${env.base(mode)}/v1`, apiKey: env.key(mode) });

function weatherTool(calls: string[]) {
  return tool({
    description: 'Get the current weather in a city',
    inputSchema: z.object({ city: z.string().describe('The city') }),
    execute: async ({ city }) => {
      calls.push(city);
      return { city, temperature: 18, sky: 'sunny' };
    },
  });
}

describe('Vercel AI SDK on the simulator', () => {
  test('generateText returns the text and usage of the reply', async () => {
    const result = await generateText({ model: provider('simulator')(DEPLOYMENTS.sonnet), prompt: 'Say hello in one sentence.', maxOutputTokens: 200 });
    assert.ok(result.text.length > 0);
    assert.equal(result.finishReason, 'stop');
    assert.ok((result.usage.inputTokens ?? 0) > 0 && (result.usage.outputTokens ?? 0) > 0);
  });

  test('streamText streams deltas that add up to the final text', async () => {
    const result = streamText({ model: provider('simulator')(DEPLOYMENTS.haiku), prompt: 'Stream a short answer.', maxOutputTokens: 200 });
    let deltas = '';
    for await (const delta of result.textStream) deltas += delta;
    assert.ok(deltas.length > 0);
    assert.equal(deltas, await result.text);
    assert.equal(await result.finishReason, 'stop');
  });

  test('a tool loop: the model calls the tool, the SDK runs it and sends the result, the model answers', async () => {
    const calls: string[] = [];
    const result = await generateText({
      model: provider('simulator')(DEPLOYMENTS.sonnet),
      tools: { get_weather: weatherTool(calls) },
      stopWhen: stepCountIs(4),
      prompt: 'What is the weather in Paris? Use get_weather.',
      maxOutputTokens: 400,
    });
    assert.equal(calls.length, 1, 'the tool ran once');
    assert.equal(result.steps[0]?.toolCalls[0]?.toolName, 'get_weather');
    assert.equal(result.steps.length, 2);
    assert.equal(result.finishReason, 'stop');
    assert.ok(result.text.length > 0, 'a final answer after the tool result');
  });

  test('Output.object: a structured output that parses and validates against the schema', async () => {
    const schema = z.object({ city: z.string(), temperature: z.number(), sunny: z.boolean() });
    const result = await generateText({
      model: provider('simulator')(DEPLOYMENTS.sonnet),
      output: Output.object({ schema }),
      prompt: 'Give the weather in Paris as an object.',
      maxOutputTokens: 400,
    });
    assert.deepEqual(Object.keys(result.output).sort(), ['city', 'sunny', 'temperature']);
    assert.equal(typeof result.output.temperature, 'number');
  });
});

describe('Vercel AI SDK in gateway mode (anthropic upstream: the local mock)', () => {
  test('generateText: the request reaches the upstream and its reply comes back', async () => {
    const result = await generateText({ model: provider('gateway')(DEPLOYMENTS.sonnet), prompt: 'Hello upstream', maxOutputTokens: 100 });
    assert.equal(result.text, 'Mock upstream reply to: Hello upstream');
    const sent = env.mock.last;
    assert.equal(sent.json['model'], 'claude-sonnet-4-6');
    assert.equal(sent.json['max_tokens'], 100);
  });

  test('streamText: the upstream stream comes back as deltas', async () => {
    const result = streamText({ model: provider('gateway')(DEPLOYMENTS.haiku), prompt: 'Stream upstream', maxOutputTokens: 100 });
    let deltas = '';
    for await (const delta of result.textStream) deltas += delta;
    assert.equal(deltas, 'Mock upstream reply to: Stream upstream');
    assert.equal(env.mock.last.json['stream'], true);
  });

  test('a tool loop through the gateway: tool_use from upstream, the tool result forwarded, the answer back', async () => {
    const calls: string[] = [];
    const before = env.mock.exchanges.length;
    const result = await generateText({
      model: provider('gateway')(DEPLOYMENTS.sonnet),
      tools: { get_weather: weatherTool(calls) },
      stopWhen: stepCountIs(4),
      prompt: 'Weather in Paris?',
      maxOutputTokens: 200,
    });
    assert.deepEqual(calls, ['Paris']);
    const [first, second] = env.mock.exchanges.slice(before);
    assert.equal((first!.json['tools'] as Array<{ name: string }>)[0]!.name, 'get_weather');
    const resultBlock = (second!.json['messages'] as Array<{ content: Array<{ type: string }> }>).at(-1)!.content[0]!;
    assert.equal(resultBlock.type, 'tool_result');
    assert.match(result.text, /^Mock upstream reply to: tool result: .*sunny/);
  });
});
