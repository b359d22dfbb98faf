// Constructor options: the official SDK's documented behaviours, and the mistakes this client catches before any request.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnthropicError, AnthropicFoundry } from '../src/index.ts';
import { HELLO, recordingFetch, withEnv } from './helpers.ts';

const never = async () => 'token';

/** Runs one create() through a recording fetch and returns what was sent. */
async function sent(options: ConstructorParameters<typeof AnthropicFoundry>[0]) {
  const { fetch, calls } = recordingFetch();
  const client = new AnthropicFoundry({ ...options, fetch });
  await client.messages.create(HELLO);
  assert.equal(calls.length, 1);
  return { client, call: calls[0]! };
}

describe('the official behaviours', () => {
  test('builds https://{resource}.services.ai.azure.com/anthropic/ from the resource and posts to /v1/messages', async () => {
    await withEnv({}, async () => {
      const { client, call } = await sent({ resource: 'my-resource', apiKey: 'k' });
      assert.equal(client.baseURL, 'https://my-resource.services.ai.azure.com/anthropic/');
      assert.equal(client.resource, 'my-resource');
      assert.equal(call.url, 'https://my-resource.services.ai.azure.com/anthropic/v1/messages');
    });
  });

  test('sends the key only as x-api-key', async () => {
    await withEnv({}, async () => {
      const { call } = await sent({ resource: 'r', apiKey: 'secret-key' });
      assert.equal(call.headers.get('x-api-key'), 'secret-key');
      assert.equal(call.headers.get('authorization'), null);
      assert.equal(call.headers.get('api-key'), null);
      assert.equal(call.headers.get('anthropic-dangerous-direct-browser-access'), null);
    });
  });

  test('reads ANTHROPIC_FOUNDRY_API_KEY and ANTHROPIC_FOUNDRY_RESOURCE, trimmed', async () => {
    await withEnv({ ANTHROPIC_FOUNDRY_API_KEY: ' env-key\n', ANTHROPIC_FOUNDRY_RESOURCE: 'env-res' }, async () => {
      const { call } = await sent({});
      assert.equal(call.url, 'https://env-res.services.ai.azure.com/anthropic/v1/messages');
      assert.equal(call.headers.get('x-api-key'), 'env-key');
    });
  });

  test('reads ANTHROPIC_FOUNDRY_BASE_URL and uses it verbatim', async () => {
    await withEnv({ ANTHROPIC_FOUNDRY_API_KEY: 'k', ANTHROPIC_FOUNDRY_BASE_URL: 'https://proxy.example/foundry/anthropic' }, async () => {
      const { client, call } = await sent({});
      assert.equal(client.resource, null);
      assert.equal(call.url, 'https://proxy.example/foundry/anthropic/v1/messages');
    });
  });

  test('options win over the environment variables', async () => {
    await withEnv({ ANTHROPIC_FOUNDRY_API_KEY: 'env-key', ANTHROPIC_FOUNDRY_RESOURCE: 'env-res' }, async () => {
      const { call } = await sent({ apiKey: 'opt-key', resource: 'opt-res' });
      assert.equal(call.url, 'https://opt-res.services.ai.azure.com/anthropic/v1/messages');
      assert.equal(call.headers.get('x-api-key'), 'opt-key');
    });
  });

  test('`resource: null` skips ANTHROPIC_FOUNDRY_RESOURCE, so a baseURL can be given beside it', async () => {
    await withEnv({ ANTHROPIC_FOUNDRY_RESOURCE: 'env-res' }, async () => {
      const { call } = await sent({ apiKey: 'k', resource: null, baseURL: 'https://other.services.ai.azure.com/anthropic/' });
      assert.equal(call.url, 'https://other.services.ai.azure.com/anthropic/v1/messages');
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'https://other.services.ai.azure.com/anthropic/' }), {
        message: /^baseURL and resource are mutually exclusive: `baseURL` and the ANTHROPIC_FOUNDRY_RESOURCE environment variable are both set/,
      });
    });
  });

  test('refuses Anthropic-only credentials with the official message', async () => {
    await withEnv({}, () => {
      for (const option of ['authToken', 'credentials', 'config', 'profile']) {
        assert.throws(() => new AnthropicFoundry({ resource: 'r', apiKey: 'k', [option]: 'x' }), {
          name: 'AnthropicError',
          message: `The \`${option}\` option is not supported by AnthropicFoundry; authentication uses a Foundry API key (\`apiKey\`) or a Microsoft Entra token (\`azureADTokenProvider\`).`,
        });
      }
    });
  });

  test('every constructor error is an AnthropicError', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ resource: 'r' }), AnthropicError);
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k' }), AnthropicError);
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', azureADTokenProvider: never, resource: 'r' }), AnthropicError);
    });
  });
});

