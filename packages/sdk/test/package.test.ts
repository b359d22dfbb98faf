// The built package, installed in a scratch project outside the repo, works by require() and by import on Node 20 and on this Node.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../src/version.ts';
import { startRecorder, type Recorder } from './helpers.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const coreDir = dirname(fileURLToPath(import.meta.resolve('@anthropic-ai/sdk')));

// What a user's first program checks: the shapes of the exports, one call, its correlation IDs, a refused API.
const CHECKS = `
  const results = {};
  results.callableDefault = typeof AnthropicFoundry === 'function';
  const client = new AnthropicFoundry({ baseURL: process.env.BASE_URL, apiKey: 'k', maxRetries: 0 });
  results.isClient = client instanceof sdk.AnthropicFoundry && client instanceof sdk.BaseAnthropic;
  results.defaultIsClass = sdk.default === sdk.AnthropicFoundry;
  results.errorsShared = sdk.APIError === coreErrors.APIError && sdk.AnthropicFoundry.RateLimitError === coreErrors.RateLimitError && subpathErrors.APIError === coreErrors.APIError;
  const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
  results.text = message.content[0].text;
  results.ids = sdk.correlationIds(message);
  try { client.models.list(); } catch (err) { results.refused = err instanceof sdk.FoundryUnsupportedAPIError && err instanceof coreErrors.AnthropicError; }
  results.version = version.VERSION;
  console.log(JSON.stringify(results));
`;

const REQUIRE_PROGRAM = `
const AnthropicFoundry = require('@claude-foundry/sdk');
const sdk = AnthropicFoundry;
const coreErrors = require('@anthropic-ai/sdk/core/error');
const subpathErrors = require('@claude-foundry/sdk/core/error');
const version = require('@claude-foundry/sdk/version');
(async () => { ${CHECKS} })().catch((err) => { console.error(err); process.exit(1); });
`;

const IMPORT_PROGRAM = `
import AnthropicFoundry from '@claude-foundry/sdk';
import * as sdk from '@claude-foundry/sdk';
import * as coreErrors from '@anthropic-ai/sdk/core/error';
import * as subpathErrors from '@claude-foundry/sdk/core/error';
import * as version from '@claude-foundry/sdk/version';
${CHECKS}
`;

/** The first `node` on PATH (or in the usual places) whose major version is 20. */
function findNode20(): string | undefined {
  const candidates = [...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'node')), '/usr/local/bin/node', '/usr/bin/node'];
  for (const candidate of candidates) {
    const run = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (run.status === 0 && run.stdout.startsWith('v20.')) return candidate;
  }
  return undefined;
}

let scratch: string;
let server: Recorder;
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cf-sdk-package-'));
  const installed = join(scratch, 'node_modules/@claude-foundry/sdk');
  execFileSync(process.execPath, [join(packageDir, 'scripts/build.ts'), '--out', installed], { stdio: 'pipe' });
  mkdirSync(join(scratch, 'node_modules/@anthropic-ai'), { recursive: true });
  symlinkSync(coreDir, join(scratch, 'node_modules/@anthropic-ai/sdk'), 'dir');
  writeFileSync(join(scratch, 'package.json'), '{ "name": "scratch", "private": true }\n');
  writeFileSync(join(scratch, 'uses-require.cjs'), REQUIRE_PROGRAM);
  writeFileSync(join(scratch, 'uses-import.mjs'), IMPORT_PROGRAM);
  server = await startRecorder();
});
after(async () => {
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs a program of the scratch project; asynchronously, since it calls the recorder served by this process. */
async function run(node: string, program: string) {
  const { stdout } = await promisify(execFile)(node, [program], { cwd: scratch, env: { ...process.env, BASE_URL: `${server.url}/r/anthropic` }, encoding: 'utf8', timeout: 15_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const EXPECTED = {
  callableDefault: true,
  isClient: true,
  defaultIsClass: true,
  errorsShared: true,
  text: 'Hello!',
  ids: { requestId: 'req_011CTest', apimRequestId: '9da39506-6c13-4b3c-9d3e-0d0a0c1e2f3a' },
  refused: true,
  version: VERSION,
};

describe('the built package in a scratch project', () => {
  test('ships ESM and CommonJS with declarations, and a CommonJS marker', () => {
    const installed = join(scratch, 'node_modules/@claude-foundry/sdk');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.version, VERSION);
    assert.deepEqual(JSON.parse(readFileSync(join(installed, 'dist/cjs/package.json'), 'utf8')), { type: 'commonjs' });
    assert.match(readFileSync(join(installed, 'dist/esm/index.d.ts'), 'utf8'), /AnthropicFoundry as default/);
    assert.match(readFileSync(join(installed, 'dist/esm/client.js'), 'utf8'), /from '\.\/options\.js'/);
    assert.match(readFileSync(join(installed, 'dist/cjs/client.js'), 'utf8'), /require\("\.\/options\.js"\)/);
  });

  for (const [label, node] of [['Node 20', findNode20()], [`Node ${process.versions.node.split('.')[0]}`, process.execPath]] as const) {
    test(`require() on ${label}: the export is constructible and the client works`, async (t) => {
      if (!node) return t.skip('no Node 20 on this machine');
      assert.deepEqual(await run(node, 'uses-require.cjs'), EXPECTED);
    });
    test(`import on ${label}: the default export is the class and the client works`, async (t) => {
      if (!node) return t.skip('no Node 20 on this machine');
      assert.deepEqual(await run(node, 'uses-import.mjs'), EXPECTED);
    });
  }
});
