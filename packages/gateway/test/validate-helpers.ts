// Shared fixtures for the request-validator tests: a minimal valid body and a rejection assertion.
import assert from 'node:assert/strict';
import { GatewayError } from '../src/errors/index.ts';
import { validateCountTokensRequest, validateMessagesRequest, type ValidateOptions } from '../src/dataplane/validate.ts';

export const V2023: ValidateOptions = { version: '2023-06-01' };
export const V2026: ValidateOptions = { version: '2026-10-21' };

/** A minimal valid messages body, with fields replaced or added. */
export function body(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], ...fields };
}

/** A minimal valid body whose conversation is `messages`. */
export function conversation(...messages: unknown[]): Record<string, unknown> {
  return body({ messages });
}

/** Asserts `fn` throws a 400 invalid_request_error GatewayError with exactly `message`. */
export function assertRejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_request');
    assert.equal(err.status, 400);
    assert.equal(err.message, message);
    return true;
  });
}

/** Asserts the messages endpoint refuses `input` with exactly `message`. */
export function rejectsMessages(input: unknown, message: string, options: ValidateOptions = V2023): void {
  assertRejects(() => validateMessagesRequest(input, options), message);
}

/** Asserts the count_tokens endpoint refuses `input` with exactly `message`. */
export function rejectsCount(input: unknown, message: string, options: ValidateOptions = V2023): void {
  assertRejects(() => validateCountTokensRequest(input, options), message);
}
