// The `replay` backend: answers from a cassette recorded by an upstream deployment, offline. The
// request is matched on its normalised form (match.ts); the reply is played back byte for byte with
// its recorded status, headers and request-id, at the recorded pace or faster. Several recordings of
// the same request are served in turn. A request with no recording gets a 404 naming the closest one.
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplayTiming } from '../../control/types.ts';
import { GatewayError } from '../../errors/index.ts';
import { servedModel } from '../../models/catalog.ts';
import type { TokenModel } from '../../tokens/count.ts';
import type { BackendCall, PassthroughReply } from '../types.ts';
import { tapBody } from '../upstream/body.ts';
import type { UpstreamBackend } from '../upstream/index.ts';
import { bodyText, CassetteError, eventText, type Exchange, type Operation, readCassette } from './cassette.ts';
import { betasOf, canonical, commonPrefix, firstDifference, normalise, type Normalised, shown } from './match.ts';

interface Recording {
  ordinal: number;
  exchange: Exchange;
  normalised: Normalised;
  key: string;
}

class Cassette {
  readonly #byKey = new Map<string, { recordings: Recording[]; next: number }>();
  readonly recordings: Recording[];

  constructor(exchanges: Exchange[]) {
    this.recordings = exchanges.map((exchange, i) => {
      const normalised = normalise(exchange.operation, exchange.model, exchange.request.anthropicBeta ?? [], exchange.request.body);
      return { ordinal: i + 1, exchange, normalised, key: canonical(normalised) };
    });
    for (const recording of this.recordings) {
      const entry = this.#byKey.get(recording.key) ?? { recordings: [], next: 0 };
      entry.recordings.push(recording);
      this.#byKey.set(recording.key, entry);
    }
  }

  /** The next recording of this request, in recorded order, starting over after the last. */
  take(key: string): Exchange | undefined {
    const entry = this.#byKey.get(key);
    if (!entry) return undefined;
    return entry.recordings[entry.next++ % entry.recordings.length]!.exchange;
  }
}

export function createReplayBackend(): UpstreamBackend {
  const cassettes = new Map<string, Promise<Cassette>>();

  function load(path: string): Promise<Cassette> {
    let found = cassettes.get(path);
    if (!found) {
      found = readCassette(path).then((exchanges) => new Cassette(exchanges));
      cassettes.set(path, found);
      found.catch(() => cassettes.delete(path)); // a missing cassette may be recorded later
    }
    return found;
  }

  async function serve(call: BackendCall<{ model: string }>, operation: Operation): Promise<PassthroughReply> {
    const settings = call.deployment.replay;
    if (!settings) throw new GatewayError('api_error', `Deployment '${call.deployment.name}' has no replay settings.`);
    const name = relative(process.cwd(), settings.cassette) || settings.cassette;
    let cassette: Cassette;
    try {
      cassette = await load(settings.cassette);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new GatewayError('replay_no_match', `The cassette ${name} does not exist: record it first with "record": true on an upstream deployment.`, { 'x-should-retry': 'false' });
      }
      const detail = err instanceof CassetteError ? err.message : (err as Error).message;
      throw new GatewayError('api_error', `The cassette ${name} cannot be read: ${detail}`);
    }
    const wanted = normalise(operation, call.deployment.model, betasOf(call.headers['anthropic-beta']), call.request as unknown as Record<string, unknown>);
    const key = canonical(wanted);
    const exchange = cassette.take(key);
    if (!exchange) throw new GatewayError('replay_no_match', missMessage(cassette, wanted, key, name), { 'x-should-retry': 'false' });
    return play(exchange, settings.timing, call.signal, `The cassette of deployment '${call.deployment.name}'`, servedModel(call.deployment));
  }

  return {
    messages: (call) => serve(call, 'messages'),
    countTokens: (call) => serve(call, 'count_tokens'),
  };
}

function missMessage(cassette: Cassette, wanted: Normalised, key: string, name: string): string {
  const head = `No recorded exchange in the cassette ${name} matches this request`;
  let closest: { recording: Recording; score: number } | undefined;
  for (const recording of cassette.recordings) {
    const score = commonPrefix(recording.key, key);
    if (!closest || score > closest.score) closest = { recording, score };
  }
  if (!closest) return `${head}: the cassette is empty.`;
  const { recording } = closest;
  const diff = firstDifference(recording.normalised, wanted);
  const where = diff ? ` differs at ${diff.path}: recorded ${shown(diff.recorded)}, got ${shown(diff.got)}` : '';
  return `${head} (${cassette.recordings.length} recorded). The closest, exchange #${recording.ordinal} recorded at ${recording.exchange.recordedAt},${where}.`;
}

async function until(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - performance.now();
  if (ms > 0) await sleep(ms, undefined, { signal });
}

function play(exchange: Exchange, timing: ReplayTiming, signal: AbortSignal, label: string, tokens: TokenModel | undefined): Promise<PassthroughReply> {
  const speed = timing === 'original' ? 1 : timing === 'fast' ? 0 : timing;
  const started = performance.now();
  const at = (ms: number) => (speed === 0 ? 0 : started + ms / speed);
  const { response } = exchange;
  const stream = response.events !== undefined;
  const headers = { ...response.headers };
  const text = stream ? '' : bodyText(response);
  if (!stream) headers['content-length'] = String(Buffer.byteLength(text));

  async function* source(): AsyncGenerator<Buffer> {
    if (!stream) {
      yield Buffer.from(text);
      return;
    }
    for (const event of response.events!) {
      await until(at(event.ms), signal);
      yield Buffer.from(eventText(event));
    }
  }

  const ok = response.status >= 200 && response.status < 300;
  return until(at(response.ms), signal).then(() => {
    const tapped = tapBody(source(), { stream, json: ok && !stream && exchange.operation === 'messages', signal, label, tokens });
    const reply: PassthroughReply = { kind: 'passthrough', status: response.status, headers, stream, body: tapped.body, usage: tapped.usage };
    if (response.requestId) reply.requestId = response.requestId;
    return reply;
  });
}
