// The installed command's launcher (bin/claude-foundry.js): Node's compile cache in a directory only this
// user can write, and the V8 flag in its shebang.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/claude-foundry.js', import.meta.url));

function run(env: NodeJS.ProcessEnv) {
  const clean = { ...process.env };
  delete clean['NODE_COMPILE_CACHE'];
  delete clean['XDG_CACHE_HOME'];
  return spawnSync(process.execPath, [BIN, '--help'], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

function entries(dir: string): number {
  return readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, String(f))).isFile()).length;
}

test('the compile cache goes to ~/.cache/claude-foundry, private to the user, and is reused', () => {
  const home = mkdtempSync(join(tmpdir(), 'cf-launcher-'));
  try {
    const first = run({ HOME: home });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /Usage: npx claude-foundry/);
    const dir = join(home, '.cache', 'claude-foundry', 'compile-cache');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const written = entries(dir);
    assert.ok(written > 0, 'the first run wrote cache entries');
    const second = run({ HOME: home });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(entries(dir), written, 'the second run found every entry and added none');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('NODE_COMPILE_CACHE and XDG_CACHE_HOME choose the directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'cf-launcher-'));
  try {
    const explicit = join(root, 'explicit');
    assert.equal(run({ HOME: root, NODE_COMPILE_CACHE: explicit }).status, 0);
    assert.ok(entries(explicit) > 0);
    const xdg = join(root, 'xdg');
    assert.equal(run({ HOME: root, XDG_CACHE_HOME: xdg }).status, 0);
    assert.ok(entries(join(xdg, 'claude-foundry', 'compile-cache')) > 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the shebang runs Node with the young generation capped, as npm start does", () => {
  const first = readFileSync(BIN, 'utf8').split('\n', 1)[0];
  assert.equal(first, '#!/usr/bin/env -S node --max-semi-space-size=8');
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['start'] ?? '', /^node --max-semi-space-size=8 packages\/cli\/bin\/claude-foundry\.js serve$/);
});
