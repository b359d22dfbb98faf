// Microsoft Entra tokens: getEntraTokenProvider() caching, refresh and errors with a fake TokenCredential, and the Bearer header a client sends.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { AnthropicError, AnthropicFoundry, DEFAULT_ENTRA_SCOPE, getEntraTokenProvider, type AccessToken, type TokenCredential } from '../src/index.ts';
import { defaultAzureCredential } from '../src/entra.ts';
import { HELLO, startRecorder } from './helpers.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** A TokenCredential that issues `tok-1`, `tok-2`, … valid for `lifetime`, recording each call. */
function fakeCredential(lifetime = 60 * MINUTE, extra: Partial<AccessToken> = {}) {
  const calls: Array<string | string[]> = [];
  const credential: TokenCredential & { calls: typeof calls; fail?: Error | undefined; gate?: Promise<void> | undefined } = {
    calls,
    async getToken(scopes) {
      calls.push(scopes);
      await this.gate;
      if (this.fail) throw this.fail;
      return { token: `tok-${calls.length}`, expiresOnTimestamp: Date.now() + lifetime, ...extra };
    },
  };
  return credential;
}

function clock(t: TestContext) {
  t.mock.timers.enable({ apis: ['Date'], now: T0 });
  return { at: (ms: number) => t.mock.timers.setTime(T0 + ms) };
}

