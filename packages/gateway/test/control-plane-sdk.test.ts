// Azure's own @azure/arm-cognitiveservices (8.1.0) with @azure/identity, unmodified, against a real gateway's HTTPS
// listener: it creates a resource and a deployment, lists and regenerates keys; the official Foundry SDK then calls
// the new deployment with the listed key, and the regenerated key replaces the old one at once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { CognitiveServicesManagementClient } from '@azure/arm-cognitiveservices';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { AuthenticationError, NotFoundError } from '@anthropic-ai/foundry-sdk/core/error';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { credential, SUBSCRIPTION } from './identity-helpers.ts';

const params = { max_tokens: 32, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };

let gw: TestGateway;
let arm: CognitiveServicesManagementClient;
/** Every request the management SDK sent: method and path. */
const sent: string[] = [];

before(async () => {
  gw = await startTestGateway();
  const admin = JSON.parse(readFileSync(gw.identity.adminCredentialsPath, 'utf8')) as { clientId: string; clientSecret: string };
  const agent = new Agent({ ca: gw.identity.caPem });
  arm = new CognitiveServicesManagementClient(credential(gw, admin.clientId, admin.clientSecret), SUBSCRIPTION, {
    endpoint: gw.httpsUrl,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'trust-gateway-ca-and-count',
          sendRequest: (req, next) => {
            req.agent = agent;
            sent.push(`${req.method} ${new URL(req.url).pathname}`);
            return next(req);
          },
        },
      },
    ],
  });
});
after(() => gw.close());

const foundry = (baseURL: string, apiKey: string) => new AnthropicFoundry({ baseURL, apiKey, maxRetries: 0 });

