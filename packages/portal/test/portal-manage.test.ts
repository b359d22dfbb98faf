// The portal's management pages in Chromium, driven as a user would: the admin user creates a resource (ARM's
// validation error shown first), deploys a model from the catalog, copies Key1 and the official SDK calls the
// deployment with it; regenerating Key1 in the page makes the old key a 401; access control adds and removes a role
// assignment, and shows ARM's refusal to a user whose role may not grant it; a budget and a network rule set in the
// page change what the data plane does; the resource is deleted after its name is typed. (A Reader user on these
// pages: portal-browser.test.ts.) Every page: keyboard reachable, axe-core clean, no other host, no CSP violation.
// Screenshots go to a temp folder (printed); CLAUDE_FOUNDRY_DOCS_IMAGES=1 also writes the README's three.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../gateway/src/identity/users.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { accountScope, assign, ROLES, SUBSCRIPTION } from '../../gateway/test/identity-helpers.ts';
import { adminPassword, axe, call, clean, go, launchChromium, openPage, screenshot, screenshotsDir, signIn, type Watched } from './browser-helpers.ts';

const shots = screenshotsDir();
const NAME = 'portal-made';
const GROUP = 'portal-rg';
const MODEL = 'claude-haiku-4-5';
const ID = accountScope(NAME, GROUP);

let gw: TestGateway;
let browser: Browser;
let admin: Watched;
before(async () => {
  gw = await startTestGateway();
  browser = await launchChromium();
  admin = await openPage(browser, gw);
  await admin.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(gw.url).origin });
  await signIn(admin.page, gw, 'admin', adminPassword(gw));
});
after(async () => {
  await browser?.close();
  await gw?.close();
  process.stdout.write(`# portal management screenshots: ${shots}\n`);
});

const shot = (page: Page, name: string, forDocs = false) => screenshot(page, shots, name, forDocs);

const alertText = (page: Page) => page.getByRole('alert').innerText();
const sdk = (apiKey: string) => new AnthropicFoundry({ apiKey, baseURL: gw.baseURL(NAME), maxRetries: 0 });
const hello = (apiKey: string) => sdk(apiKey).messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Hello' }] });
const statusOf = (promise: Promise<unknown>) => promise.then(() => 200, (err: { status?: number }) => err.status ?? 0);

