// Record mode: wraps an upstream backend so that each complete exchange of a deployment with
// `record` settings is appended to its cassette, its timing kept and its secrets redacted.
// An exchange that fails midway or that the client abandons is not recorded.
import type { BackendCall, PassthroughReply } from '../types.ts';
import type { UpstreamBackend } from '../upstream/index.ts';
import { CassetteWriter, type Exchange, type Operation, type RecordedEvent, recordBody, recordEvents } from './cassette.ts';
import { betasOf } from './match.ts';

export function withRecording(inner: UpstreamBackend, writer: CassetteWriter = new CassetteWriter()): UpstreamBackend {
  async function recorded(call: BackendCall<{ model: string }>, operation: Operation, send: () => Promise<PassthroughReply>): Promise<PassthroughReply> {
    const settings = call.deployment.record;
    if (!settings) return send();
    const { cassette, redact: patterns } = settings;
    const started = performance.now();
    const reply = await send();
    const ms = Math.round(performance.now() - started);
    const chunks: Array<{ ms: number; bytes: Uint8Array }> = [];
    async function* body(): AsyncGenerator<Uint8Array> {
      let complete = false;
      try {
        for await (const bytes of reply.body) {
          chunks.push({ ms: Math.round(performance.now() - started), bytes });
          yield bytes;
        }
        complete = true;
      } finally {
        if (complete) {
          const line = JSON.stringify(exchangeOf(call, operation, reply, ms, chunks));
          void writer.append(cassette, redact(line, secretsOf(call), patterns));
        }
      }
    }
    return { ...reply, body: body() };
  }
  return {
    messages: (call) => recorded(call, 'messages', () => inner.messages(call)),
    countTokens: (call) => recorded(call, 'count_tokens', () => inner.countTokens(call)),
  };
}

function exchangeOf(
  call: BackendCall<{ model: string }>,
  operation: Operation,
  reply: PassthroughReply,
  ms: number,
  chunks: ReadonlyArray<{ ms: number; bytes: Uint8Array }>,
): Exchange {
  const decoder = new TextDecoder();
  const headers = { ...reply.headers };
  delete headers['content-length']; // redaction may change the length; replay sets its own
  const response: Exchange['response'] = { status: reply.status, headers, ms };
  if (reply.requestId) response.requestId = reply.requestId;
  if (reply.stream) {
    const events: RecordedEvent[] = [];
    for (const chunk of chunks) recordEvents(decoder.decode(chunk.bytes, { stream: true }), chunk.ms, events);
    response.events = events;
  } else {
    Object.assign(response, recordBody(chunks.map((c) => decoder.decode(c.bytes, { stream: true })).join('') + decoder.decode()));
  }
  const betas = betasOf(call.headers['anthropic-beta']);
  return {
    v: 1,
    recordedAt: new Date().toISOString(),
    operation,
    deployment: call.deployment.name,
    model: call.deployment.model,
    upstreamModel: call.deployment.upstream?.model ?? call.deployment.model,
    request: { anthropicVersion: call.anthropicVersion, ...(betas.length ? { anthropicBeta: betas } : {}), body: call.request as unknown as Record<string, unknown> },
    response,
  };
}

/** The literal secrets a recording must never hold: the upstream key and the resource's own keys. */
function secretsOf(call: BackendCall<unknown>): string[] {
  const secrets = [call.resource.keys.key1, call.resource.keys.key2];
  const auth = call.deployment.upstream?.auth;
  if (auth?.kind === 'key') secrets.push(auth.key.reveal());
  if (auth?.kind === 'entra' && auth.credential === 'clientSecret') secrets.push(auth.clientSecret.reveal());
  return secrets.filter((s) => s.length >= 8);
}

export function redact(line: string, secrets: readonly string[], patterns: readonly RegExp[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  for (const pattern of patterns) out = out.replace(pattern, '[REDACTED]');
  return out;
}
