// A recorded cassette (replay/cassette.ts) as a fixtures file: each `messages` exchange becomes a rule
// that matches its request (the latest user text, the system text and the tool result it answers, each
// exactly) and replies what was recorded: the content, stop reason and usage of the JSON body or of
// the accumulated stream (with its pace, unless `fast`), or the error. Recordings of the same request
// become one rule whose replies play in turn (a 429, then its retry's answer). count_tokens exchanges
// are left out: the simulator counts tokens itself.
import type { MessagesRequest } from '../../dataplane/types.ts';
import { bodyText, type Exchange } from '../replay/cassette.ts';
import { canonical } from '../replay/match.ts';
import { factsOf } from './match.ts';
import { parseScenarios } from './parse.ts';
import { STREAM_ERROR_TYPES } from './rules.ts';

type Json = Record<string, unknown>;

export interface Conversion {
  /** The fixtures file, as JSON text. */
  text: string;
  rules: number;
  /** Exchanges that became no rule, and why. */
  skipped: Array<{ exchange: number; reason: string }>;
}

class Unconvertible extends Error {}

const BLOCKS = new Set(['text', 'thinking', 'tool_use']);
const STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use']);
const KEPT_HEADERS = ['retry-after', 'retry-after-ms', 'x-should-retry'];

export function scenariosFromCassette(exchanges: readonly Exchange[], options: { timing: 'original' | 'fast'; source: string }): Conversion {
  const rules = new Map<string, { name: string; match: Json; replies: Json[]; order: number }>();
  const skipped: Conversion['skipped'] = [];
  exchanges.forEach((exchange, i) => {
    const ordinal = i + 1;
    if (exchange.operation !== 'messages') return skipped.push({ exchange: ordinal, reason: 'count_tokens: the simulator counts tokens itself' });
    let reply: Json;
    try {
      reply = replyOf(exchange, options.timing);
    } catch (err) {
      if (!(err instanceof Unconvertible)) throw err;
      return skipped.push({ exchange: ordinal, reason: err.message });
    }
    const match = matchOf(exchange.request.body as unknown as MessagesRequest);
    const key = canonical(match);
    const rule = rules.get(key) ?? { name: nameOf(ordinal, match), match, replies: [], order: rules.size };
    rule.replies.push(reply);
    rules.set(key, rule);
  });
  // The more conditions a rule has, the earlier it is tried: a tool loop's second turn repeats the first turn's user text.
  const ordered = [...rules.values()].sort((a, b) => Object.keys(b.match).length - Object.keys(a.match).length || a.order - b.order);
  const file = {
    rules: ordered.map(({ name, match, replies }) => ({ name, match, ...(replies.length === 1 ? { reply: replies[0] } : { replies }) })),
  };
  const text = `${JSON.stringify(file, null, 2)}\n`;
  parseScenarios(text, options.source); // what we write must read back; a failure here is our bug, not the cassette's
  return { text, rules: ordered.length, skipped };
}

function matchOf(request: MessagesRequest): Json {
  const facts = factsOf(request, {}, '');
  const match: Json = {};
  if (facts.userText !== undefined) match['userText'] = { equals: facts.userText };
  if (facts.system !== undefined) match['system'] = { equals: facts.system };
  const result = facts.toolResults.at(-1);
  if (result) match['toolResult'] = { toolUseId: { equals: result.toolUseId } };
  return match;
}

function nameOf(ordinal: number, match: Json): string {
  const text = (match['userText'] as { equals: string } | undefined)?.equals.replace(/\s+/g, ' ').slice(0, 60);
  return `exchange #${ordinal}${text ? `: ${text}` : ''}${match['toolResult'] ? ' (tool result)' : ''}`;
}

function replyOf(exchange: Exchange, timing: 'original' | 'fast'): Json {
  const { response } = exchange;
  if (response.status < 200 || response.status >= 300) return errorOf(response);
  if (response.events === undefined) return messageReply(parse(bodyText(response), 'the JSON body'));
  return streamReply(response.events, timing);
}

function parse(text: string, what: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  } catch {
    // reported below
  }
  throw new Unconvertible(`${what} is not a JSON object`);
}

function errorOf(response: Exchange['response']): Json {
  const body = parse(bodyText(response), `the ${response.status} error body`);
  const error = body['error'] as Json | undefined;
  const message = typeof error?.['message'] === 'string' && error['message'] !== '' ? error['message'] : `Error ${response.status}`;
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (response.headers[name] !== undefined) headers[name] = response.headers[name];
  const reply: Json = {};
  if (body['type'] === 'error' && typeof error?.['type'] === 'string') reply['error'] = { status: response.status, type: error['type'], message };
  else if (typeof error?.['code'] === 'string') reply['error'] = { status: response.status, code: error['code'], message };
  else throw new Unconvertible(`the ${response.status} error body is neither Anthropic's nor Azure's error shape`);
  if (Object.keys(headers).length > 0) reply['headers'] = headers;
  return reply;
}

