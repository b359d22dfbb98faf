// Access control at every scope in Chromium, as Azure's portal has it: the subscription's and each resource group's
// pages, reached from the left navigation (by keyboard) and from a resource's breadcrumb; the admin grants Reader at a
// resource group in its Access control, and the user (another browser context) sees the group's resources but no
// keys; removed at the group, the user's ARM calls are refused. Assignments inherited from the subscription show on a
// resource with their scope and no remove button, and are removed at the subscription. A user who is Owner of one
// resource group only, at 390 px, has no add or remove at the subscription, where ARM refuses a forced one. Every
// page: axe-core clean, no other host, no CSP violation. Screenshots go to a temp folder (printed).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../gateway/src/identity/users.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { accountScope, assign, groupScope, ROLES, SUBSCRIPTION, subscriptionScope } from '../../gateway/test/identity-helpers.ts';
import { adminPassword, axe, call, clean, fits, go, launchChromium, openPage, screenshot, screenshotsDir, signIn, type Watched } from './browser-helpers.ts';

const shots = screenshotsDir();
const RESOURCE = 'claude-local';
const GROUP = 'claude-foundry';
const SUB = subscriptionScope();
const RG = groupScope(GROUP);
const ID = accountScope(RESOURCE, GROUP);
const SUB_NAME = `claude-foundry ${SUBSCRIPTION.slice(0, 8)}`;
const AUTHORIZATION = 'api-version=2022-04-01';

let gw: TestGateway;
let browser: Browser;
let admin: Watched;
before(async () => {
  gw = await startTestGateway();
  browser = await launchChromium();
  admin = await openPage(browser, gw);
  await signIn(admin.page, gw, 'admin', adminPassword(gw));
});
after(async () => {
  await browser?.close();
  await gw?.close();
  process.stdout.write(`# portal scope screenshots: ${shots}\n`);
});

const shot = (page: Page, name: string) => screenshot(page, shots, name);
const crumbs = (page: Page) => page.getByRole('navigation', { name: 'Breadcrumb' });
const groupsTable = (page: Page) => page.getByRole('region', { name: 'Resource groups table' });
const heldAt = (objectId: string, scope: string) =>
  gw.identity.directory.current.assignmentsOf([objectId]).filter((a) => a.scope.toLowerCase() === scope.toLowerCase());
/** Opens Access control from the navigation and waits until the page has read the user's permissions at its scope. */
async function accessControl(page: Page, scope: string): Promise<void> {
  const permissions = page.waitForResponse((r) => r.url().includes(`${encodeURI(scope)}/providers/Microsoft.Authorization/permissions`));
  await go(page, 'Access control', 'Access control');
  assert.equal((await permissions).status(), 200);
}
async function refused(token: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await call(gw, token, method, path, body);
  assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
  assert.match(res.text, /AuthorizationFailed/);
}

