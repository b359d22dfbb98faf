// Specification of the API features the simulator plays: server tools (web search, web fetch, code
// execution), structured outputs, strict tools, and citations; JSON and streamed replies through a real
// gateway with the official SDK, checked against the schema with ajv.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { Ajv } from 'ajv';
import { countInputTokens } from '../src/tokens/count.ts';
import { modelFor } from '../src/backends/simulator/model.ts';
import type { ContentBlock, MessagesRequest, TextBlock, Tool } from '../src/dataplane/types.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { simulatedReply as reply, testDeployment, userRequest } from './simulator-helpers.ts';

const types = (content: ContentBlock[]) => content.map((b) => b.type);
const texts = (content: ContentBlock[]) => content.filter((b): b is TextBlock => b.type === 'text');

const WEB_SEARCH: Tool = { type: 'web_search_20250305', name: 'web_search' };
const WEB_FETCH: Tool = { type: 'web_fetch_20250910', name: 'web_fetch' };
const CODE: Tool = { type: 'code_execution_20250825', name: 'code_execution' };

describe('server tools', () => {
  it('web search: server_tool_use, web_search_tool_result, then text citing the results; counted in usage', async () => {
    const message = await reply(userRequest('Search the web for the tallest lighthouse', { tools: [WEB_SEARCH] }));
    assert.deepEqual(types(message.content), ['text', 'server_tool_use', 'web_search_tool_result', 'text', 'text', 'text']);
    const use = message.content[1] as unknown as { id: string; name: string; input: { query: string } };
    assert.equal(use.name, 'web_search');
    assert.equal(use.input.query, 'Search the web for the tallest lighthouse');
    const result = message.content[2] as { tool_use_id: string; content: Array<{ type: string; url: string; title: string }> };
    assert.equal(result.tool_use_id, use.id);
    assert.equal(result.content.length, 3);
    assert.ok(result.content.every((r) => r.type === 'web_search_result' && r.url.startsWith('https://')));
    const cited = texts(message.content).filter((t) => t.citations !== undefined);
    assert.equal(cited.length, 2);
    for (const [i, text] of cited.entries()) {
      const citation = text.citations![0]!;
      assert.equal(citation.type, 'web_search_result_location');
      assert.equal(citation['url'], result.content[i]!.url);
      assert.ok(text.text.includes(citation.cited_text));
    }
    assert.ok(!('citations' in message.content[0]!), 'an uncited text block has no citations key');
    assert.deepEqual(message.usage.server_tool_use, { web_search_requests: 1, web_fetch_requests: 0 });
    assert.equal(message.stop_reason, 'end_turn');
  });

  it('web fetch fetches the URL the prompt gives; code execution runs the code span in a container', async () => {
    const fetched = await reply(userRequest('Fetch https://example.org/docs and summarise', { tools: [WEB_FETCH] }));
    assert.deepEqual(types(fetched.content), ['text', 'server_tool_use', 'web_fetch_tool_result', 'text']);
    assert.deepEqual((fetched.content[1] as { input: unknown }).input, { url: 'https://example.org/docs' });
    assert.deepEqual(fetched.usage.server_tool_use, { web_search_requests: 0, web_fetch_requests: 1 });

    const ran = await reply(userRequest('Execute this code: `python3 -c "print(2+2)"`', { tools: [CODE] }));
    assert.deepEqual(types(ran.content), ['text', 'server_tool_use', 'bash_code_execution_tool_result', 'text']);
    assert.deepEqual((ran.content[1] as { input: unknown }).input, { command: 'python3 -c "print(2+2)"' });
    const out = (ran.content[2] as { content: { type: string; return_code: number; stdout: string } }).content;
    assert.equal(out.type, 'bash_code_execution_result');
    assert.equal(out.return_code, 0);
    assert.match(ran.container?.id ?? '', /^container_011C/);
    assert.deepEqual(ran.usage.server_tool_use, { web_search_requests: 0, web_fetch_requests: 0 });
  });

  it('output tokens count the calls and answers, not the results; input matches countInputTokens', async () => {
    const request = userRequest('Search the web for lighthouses', { tools: [WEB_SEARCH] });
    const message = await reply(request);
    const withoutResult = await reply(userRequest('Search the web for lighthouses', { tools: [WEB_SEARCH], max_tokens: 1 }));
    assert.equal(withoutResult.stop_reason, 'max_tokens');
    assert.ok(message.usage.output_tokens > 20);
    assert.equal(message.usage.input_tokens, countInputTokens(request, modelFor(testDeployment())));
  });
});

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 2 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    role: { type: 'string', enum: ['admin', 'user'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
    address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string', maxLength: 5 } }, required: ['city'], additionalProperties: false },
    score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
  },
  required: ['name', 'age', 'role', 'tags', 'address'],
  additionalProperties: false,
};

