// The portal in a real browser (Debian's Chromium driven by playwright-core; never a downloaded browser): the admin
// user signs in through the development tenant's authorization-code flow, sees the resources, shows Key1 and calls
// the data plane with it through the official SDK; regenerating Key1 in the page makes the old key a 401; a Reader
// user, 390 px wide, sees the resource but no key and no button that changes anything on any page, and ARM refuses
// each such action forced with the user's own token. Every page: no request to another host, no CSP
// violation, no serious or critical axe-core violation. Screenshots go to the test's temp folder.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../gateway/src/identity/users.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { accountScope, assign, ROLES } from '../../gateway/test/identity-helpers.ts';
import { adminPassword, axe, call, clean, fits, go, launchChromium, openPage as open, screenshotsDir, signIn as signInAs } from './browser-helpers.ts';

const shots = screenshotsDir();

let gw: TestGateway;
let browser: Browser;
before(async () => {
  gw = await startTestGateway();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await gw?.close();
  process.stdout.write(`# portal screenshots: ${shots}\n`);
});

const openPage = (width = 1280) => open(browser, gw, width);
const signIn = (page: Page, userName: string, password: string) => signInAs(page, gw, userName, password);

const resource = () => gw.config.resources[0]!.name;
const sdk = (apiKey: string) => new AnthropicFoundry({ apiKey, baseURL: gw.baseURL(resource()), maxRetries: 0 });
const deployment = () => gw.config.resources[0]!.deployments[0]!.name;
const hello = (apiKey: string) => sdk(apiKey).messages.create({ model: deployment(), max_tokens: 32, messages: [{ role: 'user', content: 'Hello' }] });