function messageReply(message: Json): Json {
  const content = (Array.isArray(message['content']) ? message['content'] : []) as Json[];
  const blocks = content.filter((b) => !(b['type'] === 'text' && b['text'] === '')).map((b) => {
    if (!BLOCKS.has(String(b['type']))) throw new Unconvertible(`its reply holds a ${String(b['type'])} block; scripted replies hold text, thinking and tool_use`);
    if (b['type'] === 'text') return { type: 'text', text: b['text'] };
    if (b['type'] === 'thinking') return { type: 'thinking', thinking: b['thinking'], ...(b['signature'] ? { signature: b['signature'] } : {}) };
    return { type: 'tool_use', id: b['id'], name: b['name'], input: b['input'] ?? {} };
  });
  const reason = message['stop_reason'];
  if (typeof reason !== 'string' || !STOP_REASONS.has(reason)) throw new Unconvertible(`its stop reason ${JSON.stringify(reason)} cannot be scripted`);
  const usage = (message['usage'] ?? {}) as Json;
  const kept: Json = {};
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']) {
    if (typeof usage[key] === 'number') kept[key] = usage[key];
  }
  const split = usage['cache_creation'] as Json | undefined;
  if (typeof split?.['ephemeral_5m_input_tokens'] === 'number' && typeof split['ephemeral_1h_input_tokens'] === 'number') {
    kept['cache_creation'] = { ephemeral_5m_input_tokens: split['ephemeral_5m_input_tokens'], ephemeral_1h_input_tokens: split['ephemeral_1h_input_tokens'] };
  }
  const reply: Json = { content: blocks, stop_reason: reason, usage: kept };
  if (reason === 'stop_sequence') reply['stop_sequence'] = message['stop_sequence'];
  return reply;
}

/** The events accumulated as an SDK accumulates them, then read as a JSON reply, with the stream's pace. */
function streamReply(events: NonNullable<Exchange['response']['events']>, timing: 'original' | 'fast'): Json {
  let message: Json | undefined;
  const blocks: Json[] = [];
  const partialJson: string[] = [];
  const deltaTimes: number[] = [];
  let streamError: Json | undefined;
  for (const event of events) {
    if ('raw' in event) continue; // not an event the API sends
    const data = parse(event.data, `the ${event.event} event`);
    switch (data['type']) {
      case 'message_start':
        message = { ...(data['message'] as Json) };
        break;
      case 'content_block_start':
        blocks[data['index'] as number] = { ...(data['content_block'] as Json) };
        partialJson[data['index'] as number] = '';
        break;
      case 'content_block_delta': {
        const i = data['index'] as number;
        const block = blocks[i];
        const delta = data['delta'] as Json;
        if (!block) throw new Unconvertible('a delta comes before its block');
        deltaTimes.push(event.ms);
        if (delta['type'] === 'text_delta') block['text'] = `${String(block['text'] ?? '')}${String(delta['text'])}`;
        else if (delta['type'] === 'thinking_delta') block['thinking'] = `${String(block['thinking'] ?? '')}${String(delta['thinking'])}`;
        else if (delta['type'] === 'signature_delta') block['signature'] = delta['signature'];
        else if (delta['type'] === 'input_json_delta') partialJson[i] += String(delta['partial_json']);
        break;
      }
      case 'content_block_stop': {
        const i = data['index'] as number;
        if (blocks[i]?.['type'] === 'tool_use' && partialJson[i] !== '') blocks[i]!['input'] = parse(partialJson[i]!, 'a tool call\'s input');
        break;
      }
      case 'message_delta':
        if (!message) throw new Unconvertible('message_delta comes before message_start');
        Object.assign(message, data['delta'] as Json);
        message['usage'] = { ...(message['usage'] as Json), ...(data['usage'] as Json) };
        break;
      case 'error': {
        const error = data['error'] as Json;
        if (!Object.hasOwn(STREAM_ERROR_TYPES, String(error['type']))) throw new Unconvertible(`its stream ends with a ${String(error['type'])} error, which a script cannot end a stream with`);
        streamError = { type: error['type'], message: error['message'] || 'Error' };
        break;
      }
    }
  }
  if (!message) throw new Unconvertible('its stream has no message_start');
  if (streamError) message['stop_reason'] ??= 'end_turn';
  const reply = messageReply({ ...message, content: blocks.filter(Boolean) });
  if (streamError) reply['streamError'] = streamError;
  if (timing === 'original' && deltaTimes.length > 0) {
    reply['ttftMs'] = deltaTimes[0];
    const span = deltaTimes.at(-1)! - deltaTimes[0]!;
    const output = (reply['usage'] as Json)['output_tokens'];
    if (span > 0 && typeof output === 'number' && output > 0) reply['tokensPerSecond'] = Math.round((output / span) * 1000 * 100) / 100;
  }
  return reply;
}
