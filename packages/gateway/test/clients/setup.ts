// One gateway for the real-client tests, with the same three deployment names on two resources: `clients-sim`
// on the simulator, and `clients-upstream` in gateway mode, an `anthropic` upstream pointing at the local mock
// upstream (a server speaking the Anthropic wire format, standing in for the real API, which cannot be reached from
// here). A client configured once can so be pointed at either by its base URL alone.
import type { ServerResponse } from 'node:http';
import { MockUpstream, sendJson, standardReply, type MockExchange, type Responder } from '../fixtures/mock-upstream.ts';
import { startTestGateway, type TestGateway } from '../helpers.ts';

export const DEPLOYMENTS = { sonnet: 'claude-sonnet-4-6', haiku: 'claude-haiku-4-5', opus: 'claude-opus-4-6' } as const;
const UPSTREAM_KEY = 'sk-ant-api03-clients-upstream-key-0000';
let toolReplies = 0;

export type Mode = 'simulator' | 'gateway';
export const MODES: Mode[] = ['simulator', 'gateway'];

export interface ClientsGateway {
  gw: TestGateway;
  mock: MockUpstream;
  /** `{url}/{resource}/anthropic`, what the Foundry SDKs take as baseURL. */
  base(mode: Mode): string;
  key(mode: Mode): string;
  close(): Promise<void>;
}

export async function startClientsGateway(): Promise<ClientsGateway> {
  const mock = await MockUpstream.start();
  mock.respond(agentReply);
  const upstream = { baseUrl: mock.url, apiKey: UPSTREAM_KEY };
  const names = Object.values(DEPLOYMENTS);
  const gw = await startTestGateway({
    resources: [
      { name: 'clients-sim', deployments: names.map((name) => ({ name })) },
      // claude-sonnet-4-6 retired on 2026-11-30, so no upstream serves it: that deployment name forwards to Sonnet 4.6.
      { name: 'clients-upstream', deployments: names.map((name) => ({ name, model: name === 'claude-sonnet-4-6' ? 'claude-sonnet-4-6' : name, backend: 'anthropic', upstream })) },
    ],
  }).catch(async (err: unknown) => {
    await mock.close();
    throw err;
  });
  const resource = (mode: Mode) => (mode === 'simulator' ? 'clients-sim' : 'clients-upstream');
  return {
    gw,
    mock,
    base: (mode) => gw.baseURL(resource(mode)),
    key: (mode) => gw.keys(resource(mode)).key1,
    close: async () => {
      await gw.close();
      await mock.close();
    },
  };
}

interface Block {
  type: string;
  text?: string;
  content?: unknown;
}
interface Tool {
  name: string;
  input_schema?: { properties?: Record<string, { type?: string; enum?: unknown[] }>; required?: string[] };
}

/**
 * The mock upstream as an agent's model: a JSON request offering custom tools, whose last turn holds no
 * `tool_result`, gets a `tool_use` of the first such tool (its required fields filled); any other request the
 * standard reply (JSON, or SSE paced 2 ms an event), text echoing the last user turn (a tool result's text included).
 */
export const agentReply: Responder = async (exchange: MockExchange, res: ServerResponse) => {
  if (exchange.path.endsWith('/count_tokens')) return standardReply(exchange, res);
  const json = exchange.json;
  const messages = (json['messages'] ?? []) as Array<{ role: string; content: string | Block[] }>;
  const last = messages.at(-1)?.content;
  const blocks = typeof last === 'string' ? [{ type: 'text', text: last }] : (last ?? []);
  const tool = ((json['tools'] ?? []) as Tool[]).find((t) => t.input_schema);
  if (!tool || json['stream'] === true || blocks.some((b) => b.type === 'tool_result')) {
    const said = blocks.map((b) => (b.type === 'tool_result' ? `tool result: ${resultText(b.content)}` : (b.text ?? ''))).join(' ');
    return standardReply({ ...exchange, json: { ...json, messages: [{ role: 'user', content: said }] } }, res);
  }
  const input: Record<string, unknown> = {};
  for (const name of tool.input_schema?.required ?? []) {
    const property = tool.input_schema?.properties?.[name] ?? {};
    input[name] = property.enum ? property.enum[0] : property.type === 'number' || property.type === 'integer' ? 1 : property.type === 'boolean' ? false : 'Paris';
  }
  toolReplies++;
  sendJson(res, 200, {
    id: `msg_01MockTool${String(toolReplies).padStart(14, '0')}`,
    type: 'message',
    role: 'assistant',
    model: json['model'],
    content: [{ type: 'tool_use', id: `toolu_01Mock${String(toolReplies).padStart(14, '0')}`, name: tool.name, input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
  });
};

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Block[]).map((b) => b.text ?? '').join(' ');
  return '';
}