describe('withOptions', () => {
  test('keeps the resource, the key and the other options', async () => {
    await withEnv({}, async () => {
      const { fetch, calls } = recordingFetch();
      const parent = new AnthropicFoundry({ resource: 'r1', apiKey: 'k1', fetch, maxRetries: 5 });
      const clone = parent.withOptions({ timeout: 1234 });
      assert.ok(clone instanceof AnthropicFoundry);
      assert.equal(clone.resource, 'r1');
      assert.equal(clone.maxRetries, 5);
      assert.equal(clone.timeout, 1234);
      await clone.messages.create(HELLO);
      assert.equal(calls[0]!.url, 'https://r1.services.ai.azure.com/anthropic/v1/messages');
      assert.equal(calls[0]!.headers.get('x-api-key'), 'k1');
    });
  });

  test('a new resource replaces the old one, and a baseURL replaces the resource', async () => {
    await withEnv({}, () => {
      const parent = new AnthropicFoundry({ resource: 'r1', apiKey: 'k1' });
      const moved = parent.withOptions({ resource: 'r2' });
      assert.equal(moved.baseURL, 'https://r2.services.ai.azure.com/anthropic/');
      assert.equal(moved.resource, 'r2');
      const proxied = parent.withOptions({ baseURL: 'https://proxy.example/anthropic/' });
      assert.equal(proxied.baseURL, 'https://proxy.example/anthropic/');
      assert.equal(proxied.resource, null);
      assert.equal(proxied.withOptions({ resource: 'r3' }).baseURL, 'https://r3.services.ai.azure.com/anthropic/');
    });
  });

  test('keeps a token provider, and can switch from a key to Entra and back', async () => {
    await withEnv({}, async () => {
      const { fetch, calls } = recordingFetch();
      const keyed = new AnthropicFoundry({ resource: 'r', apiKey: 'k', fetch });
      const entra = keyed.withOptions({ azureADTokenProvider: async () => 'tok-1' });
      await entra.withOptions({ maxRetries: 0 }).messages.create(HELLO);
      assert.equal(calls[0]!.headers.get('authorization'), 'Bearer tok-1');
      assert.equal(calls[0]!.headers.get('x-api-key'), null);
      await entra.withOptions({ apiKey: 'k2' }).messages.create(HELLO);
      assert.equal(calls[1]!.headers.get('x-api-key'), 'k2');
      assert.equal(calls[1]!.headers.get('authorization'), null);
    });
  });
});

