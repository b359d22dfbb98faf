// Every OpenTelemetry name the gateway writes, checked against the official @opentelemetry/semantic-conventions
// package (its incubating entry carries the GenAI conventions): a rename there fails here, not on a dashboard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { BUCKETS, GEN_AI } from '../src/telemetry/genai.ts';

test('metric names are the conventions\' GenAI metrics', () => {
  assert.equal(GEN_AI.metrics.tokenUsage, semconv.METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
  assert.equal(GEN_AI.metrics.clientOperationDuration, semconv.METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
  assert.equal(GEN_AI.metrics.serverRequestDuration, semconv.METRIC_GEN_AI_SERVER_REQUEST_DURATION);
  assert.equal(GEN_AI.metrics.serverTimeToFirstToken, semconv.METRIC_GEN_AI_SERVER_TIME_TO_FIRST_TOKEN);
  assert.equal(GEN_AI.metrics.serverTimePerOutputToken, semconv.METRIC_GEN_AI_SERVER_TIME_PER_OUTPUT_TOKEN);
});

test('attribute names and enum values are the conventions\'', () => {
  const a = GEN_AI.attributes;
  assert.equal(a.operationName, semconv.ATTR_GEN_AI_OPERATION_NAME);
  assert.equal(a.providerName, semconv.ATTR_GEN_AI_PROVIDER_NAME);
  assert.equal(a.requestModel, semconv.ATTR_GEN_AI_REQUEST_MODEL);
  assert.equal(a.responseModel, semconv.ATTR_GEN_AI_RESPONSE_MODEL);
  assert.equal(a.tokenType, semconv.ATTR_GEN_AI_TOKEN_TYPE);
  assert.equal(a.errorType, semconv.ATTR_ERROR_TYPE);
  assert.equal(GEN_AI.operationChat, semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT);
  assert.equal(GEN_AI.providerAnthropic, semconv.GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
  assert.equal(GEN_AI.tokenInput, semconv.GEN_AI_TOKEN_TYPE_VALUE_INPUT);
  assert.equal(GEN_AI.tokenOutput, semconv.GEN_AI_TOKEN_TYPE_VALUE_OUTPUT);
});

// The package carries names, not bucket advice: these are the boundaries the published metric definitions
// (semantic-conventions gen-ai-metrics.md, ExplicitBucketBoundaries) give, restated here as the reference.
test('histogram buckets are the published recommendations', () => {
  assert.deepEqual(BUCKETS.tokens, [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]);
  assert.deepEqual(BUCKETS.durationSeconds, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
  assert.deepEqual(BUCKETS.timeToFirstTokenSeconds, [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]);
  assert.deepEqual(BUCKETS.timePerOutputTokenSeconds, [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5]);
});