describe('the portal in Chromium', () => {
  test('the admin signs in, sees the resources, shows Key1, and the SDK calls the data plane with it; regenerating Key1 turns the old key into a 401', async () => {
    const w = await openPage();
    const { page } = w;
    await page.goto(`${gw.url}/portal/`);
    await axe(page, 'the welcome page');
    await signIn(page, 'admin', adminPassword(gw));
    await page.screenshot({ path: join(shots, 'resources.png'), fullPage: true });
    await axe(page, 'resources');
    await page.getByRole('link', { name: resource() }).click();
    await page.getByRole('heading', { name: 'Keys and Endpoint' }).waitFor();
    assert.equal(await page.getByLabel('Endpoint', { exact: true }).inputValue(), `${gw.httpsUrl}/${resource()}/anthropic`);
    const key1 = page.getByTestId('key-Key1');
    assert.equal(await key1.getAttribute('type'), 'password', 'Key1 is hidden until shown');
    await page.getByRole('button', { name: 'Show Key1' }).click();
    assert.equal(await key1.getAttribute('type'), 'text');
    const shown = await key1.inputValue();
    assert.equal(shown, gw.keys(resource()).key1);
    assert.match(await page.locator('pre').innerText(), new RegExp(`ANTHROPIC_FOUNDRY_API_KEY=${shown}`));
    await page.getByRole('tab', { name: 'Python' }).click();
    assert.match(await page.locator('pre').innerText(), /from anthropic import AnthropicFoundry/);
    await page.screenshot({ path: join(shots, 'keys-and-endpoint.png'), fullPage: true });
    await axe(page, 'keys and endpoint');

    const reply = await hello(shown);
    assert.equal(reply.type, 'message');

    await page.getByRole('button', { name: 'Regenerate Key1' }).click();
    await page.getByRole('button', { name: 'Yes, regenerate Key1' }).click();
    let fresh = shown;
    for (const deadline = Date.now() + 10_000; fresh === shown && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      fresh = await key1.inputValue();
    }
    assert.notEqual(fresh, shown);
    assert.equal(fresh, gw.keys(resource()).key1);
    await assert.rejects(hello(shown), (err: { status?: number }) => err.status === 401);
    assert.equal((await hello(fresh)).type, 'message');
    clean(w);
    await page.context().close();
  });

  test("a Reader user at 390 px: the navigation folds behind Menu; the resources but no key and no button that changes anything on any page; ARM refuses each action forced with the user's own token", async () => {
    const { user, password } = await createUser(gw.identity.directory, 'reader');
    const id = accountScope(resource());
    await assign(gw, user.objectId, ROLES.reader, id, 'User');
    const w = await openPage(390);
    const { page } = w;
    await signIn(page, 'reader', password);
    assert.equal(await page.getByRole('button', { name: /Create|Delete/ }).count(), 0);
    await axe(page, 'resources as a Reader, 390 px');
    await fits(page, 'Resources');
    await page.getByRole('link', { name: resource() }).click();
    await page.getByTestId('keys-denied').waitFor();
    assert.equal(await page.getByTestId('key-Key1').count(), 0);
    assert.equal(await page.getByRole('button', { name: /Regenerate|Show Key/ }).count(), 0);
    assert.match(await page.locator('pre').innerText(), /ANTHROPIC_FOUNDRY_API_KEY=<Key1>/);
    await page.screenshot({ path: join(shots, 'reader-390px.png'), fullPage: true });
    await axe(page, 'keys and endpoint as a Reader, 390 px wide');

    const nav = page.getByRole('navigation', { name: 'Portal' });
    assert.equal(await nav.isVisible(), false, 'the navigation is folded at 390 px');
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    await axe(page, 'navigation open, 390 px');
    await fits(page, 'Overview');
    await page.screenshot({ path: join(shots, 'reader-nav-390px.png'), fullPage: true });
    await go(page, 'Deployments', /^Deployments/);
    assert.equal(await nav.isVisible(), false, 'choosing a page folds the navigation again');
    await page.getByRole('cell', { name: deployment(), exact: true }).first().waitFor();
    assert.equal(await page.getByRole('button', { name: /Deploy|Delete/ }).count(), 0);
    await axe(page, 'deployments as a Reader');
    await fits(page, 'Deployments');
    const pages: Array<[string, string]> = [['Access control', 'Role assignments table'], ['Budgets', 'Alerts'], ['Networking', 'Firewalls and virtual networks']];
    for (const [link, loaded] of pages) {
      await menu.click();
      await go(page, link, new RegExp(`^${link}`));
      await page.getByRole('main').getByText(loaded, { exact: true }).or(page.getByRole('region', { name: loaded })).first().waitFor();
      assert.equal(await page.getByRole('button', { name: /Add|Remove|Save|Assign/ }).count(), 0, `${link}: nothing to change`);
      await axe(page, `${link} as a Reader, 390 px`);
      await fits(page, link);
      await page.screenshot({ path: join(shots, `reader-${link.toLowerCase().replace(' ', '-')}-390px.png`), fullPage: true });
    }
    assert.equal(await page.getByLabel('All networks').isDisabled(), true);

    const token = w.token()!;
    const forced: Array<[string, string, unknown?]> = [
      ['POST', `${id}/listKeys?api-version=2024-10-01`],
      ['POST', `${id}/regenerateKey?api-version=2024-10-01`, { keyName: 'Key1' }],
      ['DELETE', `${id}?api-version=2024-10-01`],
      ['PUT', `${id}/deployments/forced?api-version=2024-10-01`, { sku: { name: 'GlobalStandard', capacity: 1 }, properties: { model: { format: 'Anthropic', name: 'claude-haiku-4-5' } } }],
      ['PATCH', `${id}?api-version=2024-10-01`, { properties: { publicNetworkAccess: 'Disabled' } }],
      ['PUT', `${id}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`, { properties: { roleDefinitionId: ROLES.owner, principalId: user.objectId, principalType: 'User' } }],
      ['PUT', `/monitoring/budgets/${resource()}`, { amountUsd: '1' }],
    ];
    for (const [method, path, body] of forced) {
      const res = await call(gw, token, method, path, body);
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.match(res.text, /AuthorizationFailed/);
    }
    assert.equal((await hello(gw.keys(resource()).key1)).type, 'message', 'the resource and its keys are unchanged');
    clean(w);
    await page.context().close();
  });

  test('the portal answers with a strict CSP and refuses paths outside its files', async () => {
    const res = await fetch(`${gw.url}/portal/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe|\*/);
    for (const path of ['/portal/..%2Fpackage.json', '/portal/%2E%2E/x.js', '/portal/.hidden.js', '/portal/assets/nope.js', '/portal/x.exe']) {
      const r = await fetch(`${gw.url}${path}`);
      assert.equal(r.status, 404, path);
    }
    const config = (await (await fetch(`${gw.url}/portal/config.json`)).json()) as { tenantId: string };
    assert.equal(config.tenantId, gw.identity.tenantId);
  });
});
