// `npx claude-foundry deployment show` on a pool deployment, the real binary against a real gateway: the pool's line and
// each upstream's row with its state now — healthy, resting until its retry-after, breaker open — and its counters;
// --json adds the management endpoint's answer. Two local mock upstreams stand in for Foundry and Anthropic.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELLO, messages, startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { MockUpstream, sendError } from '../../gateway/test/fixtures/mock-upstream.ts';

const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));
const { CLAUDE_FOUNDRY_URL: _url, ...ENV }: NodeJS.ProcessEnv = { ...process.env, CLAUDE_FOUNDRY_CONFIG: '' };
const run = promisify(execFile);
const KEY = 'sk-ant-api03-cli-pool-secret-0000000000';

let gw: TestGateway;
let east: MockUpstream;
let backup: MockUpstream;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--data-dir', gw.dataDir], { env: ENV, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  [east, backup] = await Promise.all([MockUpstream.start(), MockUpstream.start()]);
  gw = await startTestGateway({
    resources: [{
      name: 'pooled',
      deployments: [
        {
          name: 'sonnet',
          model: 'claude-sonnet-4-6',
          upstreams: [
            { name: 'east', backend: 'foundry', baseUrl: `${east.url}/anthropic`, apiKey: KEY, weight: 2, rateLimits: { rpm: 40 } },
            { name: 'backup', backend: 'anthropic', baseUrl: backup.url, apiKey: KEY, priority: 1 },
          ],
        },
        { name: 'plain', model: 'claude-haiku-4-5' },
      ],
    }],
  });
});
after(async () => {
  await gw.close();
  await Promise.all([east.close(), backup.close()]);
});

test('deployment show lists the pool and each upstream: resting until its retry-after, served, 429s; --json has it all; no secret', async () => {
  east.respond((_e, res) => sendError(res, 429, 'rate_limit_error', 'Slow down', { 'retry-after': '45' }));
  const sent = Date.now();
  const answered = await messages(gw, { ...HELLO, model: 'sonnet' });
  assert.equal(answered.status, 200, answered.text);

  const r = await cli('deployment', 'show', '--resource', 'pooled', '--name', 'sonnet');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Backend +pool$/m);
  assert.match(r.stdout, /^Pool: 2 upstreams, up to 2 attempts within 120 s; cache affinity on \(\d+ of \d+ keyed requests went to their home member\); 1 failover\.$/m);
  assert.match(r.stdout, /^MEMBER +KIND +ENDPOINT +MODEL +WEIGHT +PRIORITY +BUDGET +STATE +IN-FLIGHT +SERVED +FAILURES +429S +SKIPPED$/m);
  assert.match(r.stdout, new RegExp(`^east +foundry +${east.url}/anthropic +claude-sonnet-4-6 +2 +0 +40 RPM +resting until \\d\\d:\\d\\d:\\d\\dZ +0 +0 +1 +1 +0$`, 'm'));
  assert.match(r.stdout, new RegExp(`^backup +anthropic +${backup.url} +claude-sonnet-4-6\\S* +1 +1 +- +healthy +0 +1 +0 +0 +0$`, 'm'));
  assert.ok(!r.stdout.includes(KEY));

  const json = JSON.parse((await cli('deployment', 'show', '--resource', 'pooled', '--name', 'sonnet', '--json')).stdout) as { name: string; poolStatus: { members: Array<{ name: string; state: string; until: string }> } };
  assert.equal(json.name, 'sonnet');
  const until = Date.parse(json.poolStatus.members[0]!.until);
  assert.equal(json.poolStatus.members[0]!.state, 'resting');
  // 45 s from the 429, which came after `sent` and before now (a loaded machine may take seconds between them).
  assert.ok(until >= sent + 44_000 && until <= Date.now() + 45_000, json.poolStatus.members[0]!.until);

  const plain = await cli('deployment', 'show', '--resource', 'pooled', '--name', 'plain');
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /^Pool:/m, 'no pool section for a deployment that is not one');
});