describe('structured outputs and strict tools', () => {
  const ajv = new Ajv({ strict: false });

  it('with output_config.format json_schema, the reply text is JSON valid against the schema', async () => {
    const validate = ajv.compile(PERSON);
    for (const prompt of ['Describe Ada', 'Describe Grace', 'Describe Linus']) {
      const message = await reply(userRequest(prompt, { output_config: { format: { type: 'json_schema', schema: PERSON } } }));
      assert.deepEqual(types(message.content), ['text']);
      const value: unknown = JSON.parse(texts(message.content)[0]!.text);
      assert.ok(validate(value), JSON.stringify(validate.errors));
    }
  });

  it('the final answer after a tool_result is JSON too', async () => {
    const tool: Tool = { type: 'custom', name: 'lookup', input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } };
    const message = await reply({
      ...userRequest('x', { tools: [tool], output_config: { format: { type: 'json_schema', schema: PERSON } } }),
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'lookup Ada' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01x', name: 'lookup', input: { id: 'ada' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01x', content: 'Ada, 36' }] },
      ],
    });
    assert.ok(ajv.compile(PERSON)(JSON.parse(texts(message.content)[0]!.text)));
  });

  it('a strict tool gets input valid against its input_schema', async () => {
    const tool: Tool = { type: 'custom', name: 'add_person', strict: true, input_schema: PERSON };
    const message = await reply(userRequest('add_person please', { tools: [tool] }));
    const call = message.content.find((b) => b.type === 'tool_use');
    assert.ok(call?.type === 'tool_use');
    assert.ok(ajv.compile(PERSON)(call.input), JSON.stringify(call.input));
  });
});

describe('citations', () => {
  it('cites a text document (char_location), a custom-content document (content_block_location) and a PDF (page_location)', async () => {
    const text = 'The grass is green. The sky is blue.';
    const message = await reply({
      ...userRequest('x'),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, title: 'Colours', citations: { enabled: true } },
            { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'First block.' }] }, citations: { enabled: true } },
            { type: 'text', text: 'What colour is the grass?' },
          ],
        },
      ],
    });
    const cited = texts(message.content).filter((t) => t.citations !== undefined);
    assert.equal(cited.length, 2);
    assert.deepEqual(cited[0]!.citations, [
      { type: 'char_location', cited_text: 'The grass is green.', document_index: 0, document_title: 'Colours', file_id: null, start_char_index: 0, end_char_index: 19 },
    ]);
    assert.equal(text.slice(0, 19), 'The grass is green.');
    assert.equal(cited[1]!.citations![0]!.type, 'content_block_location');
    assert.equal(cited[1]!.citations![0]!['document_index'], 1);
  });

  it('cites search results in a tool_result (search_result_location); no citations when not enabled', async () => {
    const searchResult = (enabled: boolean) => ({
      type: 'search_result' as const,
      source: 'https://kb.example/a',
      title: 'KB',
      content: [{ type: 'text' as const, text: 'Restart the router. Then wait.' }],
      citations: { enabled },
    });
    const history = (enabled: boolean): MessagesRequest['messages'] => [
      { role: 'user', content: [{ type: 'text', text: 'search the kb' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01s', name: 'kb', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01s', content: [searchResult(enabled)] }] },
    ];
    const cited = await reply({ ...userRequest('x'), messages: history(true) });
    const citation = texts(cited.content).find((t) => t.citations)?.citations?.[0];
    assert.deepEqual(citation, {
      type: 'search_result_location',
      cited_text: 'Restart the router.',
      source: 'https://kb.example/a',
      title: 'KB',
      search_result_index: 0,
      start_block_index: 0,
      end_block_index: 1,
    });
    const plain = await reply({ ...userRequest('x'), messages: history(false) });
    assert.ok(plain.content.every((b) => !('citations' in b)));
  });
});

describe('through a real gateway, with the official SDK', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  it('a streamed web search accumulates to the JSON reply: server blocks, citations and usage.server_tool_use', async () => {
    const client = new Anthropic({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
    const params = {
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      tools: [{ type: 'web_search_20250305' as const, name: 'web_search' as const }],
      messages: [{ role: 'user' as const, content: 'Search the web for lighthouse history' }],
    };
    const json = await client.messages.create(params);
    // parsed_output and an undefined stop_details are the SDK's own additions to a streamed message.
    const { parsed_output: _parsed, ...streamed } = (await client.messages.stream(params).finalMessage()) as typeof json & { parsed_output?: unknown };
    assert.deepEqual(JSON.parse(JSON.stringify({ ...streamed, id: '' })), { ...json, id: '' });
    assert.deepEqual(json.usage.server_tool_use, { web_search_requests: 1, web_fetch_requests: 0 });
    assert.ok(json.content.some((b) => b.type === 'text' && b.citations?.[0]?.type === 'web_search_result_location'));
  });

  it('structured output parses with the SDK and validates against the schema', async () => {
    const client = new Anthropic({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
    const message = await client.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 1024,
      output_config: { format: { type: 'json_schema', schema: PERSON } },
      messages: [{ role: 'user', content: 'Describe a person' }],
    });
    const block = message.content[0];
    assert.ok(block?.type === 'text');
    assert.ok(new Ajv({ strict: false }).compile(PERSON)(JSON.parse(block.text)));
  });
});