describe('getEntraTokenProvider', () => {
  test('asks for https://cognitiveservices.azure.com/.default and returns the token', async () => {
    const credential = fakeCredential();
    assert.equal(await getEntraTokenProvider(credential)(), 'tok-1');
    assert.deepEqual(credential.calls, ['https://cognitiveservices.azure.com/.default']);
    assert.equal(DEFAULT_ENTRA_SCOPE, 'https://cognitiveservices.azure.com/.default');
  });

  test('asks for another scope when told', async () => {
    const credential = fakeCredential();
    await getEntraTokenProvider(credential, { scope: 'https://ai.azure.com/.default' })();
    assert.deepEqual(credential.calls, ['https://ai.azure.com/.default']);
  });

  test('reuses the token until 5 minutes before it expires, then fetches a new one', async (t) => {
    const { at } = clock(t);
    const credential = fakeCredential(60 * MINUTE);
    const provider = getEntraTokenProvider(credential);
    assert.equal(await provider(), 'tok-1');
    at(30 * MINUTE);
    assert.equal(await provider(), 'tok-1');
    at(55 * MINUTE - 1);
    assert.equal(await provider(), 'tok-1');
    at(55 * MINUTE);
    assert.equal(await provider(), 'tok-2');
    assert.equal(credential.calls.length, 2);
  });

  test('honours the margin given and an earlier refreshAfterTimestamp', async (t) => {
    const { at } = clock(t);
    const margined = fakeCredential(60 * MINUTE);
    const provider = getEntraTokenProvider(margined, { refreshBeforeExpiryMs: 20 * MINUTE });
    await provider();
    at(40 * MINUTE - 1);
    assert.equal(await provider(), 'tok-1');
    at(40 * MINUTE);
    assert.equal(await provider(), 'tok-2');

    at(0);
    const hinted = fakeCredential(60 * MINUTE, { refreshAfterTimestamp: T0 + 10 * MINUTE });
    const hintedProvider = getEntraTokenProvider(hinted);
    await hintedProvider();
    at(10 * MINUTE);
    assert.equal(await hintedProvider(), 'tok-2');
  });

  test('refreshes a token shorter-lived than the margin at half its remaining life', async (t) => {
    const { at } = clock(t);
    const credential = fakeCredential(2 * MINUTE);
    const provider = getEntraTokenProvider(credential);
    await provider();
    at(MINUTE - 1);
    assert.equal(await provider(), 'tok-1');
    at(MINUTE);
    assert.equal(await provider(), 'tok-2');
  });

  test('concurrent calls share one token request', async () => {
    const credential = fakeCredential();
    let open!: () => void;
    credential.gate = new Promise<void>((resolve) => (open = resolve));
    const provider = getEntraTokenProvider(credential);
    const pending = Array.from({ length: 10 }, () => provider());
    open();
    assert.deepEqual(await Promise.all(pending), Array(10).fill('tok-1'));
    assert.equal(credential.calls.length, 1);
  });

  test('wraps a credential failure in an AnthropicError that keeps the cause, and tries again next call', async () => {
    const credential = fakeCredential();
    const cause = new Error('AADSTS700016: Application not found in the directory');
    credential.fail = cause;
    const provider = getEntraTokenProvider(credential);
    await assert.rejects(provider(), (err: unknown) => {
      assert.ok(err instanceof AnthropicError);
      assert.equal(err.message, 'Microsoft Entra ID gave no token for https://cognitiveservices.azure.com/.default: AADSTS700016: Application not found in the directory');
      assert.equal(err.cause, cause);
      return true;
    });
    credential.fail = undefined;
    assert.equal(await provider(), 'tok-2');
  });

  test('refuses a credential that returns null', async () => {
    const provider = getEntraTokenProvider({ getToken: async () => null });
    await assert.rejects(provider(), { name: 'AnthropicError', message: /gave no token .*: the credential's getToken\(\) returned null\.$/ });
  });

  test('keeps serving a still-valid token when an early refresh fails, and fails once it has expired', async (t) => {
    const { at } = clock(t);
    const credential = fakeCredential(60 * MINUTE);
    const provider = getEntraTokenProvider(credential);
    await provider();
    credential.fail = new Error('network down');
    at(58 * MINUTE);
    assert.equal(await provider(), 'tok-1');
    at(60 * MINUTE);
    await assert.rejects(provider(), /network down/);
  });

  test('without a credential, says to install @azure/identity when it is missing', async () => {
    await assert.rejects(defaultAzureCredential('@claude-foundry/no-such-package'), {
      name: 'AnthropicError',
      message: /^getEntraTokenProvider\(\) without a credential uses DefaultAzureCredential from @claude-foundry\/no-such-package, which is not installed: run `npm install @azure\/identity`, or pass a credential/,
    });
    await assert.rejects(defaultAzureCredential('node:path'), { message: 'node:path does not export DefaultAzureCredential; pass a credential to getEntraTokenProvider().' });
  });
});

describe('a client with azureADTokenProvider', () => {
  test('sends Authorization: Bearer <token> and no key, as the official client does', async (t) => {
    const server = await startRecorder();
    t.after(() => server.close());
    const client = new AnthropicFoundry({ baseURL: `${server.url}/r/anthropic`, azureADTokenProvider: getEntraTokenProvider(fakeCredential()) });
    await client.messages.create(HELLO);
    const [request] = server.requests;
    assert.equal(request?.headers['authorization'], 'Bearer tok-1');
    assert.equal(request?.headers['x-api-key'], undefined);
    assert.equal(request?.headers['api-key'], undefined);
    assert.equal(request?.headers['anthropic-dangerous-direct-browser-access'], 'true');
  });

  test('calls the provider for every attempt, retries included', async (t) => {
    const server = await startRecorder();
    t.after(() => server.close());
    server.queue.push({ status: 500, headers: { 'retry-after-ms': '1' }, json: { type: 'error', error: { type: 'api_error', message: 'boom' } } });
    let n = 0;
    const client = new AnthropicFoundry({ baseURL: `${server.url}/r/anthropic`, azureADTokenProvider: async () => `attempt-${++n}`, maxRetries: 1 });
    await client.messages.create(HELLO);
    assert.deepEqual(server.requests.map((r) => r.headers['authorization']), ['Bearer attempt-1', 'Bearer attempt-2']);
  });

  test("surfaces the provider's AnthropicError unchanged, and sends nothing", async (t) => {
    const server = await startRecorder();
    t.after(() => server.close());
    const credential = fakeCredential();
    credential.fail = new Error('CredentialUnavailableError: az login needed');
    const client = new AnthropicFoundry({ baseURL: `${server.url}/r/anthropic`, azureADTokenProvider: getEntraTokenProvider(credential) });
    await assert.rejects(client.messages.create(HELLO), {
      name: 'AnthropicError',
      message: 'Microsoft Entra ID gave no token for https://cognitiveservices.azure.com/.default: CredentialUnavailableError: az login needed',
    });
    assert.equal(server.requests.length, 0);
  });
});
