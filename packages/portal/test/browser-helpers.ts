// What the portal's browser tests share: Debian's Chromium (never a downloaded browser), a page per context that
// records requests to other hosts and CSP violations, the sign-in through the development tenant, axe-core, and the
// folder screenshots go to.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PORTAL_DIST } from '../../gateway/src/portal/routes.ts';
import type { TestGateway } from '../../gateway/test/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Screenshots go to a temp folder, or to PORTAL_SCREENSHOTS_DIR (the docs:images script sets docs/images). */
export function screenshotsDir(): string {
  const asked = process.env['PORTAL_SCREENSHOTS_DIR'];
  if (!asked) return mkdtempSync(join(tmpdir(), 'cf-portal-shots-'));
  const dir = resolve(asked);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it).`);
  assert.ok(existsSync(join(PORTAL_DIST, 'index.html')), `The portal is not built in ${PORTAL_DIST}: npm install builds it (or npm run build -w packages/portal).`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}

export interface Watched {
  page: Page;
  foreign: string[];
  violations: string[];
  /** The ARM bearer token the page sends to the gateway (the signed-in user's), once it has sent one. */
  token: () => string | undefined;
}

export async function openPage(browser: Browser, gw: TestGateway, width = 1280): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  let bearer: string | undefined;
  const watched: Watched = { page, foreign: [], violations: [], token: () => bearer };
  const origin = new URL(gw.url).origin;
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) watched.foreign.push(r.url());
    const auth = r.headers()['authorization'];
    // The playground's data-plane token is for another audience: not the one ARM takes.
    if (auth?.startsWith('Bearer ') && auth.length > 20 && !r.url().includes('/anthropic/')) bearer = auth.slice(7);
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) watched.violations.push(m.text());
  });
  return watched;
}

export async function signIn(page: Page, gw: TestGateway, userName: string, password: string): Promise<void> {
  await page.goto(`${gw.url}/portal/`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('User name').fill(userName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Resources', exact: true }).waitFor();
}

export const adminPassword = (gw: TestGateway) => (JSON.parse(readFileSync(gw.identity.adminUser.path, 'utf8')) as { password: string }).password;

/** axe-core on the page as it is: no serious or critical violation. */
export async function axe(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE); // through the DevTools protocol: the page's CSP (rightly) allows no injected script
  const found = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe-core on ${name}`);
}

export function clean(w: Watched): void {
  assert.deepEqual(w.foreign, [], 'the page asked another host');
  assert.deepEqual(w.violations, [], 'the page hit its Content-Security-Policy');
}

const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

/** A full-page screenshot into `dir`; with CLAUDE_FOUNDRY_DOCS_IMAGES=1 (npm run docs:images) one `forDocs` is also copied into docs/images for the README. */
export async function screenshot(page: Page, dir: string, name: string, forDocs = false): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (forDocs && process.env['CLAUDE_FOUNDRY_DOCS_IMAGES'] === '1') copyFileSync(path, join(DOCS_IMAGES, `${name}.png`));
}

/** Nothing wider than the window: the page never scrolls sideways (tables scroll inside their own region). */
export async function fits(page: Page, name: string): Promise<void> {
  const [scrollWidth, innerWidth] = (await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')) as [number, number];
  assert.ok(scrollWidth <= innerWidth, `${name}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
}

/** ARM or the monitoring API called directly with a user's token (the one its page sent), as a forced click would. */
export async function call(gw: TestGateway, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

/** Opens a page from the left navigation and waits for its heading. */
export async function go(page: Page, link: string, heading: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}
