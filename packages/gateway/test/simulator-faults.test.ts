// Specification of simulated faults: the x-claude-foundry-simulate header and the deployment's fault rates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSimulator, SIMULATE_HEADER } from '../src/backends/simulator/index.ts';
import { collectEvents, expectMessage, QUIET_PROFILE, testCall, testDeployment, userRequest } from './simulator-helpers.ts';
import type { StreamEvent } from '../src/dataplane/types.ts';
import { GatewayError } from '../src/errors/index.ts';

const request = userRequest('Hello, simulator.');

function simulate(value: string) {
  return { headers: { [SIMULATE_HEADER]: value } };
}

function gatewayError(code: string, status: number) {
  return (error: unknown) => error instanceof GatewayError && error.code === code && error.status === status;
}

describe('simulated faults from the x-claude-foundry-simulate header', () => {
  it('answers fault=429 with rate_limited and retry-after headers (default 1 second)', async () => {
    const sim = createSimulator();
    await assert.rejects(sim.messages(testCall(request, simulate('fault=429'))), (error: unknown) => {
      assert.ok(error instanceof GatewayError && error.code === 'rate_limited' && error.status === 429);
      assert.deepEqual(error.headers, { 'retry-after': '1', 'retry-after-ms': '1000' });
      return true;
    });
    await assert.rejects(sim.messages(testCall(request, simulate('fault=429; retry-after=2.5'))), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.deepEqual(error.headers, { 'retry-after': '2.5', 'retry-after-ms': '2500' });
      return true;
    });
  });

  it('answers fault=500 with api_error and fault=529 with overloaded', async () => {
    const sim = createSimulator();
    await assert.rejects(sim.messages(testCall(request, simulate('fault=500'))), gatewayError('api_error', 500));
    await assert.rejects(sim.messages(testCall(request, simulate('fault=529'))), gatewayError('overloaded', 529));
  });

  it('breaks a stream with overloaded after message_start and the first content delta (fault=midstream)', async () => {
    const reply = await createSimulator().messages(testCall({ ...request, stream: true }, simulate('fault=midstream')));
    assert.ok(reply.kind === 'events');
    const seen: StreamEvent['type'][] = [];
    await assert.rejects(async () => {
      for await (const event of reply.events) seen.push(event.type);
    }, gatewayError('overloaded', 529));
    assert.deepEqual(seen, ['message_start', 'content_block_start', 'ping', 'content_block_delta']);
  });

  it('answers a JSON request with fault=midstream as a 500', async () => {
    await assert.rejects(createSimulator().messages(testCall(request, simulate('fault=midstream'))), gatewayError('api_error', 500));
  });

  it('faults only the first n requests carrying the same header value (first=n), so a retry succeeds', async () => {
    const sim = createSimulator();
    const header = simulate('fault=429;first=2;retry-after=0');
    await assert.rejects(sim.messages(testCall(request, header)), gatewayError('rate_limited', 429));
    await assert.rejects(sim.messages(testCall(request, header)), gatewayError('rate_limited', 429));
    assert.equal(expectMessage(await sim.messages(testCall(request, header))).stop_reason, 'end_turn');
    await assert.rejects(sim.messages(testCall(request, simulate('fault=429;first=1'))), gatewayError('rate_limited', 429), 'another header value counts apart');
  });

  it('accepts an id=<label> that only keeps the first=n counts of two tests apart', async () => {
    const sim = createSimulator();
    await assert.rejects(sim.messages(testCall(request, simulate('fault=500;first=1;id=a'))), gatewayError('api_error', 500));
    await assert.rejects(sim.messages(testCall(request, simulate('fault=500;first=1;id=b'))), gatewayError('api_error', 500));
    assert.equal(expectMessage(await sim.messages(testCall(request, simulate('fault=500;first=1;id=a')))).type, 'message');
  });

  it('takes ttft and tps from the header over the deployment profile', async () => {
    const slow = testDeployment('claude-sonnet-4-6', { simulator: { ...QUIET_PROFILE, ttftMs: 60_000, tokensPerSecond: 1 } });
    const controller = new AbortController();
    const guard = setTimeout(() => controller.abort(), 5_000);
    const message = expectMessage(await createSimulator().messages(testCall(request, { deployment: slow, signal: controller.signal, ...simulate('ttft=0;tps=0') })));
    clearTimeout(guard);
    assert.equal(message.type, 'message');
  });

  it('refuses unknown keys and bad values with a 400 naming the header and the part', async () => {
    const sim = createSimulator();
    const cases: Array<[string, RegExp]> = [
      ['fault=418', /x-claude-foundry-simulate: "fault=418" must be one of/],
      ['colour=blue', /x-claude-foundry-simulate: unknown key "colour" in "colour=blue"/],
      ['fault=429;retry-after=soon', /"retry-after=soon" needs a non-negative number/],
      ['first=1.5;fault=500', /"first=1.5" needs a non-negative integer/],
      ['fault', /"fault" is not key=value/],
      ['id=', /"id=" needs a label/],
    ];
    for (const [value, message] of cases) {
      await assert.rejects(sim.messages(testCall(request, simulate(value))), (error: unknown) => {
        assert.ok(error instanceof GatewayError && error.code === 'invalid_request' && error.status === 400, value);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});

describe('simulated faults from the deployment profile', () => {
  function faulty(rates: Partial<typeof QUIET_PROFILE.faults>) {
    return testDeployment('claude-sonnet-4-6', { simulator: { ...QUIET_PROFILE, faults: { ...QUIET_PROFILE.faults, ...rates } } });
  }

  it('draws one fault per request from the cumulative rates', async () => {
    const draws = [0.05, 0.15, 0.25, 0.35, 0.95];
    const sim = createSimulator({ random: () => draws.shift()! });
    const deployment = faulty({ rate429: 0.1, rate500: 0.1, rate529: 0.1, rateMidstream: 0.1 });
    await assert.rejects(sim.messages(testCall(request, { deployment })), gatewayError('rate_limited', 429));
    await assert.rejects(sim.messages(testCall(request, { deployment })), gatewayError('api_error', 500));
    await assert.rejects(sim.messages(testCall(request, { deployment })), gatewayError('overloaded', 529));
    const midstream = await sim.messages(testCall({ ...request, stream: true }, { deployment }));
    await assert.rejects(collectEvents(midstream), gatewayError('overloaded', 529));
    assert.equal(expectMessage(await sim.messages(testCall(request, { deployment }))).type, 'message');
  });

  it('lets fault=none in the header override the rates', async () => {
    const sim = createSimulator({ random: () => 0 });
    const deployment = faulty({ rate500: 1 });
    await assert.rejects(sim.messages(testCall(request, { deployment })), gatewayError('api_error', 500));
    assert.equal(expectMessage(await sim.messages(testCall(request, { deployment, ...simulate('fault=none') }))).type, 'message');
  });

  it('never faults count_tokens', async () => {
    const sim = createSimulator({ random: () => 0 });
    const deployment = faulty({ rate500: 1 });
    const counted = await sim.countTokens(testCall({ model: 'claude-sonnet-4-6', messages: request.messages }, { deployment, ...simulate('fault=500') }));
    assert.ok(counted.input_tokens > 0);
  });
});
