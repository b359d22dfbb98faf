// The playground on the signed-in user's own Entra token, in Debian's Chromium: on a resource with key
// authentication disabled, a user holding Cognitive Services User streams a reply with a data-plane token the page
// got from its refresh token (never stored in the browser's storage), renewed before it expires; the request log
// names the user; View code shows the Entra variant next to the key one. A Reader (no data action, no key) is told,
// and sees the data plane's own 403 when it sends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Request } from 'playwright-core';
import { createUser } from '../../gateway/src/identity/users.ts';
import { defaultSimulatorProfile } from '../../gateway/src/config/index.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { accountScope, assign } from '../../gateway/test/identity-helpers.ts';
import { loggedRecord, managementToken, ROLES } from '../../gateway/test/telemetry-helpers.ts';
import { axe, clean, launchChromium, openPage, screenshot, screenshotsDir, signIn } from './browser-helpers.ts';

const shots = screenshotsDir();
const RESOURCE = 'keyless';
/** No injected faults: the simulator's default. */
const QUIET = defaultSimulatorProfile().faults;

let gw: TestGateway;
let browser: Browser;
before(async () => {
  gw = await startTestGateway({
    resources: [{
      name: RESOURCE,
      disableLocalAuth: true,
      // Paced so that a reply streams over about a second: many paints before its end.
      deployments: [{ name: 'paced', model: 'claude-haiku-4-5', simulator: { ttftMs: 100, tokensPerSecond: 40, faults: QUIET } }],
    }],
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await gw?.close();
  process.stdout.write(`# portal screenshots: ${shots}\n`);
});

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const isRefresh = (r: Request) => r.url().endsWith('/oauth2/v2.0/token') && /grant_type=refresh_token/.test(r.postData() ?? '');

describe('the playground with the user’s Entra token', () => {
  test('on a resource with key auth disabled, a user with a data role streams a reply with its own token, renewed before expiry; the log names the user', async () => {
    const { user, password } = await createUser(gw.identity.directory, 'data-user');
    await assign(gw, user.objectId, ROLES.cognitiveServicesUser, accountScope(RESOURCE), 'User');
    const w = await openPage(browser, gw);
    const { page } = w;
    // The page's clock, so the test can move it past the token's renewal point (the gateway's own clock is real).
    await page.clock.install();
    const refreshes: Request[] = [];
    const refreshTokens: string[] = [];
    page.on('request', (r) => isRefresh(r) && refreshes.push(r));
    page.on('response', async (r) => {
      if (!r.url().endsWith('/oauth2/v2.0/token') || !r.ok()) return;
      const token = ((await r.json()) as { refresh_token?: string }).refresh_token;
      if (token) refreshTokens.push(token);
    });
    await signIn(page, gw, 'data-user', password);
    assert.equal(refreshTokens.length, 1, 'the sign-in asked for offline_access and got a refresh token');

    await page.getByRole('link', { name: 'Playground' }).click();
    const auth = page.getByLabel('Authentication');
    await page.getByTestId('auth-note').getByText('Calls as you').waitFor();
    assert.equal(await auth.inputValue(), 'entra');
    assert.equal(await page.locator('#pg-auth option[value="key"]').isDisabled(), true, 'no key on a resource that refuses keys');
    assert.match(await page.getByTestId('auth-note').innerText(), /your Entra token for https:\/\/cognitiveservices\.azure\.com/);

    await page.getByLabel('Message').fill('Tell me about the sea.');
    await page.evaluate(`(() => {
      const seen = (globalThis.__lengths = []);
      const tick = () => {
        const el = document.querySelector('[data-testid="reply-text"]');
        seen.push(el ? el.textContent.length : 0);
        if (!document.querySelector('[data-testid="cost"]')) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const sent = page.waitForRequest((r) => r.url().endsWith(`/${RESOURCE}/anthropic/v1/messages`));
    const answered = page.waitForResponse((r) => r.url().endsWith(`/${RESOURCE}/anthropic/v1/messages`));
    await page.getByRole('button', { name: 'Send' }).click();
    const headers = (await sent).headers();
    assert.equal(headers['x-api-key'], undefined, 'no key is sent');
    const bearer = /^Bearer (.+)$/.exec(headers['authorization'] ?? '')?.[1];
    assert.ok(bearer, 'the call carries a bearer token');
    const token = claims(bearer);
    assert.equal(token['aud'], 'https://cognitiveservices.azure.com');
    assert.equal(token['oid'], user.objectId);
    assert.equal(token['idtyp'], 'user');
    assert.equal(refreshes.length, 1, 'the data-plane token came from the refresh token');
    assert.match(refreshes[0]!.postData() ?? '', /scope=https%3A%2F%2Fcognitiveservices\.azure\.com%2F\.default/);

    const response = await answered;
    assert.equal(response.status(), 200);
    await page.getByTestId('cost').waitFor({ timeout: 15_000 });
    const lengths = (await page.evaluate('globalThis.__lengths')) as number[];
    const final = lengths[lengths.length - 1]!;
    assert.ok(new Set(lengths.filter((n) => n > 0 && n < final)).size >= 2, 'the reply painted as it streamed');
    const requestId = response.headers()['request-id']!;
    assert.equal(await page.getByTestId('request-id').innerText(), requestId);
    const record = await loggedRecord(gw, await managementToken(gw, ROLES.reader), requestId);
    assert.equal(record.principal, user.objectId, "the request log's principal is the user");
    assert.equal(record.status, 200);

    // Tokens and the refresh token live in memory only.
    const stored = (await page.evaluate('JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage), document.cookie])')) as string;
    for (const secret of [...refreshTokens, bearer]) assert.ok(!stored.includes(secret), 'no token in the browser storage');

    // Within five minutes of its expiry (the page's clock 56 minutes on), the next call renews the token first.
    await page.clock.fastForward('56:00');
    await page.getByLabel('Message').fill('And the mountains?');
    const resent = page.waitForRequest((r) => r.url().endsWith(`/${RESOURCE}/anthropic/v1/messages`));
    await page.getByRole('button', { name: 'Send' }).click();
    const renewed = /^Bearer (.+)$/.exec((await resent).headers()['authorization'] ?? '')?.[1];
    assert.ok(renewed && renewed !== bearer, 'a new token');
    assert.equal(refreshes.filter((r) => /cognitiveservices/.test(r.postData() ?? '')).length, 2, 'renewed from the refresh token');
    await page.getByTestId('cost').nth(1).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.turns [role="alert"]').count(), 0, 'no turn failed');

    // View code: the Entra variant by default, the key variant next to it.
    await page.getByRole('button', { name: 'View code' }).click();
    const code = page.getByTestId('code');
    const curl = await code.innerText();
    assert.match(curl, /Authorization: Bearer \$\(az account get-access-token --resource https:\/\/cognitiveservices\.azure\.com/);
    assert.doesNotMatch(curl, /ANTHROPIC_FOUNDRY_API_KEY/, 'no key variable in the Entra variant');
    await page.getByRole('tab', { name: 'TypeScript' }).click();
    assert.match(await code.innerText(), /getBearerTokenProvider\(new DefaultAzureCredential\(\), 'https:\/\/cognitiveservices\.azure\.com\/\.default'\)/);
    await page.getByRole('tab', { name: 'Python' }).click();
    assert.match(await code.innerText(), /azure_ad_token_provider=get_bearer_token_provider\(DefaultAzureCredential\(\), "https:\/\/cognitiveservices\.azure\.com\/\.default"\)/);
    await page.getByLabel('API key').check();
    assert.match(await code.innerText(), /export ANTHROPIC_FOUNDRY_API_KEY=<Key1 or Key2 from Keys and Endpoint>/);
    assert.match(await code.innerText(), /client = AnthropicFoundry\(\)/);
    await screenshot(page, shots, 'playground-entra');
    await axe(page, 'the playground on an Entra token');
    clean(w);
    await page.context().close();
  });

  test("a Reader (no data action, no key) is told, and sees the data plane's 403 PermissionDenied when it sends", async () => {
    const { user, password } = await createUser(gw.identity.directory, 'reader-user');
    await assign(gw, user.objectId, ROLES.reader, accountScope(RESOURCE), 'User');
    const w = await openPage(browser, gw, 390);
    const { page } = w;
    await signIn(page, gw, 'reader-user', password);
    await page.goto(`${gw.url}/portal/#/playground`);
    await page.getByTestId('auth-note').getByText('Calls as you').waitFor();
    assert.match(await page.getByTestId('auth-note').innerText(), /grant no data action for Claude/);
    await page.getByLabel('Message').fill('Hi');
    const answered = page.waitForResponse((r) => r.url().endsWith(`/${RESOURCE}/anthropic/v1/messages`));
    await page.getByRole('button', { name: 'Send' }).click();
    const response = await answered;
    assert.equal(response.status(), 403);
    const alert = page.locator('.turns [role="alert"]');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /^403 PermissionDenied: The principal `[0-9a-f-]{36}` lacks the required data action `Microsoft\.CognitiveServices\/accounts\/providers\/Anthropic\/messages\/action`/);
    assert.match(text, new RegExp(user.objectId));
    assert.equal(await page.getByTestId('request-id').innerText(), response.headers()['request-id'], 'the refused call has its request-id');
    await screenshot(page, shots, 'playground-entra-403');
    await axe(page, 'the playground refused');
    clean(w);
    await page.context().close();
  });
});
