// The portal's playground, monitor and logs in Debian's Chromium: a streamed reply paints token by token with the
// response's request-id and the cost the request log records; "View code" carries the same call without the key;
// bad settings say what to fix; a call made with the official @anthropic-ai/foundry-sdk shows in the monitor's
// charts and in the logs table within 5 s, with its detail; filters and paging; every page passes axe-core (no
// serious or critical violation), asks no other host and hits no CSP violation, at 1280 and 390 px wide.
// Screenshots go to a temp folder (printed); CLAUDE_FOUNDRY_DOCS_IMAGES=1 also writes the README's playground, monitor and logs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { Browser } from 'playwright-core';
import { defaultSimulatorProfile } from '../../gateway/src/config/index.ts';
import { startTestGateway, type TestGateway } from '../../gateway/test/helpers.ts';
import { loggedRecord, managementToken, ROLES } from '../../gateway/test/telemetry-helpers.ts';
import { adminPassword, axe, clean, fits, launchChromium, openPage, screenshot, screenshotsDir, signIn } from './browser-helpers.ts';

const shots = screenshotsDir();
const RESOURCE = 'claude-local';
/** No injected faults: the simulator's default. */
const QUIET = defaultSimulatorProfile().faults;

let gw: TestGateway;
let browser: Browser;
before(async () => {
  gw = await startTestGateway({
    resources: [{
      name: RESOURCE,
      contentLogging: true,
      deployments: [
        // Paced so that a reply streams over about a second: many paints before its end.
        { name: 'paced', model: 'claude-haiku-4-5', simulator: { ttftMs: 150, tokensPerSecond: 40, faults: QUIET } },
        { name: 'quick', model: 'claude-haiku-4-5' },
        // Called only by the SDK, so its series in the charts is the SDK's call.
        { name: 'sdk-calls', model: 'claude-sonnet-4-6' },
      ],
    }],
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await gw?.close();
  process.stdout.write(`# portal screenshots: ${shots}\n`);
});

const sdk = () => new AnthropicFoundry({ apiKey: gw.keys(RESOURCE).key1, baseURL: gw.baseURL(RESOURCE), maxRetries: 0 });
const sdkCall = (text: string) => sdk().messages.create({ model: 'sdk-calls', max_tokens: 32, messages: [{ role: 'user', content: text }] }).withResponse();

async function signedIn(width = 1280) {
  const w = await openPage(browser, gw, width);
  await signIn(w.page, gw, 'admin', adminPassword(gw));
  return w;
}

/** Polls `read` until `ok` holds, for at most `ms`; returns the last value read. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe('the portal: playground, monitor, logs', () => {
  test('the playground streams a reply token by token, shows its request-id, tokens and exact cost, and the code for the same call', async () => {
    const w = await signedIn();
    const { page } = w;
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Deployment').selectOption('paced');
    await page.getByLabel('System prompt').fill('You are terse.');
    await page.getByLabel('Max tokens').fill('60');
    await page.getByLabel('Message').fill('Tell me about the sea.');

    // Every animation frame, the length of the reply's text as painted, from the page itself.
    await page.evaluate(`(() => {
      const seen = (globalThis.__lengths = []);
      const tick = () => {
        const el = document.querySelector('[data-testid="reply-text"]');
        seen.push([performance.now(), el ? el.textContent.length : 0]);
        if (!document.querySelector('[data-testid="cost"]')) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const response = page.waitForResponse((r) => r.url().endsWith(`/${RESOURCE}/anthropic/v1/messages`));
    await page.getByRole('button', { name: 'Send' }).click();
    const header = (await response).headers()['request-id'];
    await page.getByTestId('cost').waitFor();
    const lengths = (await page.evaluate('globalThis.__lengths')) as Array<[number, number]>;
    const final = lengths[lengths.length - 1]![1];
    const partial = [...new Set(lengths.map(([, n]) => n).filter((n) => n > 0 && n < final))];
    assert.ok(final > 0, 'the reply has text');
    assert.ok(partial.length >= 2, `the reply painted ${partial.length} partial lengths before its end (${JSON.stringify(lengths.slice(0, 5))}…)`);
    const painting = lengths.filter(([, n]) => n > 0);
    assert.ok(painting[painting.length - 1]![0] - painting[0]![0] > 300, 'the reply arrived over time, not at once');

    assert.match(header ?? '', /^req_/);
    assert.equal(await page.getByTestId('request-id').innerText(), header, 'the request-id shown is the response header');
    const reader = await managementToken(gw, ROLES.reader);
    const record = await loggedRecord(gw, reader, header!);
    assert.equal(await page.getByTestId('cost').innerText(), `$${record.costUsd}`, 'the cost shown is what the request log records');
    assert.equal(Number(await page.getByTestId('output-tokens').innerText()), record.outputTokens);
    assert.equal(Number(await page.getByTestId('input-tokens').innerText()), record.inputTokens);

    await page.getByRole('button', { name: 'View code' }).click();
    const code = page.getByTestId('code');
    const curl = await code.innerText();
    assert.match(curl, /"model": "paced"/);
    assert.match(curl, /"system": "You are terse\."/);
    assert.match(curl, /"max_tokens": 60/);
    assert.match(curl, /"stream": true/);
    assert.match(curl, /"content": "Tell me about the sea\."/, 'the call sent, not the next one');
    assert.doesNotMatch(curl, /"role": "assistant"/);
    assert.match(curl, new RegExp(`ANTHROPIC_FOUNDRY_BASE_URL=${gw.httpsUrl}/${RESOURCE}/anthropic`));
    await page.getByRole('tab', { name: 'Python' }).click();
    const python = await code.innerText();
    assert.match(python, /client\.messages\.stream\(\*\*\{/);
    await page.getByRole('tab', { name: 'TypeScript' }).click();
    assert.match(await code.innerText(), /client\.messages\.stream\(\{/);
    for (const text of [curl, python]) {
      assert.ok(!text.includes(gw.keys(RESOURCE).key1) && !text.includes(gw.keys(RESOURCE).key2), 'no key in the code');
    }
    await screenshot(page, shots, 'playground', true);
    await axe(page, 'the playground after a turn');

    // Tools: the reply asks for get_weather; the next message goes back as its tool_result, and the API takes it.
    await page.getByLabel('Tools (JSON)').fill('[{"name": "get_weather", "description": "The weather in a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]');
    await page.getByLabel('Message').fill('What is the weather in Paris?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Claude asked for a tool').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('pre.tool').innerText(), /^get_weather\(\{/);
    await page.getByLabel('Message').fill('18 °C and sunny');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('cost').nth(2).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.turns [role="alert"]').count(), 0, 'no turn failed');
    assert.match(await code.innerText(), /"type": "tool_result"/, 'the call sent carried the tool result');
    clean(w);
    await page.context().close();
  });

  test('the playground says what is wrong with bad tools JSON and a thinking budget that cannot fit, and will not send; thinking shows folded', async () => {
    const w = await signedIn(390);
    const { page } = w;
    await page.goto(`${gw.url}/portal/#/playground`);
    await page.getByLabel('Deployment').selectOption('quick');
    await page.getByLabel('Message').fill('Hi');
    const send = page.getByRole('button', { name: 'Send' });
    await page.getByLabel('Tools (JSON)').fill('[{"name": "get_weather",');
    assert.match(await page.getByTestId('settings-error').innerText(), /Tools is not valid JSON .*Write a JSON array such as/);
    assert.equal(await send.isDisabled(), true);
    await page.getByLabel('Tools (JSON)').fill('{"name": "x"}');
    assert.match(await page.getByTestId('settings-error').innerText(), /Tools must be a JSON array/);
    await page.getByLabel('Tools (JSON)').fill('[{"name": "get_weather"}]');
    assert.match(await page.getByTestId('settings-error').innerText(), /"get_weather"\) needs an "input_schema"/);
    await page.getByLabel('Tools (JSON)').fill('[{"name": "get_weather", "input_schema": {"type": "object", "properties": {}}}]');
    assert.equal(await page.getByTestId('settings-error').count(), 0);
    await page.getByLabel('Max tokens').fill('1000');
    await page.getByLabel('Thinking').check();
    assert.match(await page.getByTestId('settings-error').innerText(), /Thinking needs Max tokens above 1024/);
    await page.getByLabel('Max tokens').fill('nope');
    assert.match(await page.getByTestId('settings-error').innerText(), /Max tokens must be a whole number from 1 to 64,000/);
    assert.equal(await send.isDisabled(), true);
    await page.getByLabel('Max tokens').fill('2048');
    assert.equal(await page.getByTestId('settings-error').count(), 0);
    await send.click();
    await page.getByTestId('cost').waitFor({ timeout: 15_000 });
    assert.ok((await page.locator('details.thinking').count()) >= 1, 'the reply has its thinking, folded');
    await fits(page, 'the playground');
    await screenshot(page, shots, 'playground-390px');
    await axe(page, 'the playground at 390 px');
    clean(w);
    await page.context().close();
  });

  test('a call made with the official SDK shows in the monitor charts and the logs table within 5 s, with its detail', async () => {
    const w = await signedIn();
    const { page } = w;
    await page.getByRole('link', { name: 'Monitor' }).click();
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    const costTable = page.getByTestId('cost-table');
    assert.doesNotMatch((await costTable.textContent()) ?? '', /sdk-calls/, 'no call to sdk-calls yet');
    // The logs page, open in a second context of the same browser before the call, follows new records.
    const logsTab = await signedIn();
    await logsTab.page.getByRole('link', { name: 'Logs' }).click();
    await logsTab.page.getByRole('button', { name: 'Apply' }).waitFor();

    const { request_id: requestId } = await sdkCall('Hello from the SDK');
    const called = Date.now();
    const row = logsTab.page.getByRole('button', { name: `Details of ${requestId}` });
    const [inMonitor, inLogs] = await Promise.all([
      until(() => costTable.textContent(), (t) => /claude-local\/sdk-calls/.test(t ?? ''), 5000).then((t) => {
        assert.match(t ?? '', /claude-local\/sdk-calls/, 'the cost chart has a series for the deployment within 5 s');
        return Date.now() - called;
      }),
      row.waitFor({ timeout: 5000 }).then(() => Date.now() - called),
    ]);
    process.stdout.write(`# the SDK's call showed in the monitor after ${inMonitor} ms, in the logs table after ${inLogs} ms\n`);
    assert.doesNotMatch((await page.getByTestId('requests-table').textContent()) ?? '', /Nothing in this range/);
    assert.doesNotMatch((await page.getByTestId('tokens-table').textContent()) ?? '', /Nothing in this range/);
    await page.getByText('Requests as a table').click();
    await screenshot(page, shots, 'monitor', true);
    await axe(page, 'the monitor');
    for (const range of ['24h', '7d', '30d']) {
      await page.getByRole('radio', { name: range }).click();
      await until(() => costTable.textContent(), (t) => /claude-local\/sdk-calls/.test(t ?? ''), 5000);
    }
    assert.match((await costTable.textContent()) ?? '', /claude-local\/sdk-calls/, 'the 30 d range (daily buckets) has it too');
    assert.match((await page.getByTestId('forecast-table').textContent()) ?? '', /claude-local/);
    clean(w);
    await page.context().close();

    const logsPage = logsTab.page;
    await row.click();
    const detail = logsPage.getByTestId('log-detail');
    await detail.getByText('Request body').waitFor();
    assert.match(await detail.innerText(), /Hello from the SDK/, 'the resource stores content: the detail shows it');
    assert.match(await detail.innerText(), new RegExp(`request-id\\s+${requestId}`));
    await screenshot(logsPage, shots, 'logs', true);
    await axe(logsPage, 'the logs with a detail');
    clean(logsTab);
    await logsPage.context().close();
  });

  test('the logs table filters by deployment, status and request id, and pages through older records', async () => {
    for (let i = 0; i < 30; i++) await sdkCall(`call ${i}`);
    const w = await signedIn(390);
    const { page } = w;
    await page.goto(`${gw.url}/portal/#/logs`);
    const table = page.getByTestId('logs-table');
    const rows = () => table.locator('tbody tr').count();
    await page.getByLabel('Deployment').fill('sdk-calls');
    await page.getByRole('button', { name: 'Apply' }).click();
    assert.equal(await until(rows, (n) => n === 25, 5000), 25, 'a page is 25 records');
    const first = await table.locator('tbody tr').first().innerText();
    await page.getByRole('button', { name: 'Older' }).click();
    await until(async () => (await table.locator('tbody tr').first().innerText()) !== first, Boolean, 5000);
    assert.ok((await rows()) >= 5, 'the older page has the rest');
    assert.match(await page.getByText(/^Page \d$/).innerText(), /Page 2/);
    await page.getByRole('button', { name: 'Newer' }).click();
    assert.equal(await until(() => table.locator('tbody tr').first().innerText(), (t) => t === first, 5000), first);

    await page.getByLabel('Status').selectOption('5xx');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('logs-empty').waitFor();

    const { request_id: one } = await sdkCall('find me');
    await page.getByLabel('Status').selectOption('2xx');
    await page.getByLabel('Request ID').fill(one!);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: `Details of ${one}` }).waitFor({ timeout: 5000 });
    assert.equal(await rows(), 1);
    await fits(page, 'the logs');
    await screenshot(page, shots, 'logs-390px');
    await axe(page, 'the logs at 390 px');

    await page.goto(`${gw.url}/portal/#/monitor`);
    await page.getByRole('heading', { name: 'Requests', exact: true }).waitFor();
    await fits(page, 'the monitor');
    await axe(page, 'the monitor at 390 px');
    clean(w);
    await page.context().close();
  });
});
