// Ready to publish and installable outside the repository, as the README says: `npm publish --dry-run` is clean
// and packs the built files, and the tarball from `npm pack` installs into a fresh project and loads.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
const scratch = mkdtempSync(join(tmpdir(), 'cf-sdk-publish-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

before(() => {
  // What prepublishOnly runs: the package's dist/ from its sources.
  execFileSync(process.execPath, [join(packageDir, 'scripts/build.ts')], { stdio: 'pipe' });
});

function npm(args: string[], cwd: string) {
  return spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
}

test('npm publish --dry-run packs the built ESM and CJS files, the README and the LICENSE, publicly', { timeout: 120_000 }, () => {
  const r = npm(['publish', '--dry-run', '--json'], packageDir);
  assert.equal(r.status, 0, r.stderr);
  const packed = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { name: string; version: string; files: Array<{ path: string }> } | Record<string, { name: string; files: Array<{ path: string }> }>;
  const entry = 'files' in packed ? packed : Object.values(packed)[0]!;
  const files = (entry.files as Array<{ path: string }>).map((f) => f.path);
  for (const file of ['package.json', 'README.md', 'LICENSE', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts']) assert.ok(files.includes(file), `${file} in ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests');
  assert.doesNotMatch(r.stderr, /npm (warn|error)(?! publish This command requires you to be logged in)/, r.stderr);
});

test('the tarball from npm pack installs into a project outside the repository and loads by import and require', { timeout: 180_000 }, () => {
  const packed = npm(['pack', '--pack-destination', scratch, '--json'], packageDir);
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = join(scratch, `claude-foundry-sdk-${manifest.version}.tgz`);
  const project = join(scratch, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), '{ "name": "outside", "private": true, "type": "module" }\n');
  // --prefer-offline: @anthropic-ai/sdk comes from npm's cache, filled by this repository's own install.
  const installed = npm(['install', '--prefer-offline', tarball], project);
  assert.equal(installed.status, 0, installed.stderr);
  const load = spawnSync(process.execPath, ['--input-type=module', '-e', "import { AnthropicFoundry } from '@claude-foundry/sdk'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('@claude-foundry/sdk'); console.log(typeof AnthropicFoundry, typeof cjs.AnthropicFoundry)"], { cwd: project, encoding: 'utf8' });
  assert.equal(load.status, 0, load.stderr);
  assert.equal(load.stdout.trim(), 'function function');
});
