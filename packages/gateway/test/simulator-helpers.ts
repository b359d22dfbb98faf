// Hand-built deployments, requests and backend calls for tests that drive the simulator directly.
import assert from 'node:assert/strict';
import { createSimulator } from '../src/backends/simulator/index.ts';
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION_ID, defaultSimulatorProfile } from '../src/config/index.ts';
import type { Deployment, Resource, SimulatorProfile } from '../src/control/types.ts';
import type { ContentBlock, CountTokensRequest, Message, MessagesRequest, StreamEvent, ToolUseBlock } from '../src/dataplane/types.ts';
import type { BackendCall, BackendReply } from '../src/backends/types.ts';

/** No latency and no faults: the simulator's default profile. */
export const QUIET_PROFILE: SimulatorProfile = defaultSimulatorProfile();

/** A deployment named after its model unless `name` says otherwise, with no latency and no faults. */
export function testDeployment(model = 'claude-sonnet-4-6', overrides: Partial<Deployment> = {}): Deployment {
  return { name: model, model, backend: 'simulator', sku: 'GlobalStandard', capacity: 1, simulator: QUIET_PROFILE, ...overrides };
}

/** A non-streaming request with one user message. */
export function userRequest(text: string, extra: Partial<MessagesRequest> = {}): MessagesRequest {
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    stream: false,
    messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    ...extra,
  };
}

export interface CallOptions {
  deployment?: Deployment;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function testCall<R extends MessagesRequest | CountTokensRequest>(request: R, options: CallOptions = {}): BackendCall<R> {
  const deployment = options.deployment ?? testDeployment(request.model);
  const resource: Resource = { name: 'test', instance: 'test', createdAt: 0, subscriptionId: DEFAULT_SUBSCRIPTION_ID, resourceGroup: DEFAULT_RESOURCE_GROUP, subscriptionType: 'enterprise', quotas: new Map(), keys: { key1: 'k1', key2: 'k2' }, disableLocalAuth: false, network: { publicAccess: true }, deployments: new Map([[deployment.name, deployment]]) };
  return {
    request,
    rawBody: Buffer.from(JSON.stringify(request)),
    resource,
    deployment,
    anthropicVersion: '2023-06-01',
    headers: options.headers ?? {},
    requestId: 'req_011CTEST00000000000000000',
    signal: options.signal ?? new AbortController().signal,
  };
}

export function expectMessage(reply: BackendReply): Message {
  if (reply.kind !== 'message') throw new Error(`expected a JSON reply, got ${reply.kind}`);
  return reply.message;
}

export async function collectEvents(reply: BackendReply): Promise<StreamEvent[]> {
  if (reply.kind !== 'events') throw new Error(`expected a stream, got ${reply.kind}`);
  const events: StreamEvent[] = [];
  for await (const event of reply.events) events.push(event);
  return events;
}

/** Rebuilds the final Message from stream events the way the SDK's MessageStream does. */
export function accumulate(events: readonly StreamEvent[]): Message {
  let message: Message | undefined;
  const json = new Map<number, string>();
  for (const event of events) {
    if (event.type === 'message_start') message = structuredClone(event.message);
    if (message === undefined) throw new Error(`${event.type} before message_start`);
    if (event.type === 'content_block_start') message.content.push(structuredClone(event.content_block));
    if (event.type === 'content_block_delta') {
      const block: ContentBlock | undefined = message.content[event.index];
      const d = event.delta;
      if (block?.type === 'text' && d.type === 'text_delta') block.text += d.text;
      else if (block?.type === 'thinking' && d.type === 'thinking_delta') block.thinking += d.thinking;
      else if (block?.type === 'thinking' && d.type === 'signature_delta') block.signature = d.signature;
      else if (block?.type === 'text' && d.type === 'citations_delta') block.citations = [...(block.citations ?? []), d.citation];
      else if ((block?.type === 'tool_use' || block?.type === 'server_tool_use') && d.type === 'input_json_delta') json.set(event.index, (json.get(event.index) ?? '') + d.partial_json);
      else throw new Error(`delta ${d.type} does not fit block ${block?.type}`);
    }
    if (event.type === 'content_block_stop') {
      const block = message.content[event.index];
      const partial = json.get(event.index);
      if ((block?.type === 'tool_use' || block?.type === 'server_tool_use') && partial !== undefined) block.input = partial === '' ? {} : (JSON.parse(partial) as Record<string, unknown>);
    }
    if (event.type === 'message_delta') {
      message.stop_reason = event.delta.stop_reason;
      message.stop_sequence = event.delta.stop_sequence;
      Object.assign(message.usage, event.usage);
      if (event.context_management !== undefined) message.context_management = event.context_management;
    }
  }
  if (message === undefined) throw new Error('no message_start');
  return message;
}

/** A fresh simulator's non-streamed reply to the request. */
export async function simulatedReply(request: MessagesRequest): Promise<Message> {
  return expectMessage(await createSimulator().messages(testCall(request)));
}

/** The reply's first tool_use block; fails the test when there is none. */
export function firstToolUse(message: Message): ToolUseBlock {
  const block = message.content.find((b): b is ToolUseBlock => b.type === 'tool_use');
  assert.ok(block, `a tool_use block in ${JSON.stringify(message.content)}`);
  return block;
}