describe('the portal management pages in Chromium', () => {
  test('the admin creates a resource (a bad name shows ARM\'s error), its group made on the way', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Create a resource' }).click();
    await page.getByLabel('Resource group').fill('claude-foundry');
    await page.getByLabel('Name', { exact: true }).fill('bad_name!');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    assert.match(await alertText(page), /account name is invalid/i);
    assert.equal(gw.control.current.resource('bad_name!'), undefined);
    await axe(page, 'create a resource');

    await page.getByLabel('Resource group').fill(GROUP);
    await page.getByLabel('Name', { exact: true }).fill(NAME);
    await shot(page, 'create-resource');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'Keys and Endpoint' }).waitFor();
    const created = gw.control.current.resource(NAME);
    assert.equal(created?.resourceGroup, GROUP);
    assert.ok(gw.control.current.hasResourceGroup(SUBSCRIPTION, GROUP));
    assert.equal(new URL(page.url()).hash, `#/resource/${encodeURIComponent(ID)}`);
    clean(admin);
  });

  test('the navigation works from the keyboard: skip link, then Tab to Deployments and Enter', async () => {
    const { page } = admin;
    const skip = page.getByRole('button', { name: 'Skip to content' });
    await skip.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'main');
    await skip.focus();
    let focused = '';
    for (let i = 0; i < 15 && focused !== 'Deployments'; i++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement?.textContent'));
    }
    assert.equal(focused, 'Deployments', 'Deployments is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Deployments/, level: 1 }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Deployments' }).getAttribute('aria-current'), 'page');
  });

  test('the admin deploys a model from the catalog (lifecycle, context window, prices, what the capacity buys), copies Key1, and the SDK calls it; regenerating Key1 makes the old key a 401', async () => {
    const { page } = admin;
    await page.getByText('No deployments yet.').waitFor();
    await page.getByRole('button', { name: 'Deploy a model' }).click();
    await page.getByLabel('Model', { exact: true }).selectOption('claude-opus-4-5');
    assert.match(await page.getByTestId('lifecycle').innerText(), /Deprecating, retires 2027-01-22/);
    await page.getByLabel('Model', { exact: true }).selectOption(MODEL);
    assert.equal(await page.getByTestId('lifecycle').innerText(), 'Generally available');
    assert.equal(await page.getByTestId('context-window').innerText(), '200K tokens');
    assert.match(await page.getByTestId('prices').innerText(), /input \$1, output \$5/);
    await page.getByLabel('Deployment type', { exact: true }).selectOption('DataZoneStandard');
    assert.match(await page.getByTestId('prices').innerText(), /input \$1\.10, output \$5\.50/);
    await page.getByLabel('Deployment type', { exact: true }).selectOption('GlobalStandard');
    await page.getByLabel('Capacity (units)').fill('0');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    assert.match(await alertText(page), /capacity/i);
    await page.getByLabel('Capacity (units)').fill('5');
    assert.match(await page.getByTestId('capacity-buys').innerText(), /5 units buy 5 requests, 5,000 input tokens and 1,000 output tokens per minute/);
    await axe(page, 'deploy a model');
    await shot(page, 'deploy-model', true);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: `Deployed ${MODEL} as ${MODEL}.` }).waitFor();
    const row = page.getByRole('row').filter({ hasText: MODEL });
    await row.waitFor();
    assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 9), [MODEL, MODEL, '20251001', 'GlobalStandard', '5', '5', '5,000', '1,000', 'Succeeded']);
    assert.equal(gw.control.current.resource(NAME)?.deployments.get(MODEL)?.capacity, 5);
    await axe(page, 'deployments');
    await shot(page, 'deployments');

    await go(page, 'Overview (Keys and Endpoint)', NAME);
    await page.getByRole('button', { name: 'Copy Key1' }).click();
    await page.getByRole('button', { name: 'Copy Key1' }).filter({ hasText: 'Copied' }).waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    assert.equal(copied, gw.keys(NAME).key1);
    assert.equal((await hello(copied)).type, 'message');
    await shot(page, 'keys-and-endpoint', true);

    await page.getByRole('button', { name: 'Regenerate Key1' }).click();
    await page.getByRole('button', { name: 'Yes, regenerate Key1' }).click();
    await page.getByRole('button', { name: 'Show Key1' }).click();
    const key1 = page.getByTestId('key-Key1');
    for (const deadline = Date.now() + 10_000; (await key1.inputValue()) === copied && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    const fresh = await key1.inputValue();
    assert.notEqual(fresh, copied);
    assert.equal(await statusOf(hello(copied)), 401);
    assert.equal(await statusOf(hello(fresh)), 200);
    clean(admin);
  });

  test('access control lists inherited assignments (marked), adds and removes one, and shows ARM\'s refusal to a user who may not grant the role', async () => {
    const { page } = admin;
    const { user: teammate, password: teammatePassword } = await createUser(gw.identity.directory, 'teammate');
    await go(page, 'Access control', 'Access control');
    const inherited = page.getByTestId('assignment').filter({ has: page.getByRole('cell', { name: 'admin', exact: true }) });
    assert.match(await inherited.innerText(), /Owner\s+Inherited from subscription/);
    assert.equal(await inherited.getByRole('button', { name: /Remove/ }).count(), 0, 'an inherited assignment is removed where it was made');

    await page.getByRole('button', { name: 'Add role assignment' }).click();
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Cognitive Services User' });
    await page.getByLabel('Assign to', { exact: true }).selectOption({ label: 'teammate' });
    await axe(page, 'add role assignment');
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned Cognitive Services User to teammate.' }).waitFor();
    const row = page.getByTestId('assignment').filter({ hasText: 'teammate' });
    assert.match(await row.innerText(), /User\s+Cognitive Services User\s+This resource/);
    const held = () => gw.identity.directory.current.assignmentsOf([teammate.objectId]).filter((a) => a.scope.toLowerCase() === ID.toLowerCase());
    assert.equal(held().length, 1);

    // Cognitive Services User may list the keys but not regenerate them: Show Key1, and no Regenerate once the
    // page has read the user's permissions.
    const mate = await openPage(browser, gw);
    await signIn(mate.page, gw, 'teammate', teammatePassword);
    const permissions = mate.page.waitForResponse((r) => r.url().includes(`${encodeURI(ID)}/providers/Microsoft.Authorization/permissions`));
    await mate.page.getByRole('link', { name: NAME }).click();
    assert.equal((await permissions).status(), 200);
    await mate.page.getByRole('button', { name: 'Show Key1' }).click();
    assert.equal(await mate.page.getByTestId('key-Key1').inputValue(), gw.keys(NAME).key1);
    assert.equal(await mate.page.getByRole('button', { name: /Regenerate/ }).count(), 0);
    clean(mate);
    await mate.page.context().close();
    await axe(page, 'access control');
    await shot(page, 'access-control', true);
    await page.getByRole('button', { name: 'Remove Cognitive Services User for teammate' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Cognitive Services User from teammate.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    assert.equal(held().length, 0);
    clean(admin);

    // Azure AI Account Owner may assign only Azure AI User (its condition): the button shows, ARM refuses the rest.
    const { user: aiOwner, password } = await createUser(gw.identity.directory, 'ai-owner');
    await assign(gw, aiOwner.objectId, ROLES.azureAiAccountOwner, ID, 'User');
    const w = await openPage(browser, gw);
    await signIn(w.page, gw, 'ai-owner', password);
    await w.page.getByRole('link', { name: NAME }).click();
    await go(w.page, 'Access control', 'Access control');
    await w.page.getByRole('button', { name: 'Add role assignment' }).click();
    await w.page.getByLabel('Role', { exact: true }).selectOption({ label: 'Owner' });
    await w.page.getByLabel('Assign to', { exact: true }).selectOption('other');
    await w.page.getByLabel('Object ID').fill(teammate.objectId);
    await w.page.getByRole('button', { name: 'Assign' }).click();
    assert.match(await alertText(w.page), /does not have authorization to perform action 'Microsoft\.Authorization\/roleAssignments\/write'/);
    assert.equal(held().length, 0);
    clean(w);
    await w.page.context().close();
  });

  test('a budget set in the page is what the monitoring API holds; a bad threshold shows its error; a tiny enforced budget records alerts and refuses the next call', async () => {
    const { page } = admin;
    await go(page, 'Budgets', 'Budgets');
    await page.getByText('No budget for this resource.').waitFor();
    await page.getByLabel('Monthly amount (USD)').fill('25');
    await page.getByLabel(/Alert thresholds/).fill('50, lots');
    await page.getByRole('button', { name: 'Save budget' }).click();
    assert.match(await alertText(page), /thresholds must be a list of whole percentages/);
    await page.getByLabel(/Alert thresholds/).fill('50, 90');
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByRole('status').filter({ hasText: 'Budget saved.' }).waitFor();
    await page.getByTestId('budget-summary').filter({ hasText: '$25 a month' }).waitFor();
    assert.match(await page.getByTestId('budget-summary').innerText(), /\$25 a month[\s\S]*50%, 90%[\s\S]*No: alerts only/);
    const saved = await call(gw, admin.token()!, 'GET', `/monitoring/budgets/${NAME}`);
    assert.deepEqual((({ amountUsd, thresholds, enforce }) => ({ amountUsd, thresholds, enforce }))(JSON.parse(saved.text)), { amountUsd: '25', thresholds: [50, 90], enforce: false });
    await axe(page, 'budgets');
    await shot(page, 'budgets');

    await page.getByLabel('Monthly amount (USD)').fill('0.000001');
    await page.getByLabel('Enforce').check();
    await page.getByRole('button', { name: 'Save budget' }).click();
    await page.getByText('Yes: requests are refused once it is spent').waitFor();
    // The month's spend is already past $0.000001 (the calls above): the thresholds alert and the next call is refused.
    const key = gw.keys(NAME).key1;
    await assert.rejects(hello(key), (err: { status?: number; message?: string }) => err.status === 403 && /Out of budget: resource 'portal-made'/.test(err.message ?? ''));
    await go(page, 'Networking', 'Networking');
    await go(page, 'Budgets', 'Budgets');
    await page.getByRole('region', { name: 'Budget alerts table' }).waitFor();
    assert.match(await page.getByRole('region', { name: 'Budget alerts table' }).innerText(), /50%[\s\S]*90%/);
    await page.getByRole('button', { name: 'Remove budget' }).click();
    await page.getByText('No budget for this resource.').waitFor();
    assert.equal(await statusOf(hello(key)), 200);
    clean(admin);
  });

  test('networking: a bad IP rule shows ARM\'s error; selected addresses keep out a caller not listed, until its address is added', async () => {
    const { page } = admin;
    await go(page, 'Networking', 'Networking');
    const key = gw.keys(NAME).key1;
    await page.getByLabel('Selected IP addresses and ranges').check();
    await page.getByLabel(/IP addresses and CIDR ranges/).fill('10.0.0.0/33');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await alertText(page), /The IP rule '10\.0\.0\.0\/33' \(properties\.networkAcls\.ipRules\[0\]\.value\) is not valid/);
    await page.getByLabel(/IP addresses and CIDR ranges/).fill('203.0.113.7');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: only 1 listed address or ranges' }).waitFor();
    assert.equal(await statusOf(hello(key)), 403);
    await page.getByLabel(/IP addresses and CIDR ranges/).fill('203.0.113.7\n127.0.0.1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: only 2 listed addresses or ranges' }).waitFor();
    const account = JSON.parse((await call(gw, admin.token()!, 'GET', `${ID}?api-version=2024-10-01`)).text) as { properties: { networkAcls: { defaultAction: string; ipRules: Array<{ value: string }> } } };
    assert.equal(account.properties.networkAcls.defaultAction, 'Deny');
    assert.deepEqual(account.properties.networkAcls.ipRules.map((r) => r.value), ['203.0.113.7', '127.0.0.1']);
    assert.equal(await statusOf(hello(key)), 200);
    await axe(page, 'networking');
    await shot(page, 'networking');
    await page.getByLabel('All networks').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: all networks' }).waitFor();
    clean(admin);
  });

  test('deleting: a deployment after its confirmation; the resource only once its name is typed', async () => {
    const { page } = admin;
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Deployments' }).click();
    await page.getByRole('button', { name: `Delete ${MODEL}` }).click();
    await page.getByRole('button', { name: `Yes, delete ${MODEL}` }).click();
    await page.getByText('No deployments yet.').waitFor();
    assert.equal(gw.control.current.resource(NAME)?.deployments.size, 0);

    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('button', { name: `Delete ${NAME}` }).click();
    const confirm = page.getByRole('form', { name: `Confirm deleting the resource ${NAME}` });
    const button = confirm.getByRole('button', { name: 'Delete', exact: true });
    await confirm.getByLabel(/Type/).fill('portal-mad');
    assert.equal(await button.isDisabled(), true);
    await axe(page, 'delete a resource');
    await shot(page, 'delete-resource');
    await confirm.getByLabel(/Type/).fill(NAME);
    await button.click();
    await page.getByRole('status').filter({ hasText: `Deleted ${NAME}.` }).waitFor();
    await page.getByRole('link', { name: NAME }).waitFor({ state: 'detached' });
    assert.equal(gw.control.current.resource(NAME), undefined);
    clean(admin);
  });
});
