// A pool deployment's config: what the loader builds from `upstreams` and `pool`, and the one-line
// message that stops a start when a member or a pool setting is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';
import type { Deployment } from '../src/control/types.ts';

const ENV = { EAST_KEY: 'east-key-0123456789abcdef', ANTHROPIC_API_KEY: 'sk-ant-pool-secret-0000' };

function deploymentOf(deployment: Record<string, unknown>): Deployment {
  const config = loadConfig({ env: ENV, cwd: '/srv/gw', overrides: { resources: [{ name: 'res', deployments: [{ name: 'd', model: 'claude-sonnet-4-6', ...deployment }] }] } });
  return config.resources[0]!.deployments[0]!;
}

function refusal(deployment: Record<string, unknown>): string {
  try {
    deploymentOf(deployment);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('the config was accepted');
}

const EAST = { backend: 'foundry', resource: 'claude-east', apiKeyEnv: 'EAST_KEY', weight: 3 };
const FALLBACK = { name: 'anthropic', backend: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', priority: 1 };

test('upstreams make a pool: each member with its own target, credentials, model, weight and priority; the pool its defaults', () => {
  const d = deploymentOf({ upstreams: [EAST, FALLBACK] });
  assert.equal(d.backend, 'pool');
  const [east, fallback] = d.pool!.members;
  assert.deepEqual([east!.name, east!.backend, east!.weight, east!.priority, east!.upstream.baseUrl, east!.upstream.model], ['claude-east', 'foundry', 3, 0, 'https://claude-east.services.ai.azure.com/anthropic', 'claude-sonnet-4-6']);
  assert.deepEqual([fallback!.name, fallback!.weight, fallback!.priority, fallback!.upstream.baseUrl], ['anthropic', 1, 1, 'https://api.anthropic.com']);
  assert.ok(fallback!.upstream.auth.kind === 'key' && fallback!.upstream.auth.key.reveal() === ENV.ANTHROPIC_API_KEY);
  assert.deepEqual([d.pool!.maxAttempts, d.pool!.deadlineMs, d.pool!.breaker], [2, 120_000, { windowMs: 60_000, minRequests: 5, failureRatio: 0.5, openMs: 30_000 }]);
  assert.ok(!JSON.stringify(d).includes('pool-secret'), 'keys stay sealed');
  const tuned = deploymentOf({ backend: 'pool', upstreams: [EAST], pool: { maxAttempts: 4, deadlineMs: 5_000, breaker: { openMs: 1_000 } } });
  assert.deepEqual([tuned.pool!.maxAttempts, tuned.pool!.deadlineMs, tuned.pool!.breaker.openMs, tuned.pool!.breaker.minRequests], [4, 5_000, 1_000, 5]);
});

test('a wrong pool is refused with a message that says what to write', () => {
  assert.match(refusal({ upstreams: [] }), /upstreams must be a non-empty array/);
  assert.match(refusal({ upstreams: [{ ...EAST, backend: 'simulator' }] }), /upstreams\[0\]\.backend must be "anthropic" or "foundry", not "simulator"/);
  assert.match(refusal({ upstreams: [{ ...EAST, apiKeyEnv: undefined }] }), /upstreams\[0\] needs exactly one of "apiKey", "apiKeyEnv" or "entra"/);
  assert.match(refusal({ upstreams: [EAST, { ...EAST, weight: 1 }] }), /name "claude-east" is taken by another upstream/);
  assert.match(refusal({ upstreams: [{ ...EAST, weight: 0 }] }), /weight/);
  assert.match(refusal({ upstreams: [{ ...EAST, wieght: 2 }] }), /wieght/);
  assert.match(refusal({ backend: 'anthropic', upstream: { apiKeyEnv: 'ANTHROPIC_API_KEY' }, upstreams: [EAST] }), /make a pool: leave "backend" out/);
  assert.match(refusal({ upstreams: [EAST], pool: { maxAttempts: 0 } }), /maxAttempts/);
  assert.match(refusal({ upstreams: [EAST], pool: { breaker: { failureRatio: 2 } } }), /failureRatio/);
  assert.match(refusal({ model: 'claude-opus-4-1', upstreams: [EAST] }), /retired/);
  assert.match(refusal({ upstreams: [{ ...EAST, rateLimits: {} }] }), /upstreams\[0\]\.rateLimits must be an object with any of "rpm", "itpm", "otpm"/);
  assert.match(refusal({ upstreams: [{ ...EAST, rateLimits: { rpm: 0 } }] }), /upstreams\[0\]\.rateLimits\.rpm/);
  assert.match(refusal({ upstreams: [{ ...EAST, rateLimits: { tpm: 5 } }] }), /rateLimits\.tpm is not a setting/);
  assert.match(refusal({ upstreams: [EAST], pool: { affinity: 'yes' } }), /pool\.affinity/);
});

test("a member's own budget (any of rpm, itpm, otpm) and the pool's affinity switch", () => {
  const d = deploymentOf({ upstreams: [{ ...EAST, rateLimits: { rpm: 40, itpm: 40_000 } }, FALLBACK], pool: { affinity: false } });
  assert.deepEqual(d.pool!.members[0]!.rateLimits, { rpm: 40, itpm: 40_000 });
  assert.equal(d.pool!.members[1]!.rateLimits, undefined, 'no budget: only the deployment limits it');
  assert.equal(d.pool!.affinity, false);
  assert.equal(deploymentOf({ upstreams: [EAST] }).pool!.affinity, true, 'affinity is on by default');
});