describe('mistakes caught before any request', () => {
  test('a host or URL as `resource` names the resource to pass instead', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', resource: 'my-res.services.ai.azure.com' }), {
        message:
          'The `resource` option takes just the name of your Foundry resource, not a host or URL; it is "my-res.services.ai.azure.com". ' +
          "Pass `resource: 'my-res'`, or pass the URL as `baseURL` instead.",
      });
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', resource: 'https://my-res.services.ai.azure.com/anthropic/' }), {
        message: /it is "https:\/\/my-res\.services\.ai\.azure\.com\/anthropic\/"\. Pass `resource: 'my-res'`/,
      });
    });
  });

  test('a URL in ANTHROPIC_FOUNDRY_RESOURCE says which variable to set to what', async () => {
    await withEnv({ ANTHROPIC_FOUNDRY_API_KEY: 'k', ANTHROPIC_FOUNDRY_RESOURCE: 'https://env-res.openai.azure.com' }, () => {
      assert.throws(() => new AnthropicFoundry(), {
        message: /^The `ANTHROPIC_FOUNDRY_RESOURCE` environment variable takes just the name .*Set ANTHROPIC_FOUNDRY_RESOURCE=env-res, or put the URL in ANTHROPIC_FOUNDRY_BASE_URL instead\.$/,
      });
    });
  });

  test('an Azure baseURL without /anthropic says to append it', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'https://x.services.ai.azure.com' }), {
        message:
          'The `baseURL` option must end in /anthropic for a Foundry resource (Claude is served at https://{resource}.services.ai.azure.com/anthropic/v1/messages); it is "https://x.services.ai.azure.com". ' +
          "Append /anthropic: use https://x.services.ai.azure.com/anthropic, or pass `resource: 'x'` instead.",
      });
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'https://x.cognitiveservices.azure.com/' }), {
        message: /use https:\/\/x\.cognitiveservices\.azure\.com\/anthropic,/,
      });
    });
  });

  test('a baseURL that already ends in /v1 or /v1/messages says what to drop', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'https://x.services.ai.azure.com/anthropic/v1/messages' }), {
        message: /ends in \/v1\/messages, which the SDK adds itself .* Use https:\/\/x\.services\.ai\.azure\.com\/anthropic instead\.$/,
      });
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'http://127.0.0.1:4480/claude-local/anthropic/v1' }), {
        message: /Use http:\/\/127\.0\.0\.1:4480\/claude-local\/anthropic instead\.$/,
      });
    });
  });

  test('a base URL off Azure may use any other path, and an unparsable one is refused', async () => {
    await withEnv({}, () => {
      assert.equal(new AnthropicFoundry({ apiKey: 'k', baseURL: 'http://localhost:4000' }).baseURL, 'http://localhost:4000');
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k', baseURL: 'my-res/anthropic' }), {
        message: 'The `baseURL` option must be an absolute URL such as https://my-resource.services.ai.azure.com/anthropic; it is "my-res/anthropic".',
      });
    });
  });

  test('no credential: the official message without its typo, then an example', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ resource: 'r' }), {
        message:
          /^Missing credentials\. Please pass one of `apiKey` and `azureADTokenProvider`, or set the `ANTHROPIC_FOUNDRY_API_KEY` environment variable\. For example `new AnthropicFoundry\(\{ resource: 'my-resource', apiKey: .*getEntraTokenProvider\(\)/,
      });
    });
  });

  test('both credentials: says which to remove, or how to ignore the variable', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ resource: 'r', apiKey: 'k', azureADTokenProvider: never }), {
        message:
          'The `apiKey` and `azureADTokenProvider` arguments are mutually exclusive; only one can be passed at a time. Remove `apiKey` to use Microsoft Entra ID, or remove `azureADTokenProvider` to use the key.',
      });
    });
    await withEnv({ ANTHROPIC_FOUNDRY_API_KEY: 'env-key' }, async () => {
      assert.throws(() => new AnthropicFoundry({ resource: 'r', azureADTokenProvider: never }), {
        message: /only one can be passed at a time\. The key comes from the `ANTHROPIC_FOUNDRY_API_KEY` environment variable: unset it, or pass `apiKey: null`/,
      });
      // …and `apiKey: null` does what the message says.
      const { call } = await sent({ resource: 'r', apiKey: null, azureADTokenProvider: never });
      assert.equal(call.headers.get('authorization'), 'Bearer token');
    });
  });

  test('no resource or base URL: the official message, then an example', async () => {
    await withEnv({}, () => {
      assert.throws(() => new AnthropicFoundry({ apiKey: 'k' }), {
        message:
          "Must provide one of the `baseURL` or `resource` arguments, or the `ANTHROPIC_FOUNDRY_RESOURCE` environment variable: for example `resource: 'my-resource'` for https://my-resource.services.ai.azure.com/anthropic/.",
      });
    });
  });

  test('a key passed as the token provider is refused with the fix', async () => {
    await withEnv({}, () => {
      const provider = 'a-key' as unknown as () => Promise<string>;
      assert.throws(() => new AnthropicFoundry({ resource: 'r', azureADTokenProvider: provider }), {
        message: /^The `azureADTokenProvider` option must be a function .* it is a string\. To authenticate with a key, pass it as `apiKey`/,
      });
    });
  });
});
