// OpenTelemetry's GenAI semantic conventions as the gateway applies them, shared by the Prometheus endpoint
// (gateway-metrics.ts) and the OTLP exporter (otlp.ts), plus Azure Monitor's metric names for Foundry model
// deployments. The names are written out rather than imported from @opentelemetry/semantic-conventions:
// its incubating entry costs ~44 ms and ~1 MB of code at every start; genai-names.test.ts checks each one
// against that package, so a rename there fails the suite.
import type { RequestLogRecord } from './record.ts';

export const GEN_AI = {
  metrics: {
    tokenUsage: 'gen_ai.client.token.usage',
    clientOperationDuration: 'gen_ai.client.operation.duration',
    serverRequestDuration: 'gen_ai.server.request.duration',
    serverTimeToFirstToken: 'gen_ai.server.time_to_first_token',
    serverTimePerOutputToken: 'gen_ai.server.time_per_output_token',
  },
  attributes: {
    operationName: 'gen_ai.operation.name',
    providerName: 'gen_ai.provider.name',
    requestModel: 'gen_ai.request.model',
    responseModel: 'gen_ai.response.model',
    tokenType: 'gen_ai.token.type',
    errorType: 'error.type',
  },
  /** `chat`: a Messages request. count_tokens is no GenAI operation of the conventions: it gets no gen_ai.* metric. */
  operationChat: 'chat',
  /**
   * `anthropic`: the attribute is the discriminator of the telemetry flavour, and the API spoken here is Anthropic's
   * Messages API (Foundry serves it unchanged); `azure.ai.inference` names the Azure AI Model Inference API instead.
   */
  providerAnthropic: 'anthropic',
  tokenInput: 'input',
  tokenOutput: 'output',
} as const;

/** The conventions' recommended bucket boundaries (ExplicitBucketBoundaries advice). */
export const BUCKETS = {
  tokens: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  durationSeconds: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  timeToFirstTokenSeconds: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  timePerOutputTokenSeconds: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5],
} as const;

/** Azure Monitor's platform metrics for Foundry (Cognitive Services) model deployments: a second view for ported dashboards. */
export const AZURE_MONITOR = {
  metrics: { requests: 'ModelRequests', inputTokens: 'InputTokens', outputTokens: 'OutputTokens', totalTokens: 'TotalTokens', timeToResponse: 'TimeToResponse' },
  dimensions: ['ModelDeploymentName', 'ModelName', 'StatusCode', 'StreamType'],
  /** TimeToResponse is in milliseconds. */
  timeToResponseMs: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000],
} as const;

/** Input tokens as the conventions count them: all of them, cached ones included (Anthropic's `input_tokens` excludes cache reads and writes). */
export function inputTokensWithCache(r: RequestLogRecord): number {
  return r.inputTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens + r.cacheReadTokens;
}

/**
 * `error.type`: the error catalogue's code, `http_{status}` for an upstream's own error, `client_closed` for a
 * client that left (the operation did not complete); none for a success. Every failed record has a code (index.ts).
 */
export function errorType(r: RequestLogRecord): string | undefined {
  return r.errorCode ?? undefined;
}

/**
 * gen_ai.server.time_per_output_token: the time after the first token divided by the tokens after it, for a
 * successful stream with more than one output token (the conventions record it for successful responses).
 */
export function timePerOutputTokenSeconds(r: RequestLogRecord): number | undefined {
  if (!r.stream || r.ttftMs === null || r.outputTokens < 2 || errorType(r) !== undefined) return undefined;
  return (r.durationMs - r.ttftMs) / 1000 / (r.outputTokens - 1);
}

/** TimeToResponse: to the first byte of a stream, to the whole answer otherwise. */
export function timeToResponseMs(r: RequestLogRecord): number {
  return r.stream && r.ttfbMs !== null ? r.ttfbMs : r.durationMs;
}

export const streamType = (r: RequestLogRecord): string => (r.stream ? 'Streaming' : 'Non-streaming');