describe('the portal: access control at the subscription, the resource group and the resource', () => {
  test('the left navigation leads by keyboard to Subscriptions, the subscription and its resource group; a resource\'s breadcrumb leads back up', async () => {
    const { page } = admin;
    await page.getByRole('button', { name: 'Skip to content' }).focus();
    let focused = '';
    for (let i = 0; i < 15 && focused !== 'Subscriptions'; i++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement?.textContent'));
    }
    assert.equal(focused, 'Subscriptions', 'Subscriptions is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Subscriptions' }).getAttribute('aria-current'), 'page');
    await axe(page, 'subscriptions');
    await shot(page, 'subscriptions');

    await page.getByRole('region', { name: 'Subscriptions table' }).getByRole('link', { name: SUB_NAME, exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Subscription/, level: 1 }).waitFor();
    assert.match(await page.locator('.facts').innerText(), new RegExp(`Subscription ID\\s+${SUBSCRIPTION}[\\s\\S]*State\\s+Enabled`));
    await groupsTable(page).getByRole('link', { name: GROUP, exact: true }).focus();
    await axe(page, 'a subscription');
    await shot(page, 'subscription');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Resource group ${GROUP}`, level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Resources in the group table' }).getByRole('link', { name: RESOURCE }).waitFor();
    await axe(page, 'a resource group');
    await shot(page, 'resource-group');

    // From the resource: its breadcrumb names its group and its subscription, each a link.
    await page.getByRole('region', { name: 'Resources in the group table' }).getByRole('link', { name: RESOURCE }).click();
    await page.getByRole('heading', { name: 'Keys and Endpoint' }).waitFor();
    await crumbs(page).getByRole('link', { name: `Resource group ${GROUP}` }).click();
    await page.getByRole('heading', { name: `Resource group ${GROUP}`, level: 1 }).waitFor();
    await crumbs(page).getByRole('link', { name: `Subscription ${SUBSCRIPTION}` }).click();
    await page.getByRole('heading', { name: /^Subscription/, level: 1 }).waitFor();
    await go(page, 'Resource groups', 'Resource groups');
    await groupsTable(page).getByRole('link', { name: GROUP, exact: true }).waitFor();
    await axe(page, 'resource groups');
    clean(admin);
  });

  test('Reader granted at the resource group in its Access control: the user sees the group\'s resources and no keys; removed there, ARM refuses the user (403)', async () => {
    const { page } = admin;
    const { user, password } = await createUser(gw.identity.directory, 'rg-reader');
    await go(page, 'Resource groups', 'Resource groups');
    await groupsTable(page).getByRole('link', { name: GROUP, exact: true }).click();
    await accessControl(page, RG);
    const owner = page.getByTestId('assignment').filter({ has: page.getByRole('cell', { name: 'admin', exact: true }) });
    await owner.filter({ hasText: 'Owner' }).waitFor(); // role names arrive after the rows
    assert.match(await owner.innerText(), new RegExp(`Owner\\s+Inherited from subscription ${SUBSCRIPTION}`));
    assert.equal(await owner.getByRole('button').count(), 0, 'an inherited assignment is removed where it was made');

    await page.getByRole('button', { name: 'Add role assignment' }).click();
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Reader' });
    await page.getByLabel('Assign to', { exact: true }).selectOption({ label: 'rg-reader' });
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned Reader to rg-reader.' }).waitFor();
    const row = page.getByTestId('assignment').filter({ hasText: 'rg-reader' });
    assert.match(await row.innerText(), /User\s+Reader\s+This resource group/);
    assert.equal(heldAt(user.objectId, RG).length, 1, 'the assignment is made at the group');
    await axe(page, 'access control of a resource group');
    await shot(page, 'access-control-resource-group');

    const reader = await openPage(browser, gw);
    await signIn(reader.page, gw, 'rg-reader', password);
    const listed = reader.page.getByRole('region', { name: 'Resources table' }).getByRole('link', { name: RESOURCE });
    await listed.click();
    await reader.page.getByTestId('keys-denied').waitFor();
    assert.equal(await reader.page.getByRole('button', { name: /Show Key|Regenerate/ }).count(), 0);
    assert.equal(await reader.page.getByTestId('key-Key1').count(), 0);
    await crumbs(reader.page).getByRole('link', { name: `Resource group ${GROUP}` }).click();
    await reader.page.getByRole('region', { name: 'Resources in the group table' }).getByRole('link', { name: RESOURCE }).waitFor();
    await accessControl(reader.page, RG);
    // A Reader at a group may not list the directory (that needs a role at a subscription): the page names it by object ID.
    const own = reader.page.getByTestId('assignment').filter({ hasText: user.objectId });
    // The row comes before the role names it refers to (the role definitions are a second request): wait for them.
    await own.filter({ hasText: 'Reader' }).waitFor();
    assert.match(await own.innerText(), /Reader\s+This resource group/);
    assert.equal(await reader.page.getByRole('button', { name: /Add role assignment|Remove/ }).count(), 0, 'a Reader changes nothing');
    const token = reader.token()!;
    assert.equal((await call(gw, token, 'GET', `${ID}?api-version=2024-10-01`)).status, 200);
    clean(reader);

    await page.getByRole('button', { name: 'Remove Reader for rg-reader' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Reader from rg-reader.' }).waitFor();
    await row.waitFor({ state: 'detached' });
    assert.equal(heldAt(user.objectId, RG).length, 0);
    await refused(token, 'GET', `${ID}?api-version=2024-10-01`);
    await refused(token, 'GET', `${RG}/providers/Microsoft.CognitiveServices/accounts?api-version=2024-10-01`);
    await refused(token, 'GET', `${RG}?api-version=2022-09-01`);
    await reader.page.context().close();
    clean(admin);
  });

  test('an assignment made at the subscription shows on the resource as inherited, with its scope and no remove button; it is removed at the subscription', async () => {
    const { page } = admin;
    const { user } = await createUser(gw.identity.directory, 'sub-user');
    await go(page, 'Subscriptions', 'Subscriptions');
    const permissions = page.waitForResponse((r) => r.url().includes(`${SUB}/providers/Microsoft.Authorization/permissions`));
    await page.getByRole('link', { name: `Access control of ${SUB_NAME}` }).click();
    await page.getByRole('heading', { name: /^Access control/, level: 1 }).waitFor();
    assert.equal((await permissions).status(), 200);
    await page.getByRole('button', { name: 'Add role assignment' }).click();
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Cognitive Services User' });
    await page.getByLabel('Assign to', { exact: true }).selectOption({ label: 'sub-user' });
    await page.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Assigned Cognitive Services User to sub-user.' }).waitFor();
    const atSubscription = page.getByTestId('assignment').filter({ hasText: 'sub-user' });
    assert.match(await atSubscription.innerText(), /User\s+Cognitive Services User\s+This subscription/);
    assert.equal(heldAt(user.objectId, SUB).length, 1);
    await axe(page, 'access control of a subscription');
    await shot(page, 'access-control-subscription');

    await go(page, 'Resources', 'Resources');
    await page.getByRole('region', { name: 'Resources table' }).getByRole('link', { name: RESOURCE }).click();
    await accessControl(page, ID);
    await page.getByRole('button', { name: 'Add role assignment' }).waitFor(); // the admin may change this resource's assignments
    const inherited = page.getByTestId('assignment').filter({ hasText: 'sub-user' });
    await inherited.filter({ hasText: 'Cognitive Services User' }).waitFor(); // role names arrive after the rows
    assert.match(await inherited.innerText(), new RegExp(`Cognitive Services User\\s+Inherited from subscription ${SUBSCRIPTION}`));
    assert.equal(await inherited.getByRole('button').count(), 0, 'removed where it was made, not here');
    await axe(page, 'access control of a resource, with inherited assignments');

    await crumbs(page).getByRole('link', { name: `Subscription ${SUBSCRIPTION}` }).click();
    await page.getByRole('heading', { name: /^Subscription/, level: 1 }).waitFor();
    await accessControl(page, SUB);
    await page.getByRole('button', { name: 'Remove Cognitive Services User for sub-user' }).click();
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Cognitive Services User from sub-user.' }).waitFor();
    await atSubscription.waitFor({ state: 'detached' });
    assert.equal(heldAt(user.objectId, SUB).length, 0);
    clean(admin);
  });

  test('an Owner of one resource group only, at 390 px: no add or remove at the subscription, where ARM refuses them forced (403); add at its group', async () => {
    const { user, password } = await createUser(gw.identity.directory, 'rg-owner');
    await assign(gw, user.objectId, ROLES.owner, RG, 'User');
    const w = await openPage(browser, gw, 390);
    const { page } = w;
    await signIn(page, gw, 'rg-owner', password);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    await go(page, 'Subscriptions', 'Subscriptions');
    await fits(page, 'Subscriptions');
    await page.getByRole('region', { name: 'Subscriptions table' }).getByRole('link', { name: SUB_NAME, exact: true }).click();
    await groupsTable(page).getByRole('link', { name: GROUP, exact: true }).waitFor();
    assert.equal(await groupsTable(page).getByRole('row').count(), 2, 'the header and the one group it may read');
    await axe(page, 'a subscription as the Owner of one group, 390 px');
    await fits(page, 'a subscription');
    await shot(page, 'subscription-group-owner-390px');

    await menu.click();
    await accessControl(page, SUB);
    assert.match(await page.getByRole('alert').innerText(), /does not have authorization to perform action 'Microsoft\.Authorization\/roleAssignments\/read'/);
    assert.equal(await page.getByRole('button', { name: /Add role assignment|Remove/ }).count(), 0);
    await axe(page, 'access control of a subscription as the Owner of one group, 390 px');
    await fits(page, 'access control of a subscription');
    await shot(page, 'access-control-subscription-group-owner-390px');

    const token = w.token()!;
    const body = { properties: { roleDefinitionId: ROLES.reader, principalId: user.objectId, principalType: 'User' } };
    await refused(token, 'PUT', `${SUB}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?${AUTHORIZATION}`, body);
    const adminOwner = gw.identity.directory.current.assignments().find((a) => a.scope.toLowerCase() === SUB && a.roleDefinitionId === ROLES.owner)!;
    await refused(token, 'DELETE', `${SUB}/providers/Microsoft.Authorization/roleAssignments/${adminOwner.name}?${AUTHORIZATION}`);
    assert.equal(heldAt(user.objectId, SUB).length, 0);

    await menu.click();
    await go(page, 'Resource groups', 'Resource groups');
    await fits(page, 'Resource groups');
    await groupsTable(page).getByRole('link', { name: GROUP, exact: true }).click();
    await page.getByRole('heading', { name: `Resource group ${GROUP}`, level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Resources in the group table' }).getByRole('link', { name: RESOURCE }).waitFor();
    await fits(page, 'a resource group');
    await axe(page, 'a resource group as its Owner, 390 px');
    await menu.click();
    await accessControl(page, RG);
    await page.getByRole('button', { name: 'Add role assignment' }).waitFor();
    assert.ok(await page.getByRole('button', { name: `Remove Owner for ${user.objectId}` }).isVisible(), 'its own assignment, made at its group, may be removed there');
    await axe(page, 'access control of a resource group as its Owner, 390 px');
    await fits(page, 'access control of a resource group');
    clean(w);
    await page.context().close();
  });
});