describe('@azure/arm-cognitiveservices against the gateway', () => {
  test('creates a resource and a deployment (one PUT each, no polling), lists and regenerates keys; the Foundry SDK follows at once', async () => {
    sent.length = 0;
    const account = await arm.accounts.beginCreateAndWait('sdk-rg', 'sdk-resource', {
      location: 'eastus2',
      kind: 'AIServices',
      sku: { name: 'S0' },
      properties: { customSubDomainName: 'sdk-resource', publicNetworkAccess: 'Enabled' },
    });
    assert.equal(account.properties?.provisioningState, 'Succeeded');
    assert.equal(account.id, `/subscriptions/${SUBSCRIPTION}/resourceGroups/sdk-rg/providers/Microsoft.CognitiveServices/accounts/sdk-resource`);
    assert.equal(account.properties?.endpoint, `${gw.httpsUrl}/sdk-resource/`);
    assert.deepEqual(sent, [`PUT ${account.id}`], 'beginCreateAndWait returned after one PUT');

    sent.length = 0;
    const deployment = await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'my-sonnet', {
      sku: { name: 'GlobalStandard', capacity: 10 },
      properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6', version: '20250929' } },
    });
    assert.equal(deployment.properties?.provisioningState, 'Succeeded');
    assert.deepEqual(deployment.sku, { name: 'GlobalStandard', capacity: 10 });
    assert.deepEqual(deployment.properties?.rateLimits?.map((r) => [r.key, r.count]), [['request', 10], ['token', 10_000], ['outputToken', 2_000]]);
    assert.deepEqual(sent, [`PUT ${account.id}/deployments/my-sonnet`]);

    const keys = await arm.accounts.listKeys('sdk-rg', 'sdk-resource');
    assert.match(keys.key1 ?? '', /^[A-Za-z0-9]{84}$/);
    const baseURL = `${account.properties?.endpoints?.['Anthropic (HTTP)']}`.replace(/\/$/, '');
    const reply = await foundry(baseURL, keys.key1!).messages.create({ model: 'my-sonnet', ...params });
    assert.equal(reply.role, 'assistant');

    const regenerated = await arm.accounts.regenerateKey('sdk-rg', 'sdk-resource', 'Key1');
    assert.notEqual(regenerated.key1, keys.key1);
    assert.equal(regenerated.key2, keys.key2);
    const refused = await foundry(baseURL, keys.key1!).messages.create({ model: 'my-sonnet', ...params }).catch((err: unknown) => err);
    assert.ok(refused instanceof AuthenticationError, String(refused));
    assert.equal(refused.status, 401);
    assert.equal((await foundry(baseURL, regenerated.key1!).messages.create({ model: 'my-sonnet', ...params })).type, 'message');
    assert.equal((await foundry(baseURL, keys.key2!).messages.create({ model: 'my-sonnet', ...params })).type, 'message', 'Key2 was untouched');
  });

  test('reads back, lists by resource group and by subscription, and deletes: a deleted deployment answers 404 at once', async () => {
    await arm.accounts.beginCreateAndWait('sdk-rg', 'sdk-other', { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } });
    await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-other', 'haiku', {
      sku: { name: 'DataZoneStandard', capacity: 5 },
      properties: { model: { format: 'Anthropic', name: 'claude-haiku-4-5', version: '20251001' } },
    });
    const got = await arm.accounts.get('sdk-rg', 'sdk-other');
    assert.equal(got.kind, 'AIServices');
    const inGroup: string[] = [];
    for await (const a of arm.accounts.listByResourceGroup('sdk-rg')) inGroup.push(a.name!);
    assert.ok(inGroup.includes('sdk-other') && !inGroup.includes('claude-local'), inGroup.join());
    const inSubscription: string[] = [];
    for await (const a of arm.accounts.list()) inSubscription.push(a.name!);
    assert.ok(inSubscription.includes('sdk-other') && inSubscription.includes('claude-local'), inSubscription.join());
    const deployments: string[] = [];
    for await (const d of arm.deployments.list('sdk-rg', 'sdk-other')) deployments.push(`${d.name}:${d.properties?.model?.name}`);
    assert.deepEqual(deployments, ['haiku:claude-haiku-4-5']);

    const { key1 } = await arm.accounts.listKeys('sdk-rg', 'sdk-other');
    const client = foundry(`${gw.url}/sdk-other/anthropic`, key1!);
    assert.equal((await client.messages.create({ model: 'haiku', ...params })).type, 'message');
    await arm.deployments.beginDeleteAndWait('sdk-rg', 'sdk-other', 'haiku');
    const gone = await client.messages.create({ model: 'haiku', ...params }).catch((err: unknown) => err);
    assert.ok(gone instanceof NotFoundError, String(gone));
    await assert.rejects(arm.deployments.get('sdk-rg', 'sdk-other', 'haiku'), { statusCode: 404, code: 'NotFound' });

    await arm.accounts.beginDeleteAndWait('sdk-rg', 'sdk-other');
    await assert.rejects(arm.accounts.get('sdk-rg', 'sdk-other'), { statusCode: 404, code: 'ResourceNotFound' });
    const afterDelete = await client.messages.create({ model: 'haiku', ...params }).catch((err: unknown) => err);
    assert.ok(afterDelete instanceof NotFoundError, String(afterDelete));
  });

  test('refusals surface as RestError with ARM\'s code: a bad name, an unknown model', async () => {
    await assert.rejects(
      arm.accounts.beginCreateAndWait('sdk-rg', '-bad', { location: 'eastus2', kind: 'AIServices', sku: { name: 'S0' } }),
      { statusCode: 400, code: 'InvalidAccountName' },
    );
    await assert.rejects(
      arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'gpt', { sku: { name: 'GlobalStandard', capacity: 1 }, properties: { model: { format: 'OpenAI', name: 'gpt-4o', version: '1' } } }),
      (err: { statusCode?: number; code?: string; message: string }) => err.statusCode === 400 && err.code === 'DeploymentModelNotSupported' && /claude-sonnet-4-6/.test(err.message),
    );
  });

  test('a capacity beyond what the subscription quota has left is RestError 400 InsufficientQuota in Azure\'s words; what is left is granted', async () => {
    const usage = async () => {
      for await (const u of arm.usages.list('eastus2')) if (u.name?.value === 'AIServices.GlobalStandard.claude-opus-4-6') return u;
      return assert.fail('no usage for claude-opus-4-6');
    };
    const { limit, currentValue } = await usage();
    const left = limit! - currentValue!;
    assert.ok(left > 1, `${currentValue} of ${limit} held`);
    const body = (capacity: number) => ({ sku: { name: 'GlobalStandard', capacity }, properties: { model: { format: 'Anthropic', name: 'claude-opus-4-6' } } });
    await assert.rejects(arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-big', body(left + 1)), (err: { statusCode?: number; code?: string; message: string }) => {
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'InsufficientQuota');
      assert.match(
        err.message,
        new RegExp(
          `^This operation require ${left + 1} new capacity in quota AIServices\\.GlobalStandard\\.claude-opus-4-6, which is bigger than the current available capacity ${left}\\. ` +
            `The current quota usage is ${currentValue} and the quota limit is ${limit} for quota AIServices\\.GlobalStandard\\.claude-opus-4-6\\.`,
        ),
      );
      return true;
    });
    await assert.rejects(arm.deployments.get('sdk-rg', 'sdk-resource', 'opus-big'), { statusCode: 404 }, 'nothing was written');
    const granted = await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-big', body(left));
    assert.deepEqual(granted.sku, { name: 'GlobalStandard', capacity: left });
    assert.equal((await usage()).currentValue, limit, 'the pool is now full');
    // Its own capacity does not count against an update of it; any more, anywhere in the subscription, is refused.
    assert.equal((await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-big', body(left))).sku?.capacity, left);
    await assert.rejects(arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-more', body(1)), { statusCode: 400, code: 'InsufficientQuota' });
    // A Data Zone deployment does not draw from the Global Standard pool.
    const zone = await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-zone', { ...body(5), sku: { name: 'DataZoneStandard', capacity: 5 } });
    assert.equal(zone.sku?.capacity, 5);
    await arm.deployments.beginDeleteAndWait('sdk-rg', 'sdk-resource', 'opus-big');
    assert.equal((await arm.deployments.beginCreateOrUpdateAndWait('sdk-rg', 'sdk-resource', 'opus-more', body(1))).sku?.capacity, 1, 'freed by the delete');
  });
});
