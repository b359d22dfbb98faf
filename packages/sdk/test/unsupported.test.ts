// APIs that Microsoft Foundry does not offer throw a clear AnthropicError without a request; the ones it offers still reach the server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect, types } from 'node:util';
import { Anthropic } from '@anthropic-ai/sdk';
import { APIResource } from '@anthropic-ai/sdk/core/resource';
import { AnthropicError, AnthropicFoundry, FoundryUnsupportedAPIError } from '../src/index.ts';
import { startRecorder, type Recorder } from './helpers.ts';

let server: Recorder;
let client: AnthropicFoundry;
before(async () => {
  server = await startRecorder();
  client = new AnthropicFoundry({ baseURL: `${server.url}/r/anthropic`, apiKey: 'k', maxRetries: 0 });
});
after(() => server.close());

/** Calls `use(client)` expecting a FoundryUnsupportedAPIError, and checks that nothing was sent. */
async function refused(use: (c: Record<string, any>) => unknown): Promise<FoundryUnsupportedAPIError> {
  const before = server.requests.length;
  let caught: unknown;
  try {
    await use(client as unknown as Record<string, any>);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof FoundryUnsupportedAPIError, `expected FoundryUnsupportedAPIError, got ${String(caught)}`);
  assert.ok(caught instanceof AnthropicError);
  assert.ok(caught instanceof AnthropicFoundry.AnthropicError);
  assert.equal(server.requests.length, before, 'a request was sent');
  return caught;
}

describe('APIs Foundry does not offer', () => {
  test('client.models.list() names the Models API and what to do instead', async () => {
    const err = await refused((c) => c.models.list());
    assert.equal(
      err.message,
      'client.models.list is not available on Microsoft Foundry: Foundry does not offer the Models API. Pass the name of a deployment of your Foundry resource as `model` (the Azure portal or `az cognitiveservices account deployment list` lists them).',
    );
    assert.equal(err.path, 'client.models.list');
    assert.equal(err.api, 'Models API');
  });

  test('client.messages.batches.create() and client.beta.messages.batches.list() name the Message Batches API', async () => {
    const a = await refused((c) => c.messages.batches.create({ requests: [] }));
    assert.match(a.message, /^client\.messages\.batches\.create is not available on Microsoft Foundry: Foundry does not offer the Message Batches API\. Send each request with `client\.messages\.create\(\)`\.$/);
    const b = await refused((c) => c.beta.messages.batches.list());
    assert.equal(b.path, 'client.beta.messages.batches.list');
  });

  test('the Admin, User Profiles, Compliance and Managed Agents APIs are refused too', async () => {
    const cases: Array<[(c: Record<string, any>) => unknown, string]> = [
      [(c) => c.beta.models.retrieve('claude-sonnet-4-6'), 'Models API'],
      [(c) => c.organization.me(), 'Admin API'],
      [(c) => c.beta.organization.me(), 'Admin API'],
      [(c) => c.userProfiles.list(), 'User Profiles API'],
      [(c) => c.beta.userProfiles.create({}), 'User Profiles API'],
      [(c) => c.beta.compliance.activities, 'Compliance API'],
      [(c) => c.beta.agents.create({}), 'Claude Managed Agents APIs'],
      [(c) => c.beta.sessions.list(), 'Claude Managed Agents APIs'],
      [(c) => c.beta.environments.list(), 'Claude Managed Agents APIs'],
      [(c) => c.beta.vaults.list(), 'Claude Managed Agents APIs'],
      [(c) => c.beta.memoryStores.list(), 'Claude Managed Agents APIs'],
    ];
    for (const [use, api] of cases) assert.equal((await refused(use)).api, api);
  });

  test('every top-level and beta API of the core SDK is either offered or refused: a new one needs a decision', () => {
    const offered = { top: ['messages', 'files', 'skills', 'beta'], beta: ['messages', 'files', 'skills', 'webhooks'] };
    const core = new Anthropic({ apiKey: 'k' });
    const resources = (owner: object) => Object.entries(owner).filter(([, v]) => v instanceof APIResource).map(([k]) => k);
    const isRefused = (owner: Record<string, unknown>, name: string) => types.isProxy(owner[name]);
    const foundry = client as unknown as Record<string, Record<string, unknown>>;
    for (const name of resources(core)) {
      assert.ok(offered.top.includes(name) !== isRefused(foundry, name), `client.${name}: neither offered nor refused`);
    }
    for (const name of resources(core.beta)) {
      assert.ok(offered.beta.includes(name) !== isRefused(foundry['beta']!, name), `client.beta.${name}: neither offered nor refused`);
    }
  });

  test('a refused API is harmless to print, serialize or await', async () => {
    assert.equal(inspect(client.models), '[client.models: not offered by Microsoft Foundry]');
    assert.doesNotThrow(() => inspect(client, { depth: 4 }));
    assert.equal(await Promise.resolve(client.beta.agents).then(() => 'settled'), 'settled');
    assert.doesNotThrow(() => JSON.stringify({ m: client.organization }));
  });

  test('server-side message threads: the core says to send the full messages instead', async () => {
    const before = server.requests.length;
    assert.throws(() => client.beta.messages.thread({ model: 'claude-sonnet-4-6', max_tokens: 8 }), {
      name: 'AnthropicError',
      message: 'Message threads are not available on this client; use `client.beta.messages.create()` with the full `messages` instead',
    });
    assert.equal(server.requests.length, before);
  });

  test('withOptions() clones refuse the same APIs', async () => {
    const clone = client.withOptions({ maxRetries: 1 }) as unknown as Record<string, any>;
    assert.throws(() => clone['models'].list(), FoundryUnsupportedAPIError);
    assert.throws(() => clone['messages'].batches.list(), FoundryUnsupportedAPIError);
  });
});

describe('APIs Foundry offers', () => {
  test('messages.create and countTokens reach the server', async () => {
    const before = server.requests.length;
    await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    await client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(
      server.requests.slice(before).map((r) => r.url),
      ['/r/anthropic/v1/messages', '/r/anthropic/v1/messages/count_tokens'],
    );
  });

  test('files and skills are left to the server, which decides per deployment', async () => {
    const before = server.requests.length;
    await client.beta.files.list().catch(() => undefined);
    await client.skills.list().catch(() => undefined);
    const urls = server.requests.slice(before).map((r) => r.url.split('?')[0]);
    assert.deepEqual(urls, ['/r/anthropic/v1/files', '/r/anthropic/v1/skills']);
  });
});
