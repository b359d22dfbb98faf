// `limits` in the config: Redis from the file or REDIS_URL, what a deployment does while Redis is away, and
// one-line errors for what is wrong.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'cf-limits-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function load(config: unknown, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return loadConfig({ file, env, cwd: dir });
}

function refused(config: unknown, pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(() => load(config, env), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

const withDeployment = (extra: object, limits?: object) => ({
  resources: [{ name: 'Res1', deployments: [{ name: 'd', model: 'claude-haiku-4-5', ...extra }, { name: 'e', model: 'claude-haiku-4-5' }] }],
  ...(limits ? { limits } : {}),
});

test('no limits: in-process, local while Redis is away (moot), one replica', () => {
  const { limits } = load({});
  assert.equal(limits.redis, undefined);
  assert.equal(limits.redisDown, 'local');
  assert.equal(limits.replicas, 1);
  assert.equal(limits.commandTimeoutMs, 200);
  assert.equal(limits.keyPrefix, 'claude-foundry:');
  assert.equal(limits.leaseMs, 500);
  assert.equal(load({ limits: { leaseMs: 0 } }).limits.leaseMs, 0, '0: no leases');
});

test('limits.redis from the file wins over REDIS_URL; REDIS_URL alone is enough', () => {
  assert.equal(load({ limits: { redis: 'redis://10.0.0.5:6380/2' } }, { REDIS_URL: 'redis://other:6379' }).limits.redis, 'redis://10.0.0.5:6380/2');
  assert.equal(load({}, { REDIS_URL: 'rediss://cache.example.com:6380' }).limits.redis, 'rediss://cache.example.com:6380');
  assert.equal(load({}, { REDIS_URL: '' }).limits.redis, undefined);
});

test("a deployment's redisDown overrides the gateway's, keyed by lower-case resource and deployment", () => {
  const { limits } = load(withDeployment({ redisDown: 'fail-closed' }, { redis: 'redis://127.0.0.1:6379', redisDown: 'local', replicas: 3 }));
  assert.equal(limits.redisDownOf.get('res1/d'), 'fail-closed');
  assert.equal(limits.redisDownOf.get('res1/e'), undefined);
  assert.equal(limits.replicas, 3);
});

test('wrong values are one-line errors saying what to write', () => {
  refused({ limits: { redis: 'http://127.0.0.1:6379' } }, /limits\.redis must be a URL such as "redis:\/\/127\.0\.0\.1:6379"/);
  refused({}, /REDIS_URL must be a URL such as "redis:\/\/127\.0\.0\.1:6379"/, { REDIS_URL: '127.0.0.1:6379' });
  refused({ limits: { redisDown: 'open' } }, /limits\.redisDown must be "fail-closed" \(503 while Redis is unreachable\) or "local"/);
  refused(withDeployment({ redisDown: 'closed' }), /resources\[0\]\.deployments\[0\]\.redisDown must be "fail-closed"/);
  refused({ limits: { replicas: 0 } }, /limits\.replicas must be/);
  refused({ limits: { commandTimeoutMs: 5 } }, /limits\.commandTimeoutMs must be/);
  refused({ limits: { leaseMs: -1 } }, /limits\.leaseMs must be/);
  refused({ limits: { leaseMs: 60_000 } }, /limits\.leaseMs must be/);
  refused({ limits: { redsi: 'redis://x' } }, /limits\.redsi is not a setting; did you mean "redis"\?/);
  refused({ limits: 'redis://127.0.0.1' }, /limits must be an object/);
});
