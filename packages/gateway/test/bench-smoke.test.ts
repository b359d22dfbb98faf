// A smoke run of the benchmark harness (bench/run.ts --smoke): the mock upstream, the bare proxy and
// claude-foundry (with keys, and with an Entra token), tiny loads, seconds. It checks the harness works end to end, never the figures: the
// benchmark itself is `npm run bench` (docs/benchmarks.md). Needs no bench/node_modules (Portkey is left out).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');

interface SmokeResults {
  targets: { id: string; available: boolean; reason?: string }[];
  runs: { scenario: string; target: string; figures: { requests: number; errors: number } }[];
  summary: Record<string, Record<string, Record<string, number>>>;
}

test('the benchmark harness runs end to end on the smallest settings', { timeout: 90_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'cf-bench-smoke-'));
  try {
    const run = spawnSync(process.execPath, [join(REPO, 'bench/run.ts'), '--smoke', '--no-pin', '--out', out], { encoding: 'utf8', timeout: 80_000 });
    assert.equal(run.status, 0, `bench --smoke failed:\n${run.stderr.slice(-3000)}`);
    const results = JSON.parse(readFileSync(join(out, 'smoke-latest.json'), 'utf8')) as SmokeResults;
    const available = results.targets.filter((t) => t.available).map((t) => t.id);
    assert.ok(available.includes('direct') && available.includes('bare'), `targets: ${JSON.stringify(results.targets)}`);
    const cf = available.find((id) => id.startsWith('cf-'));
    assert.ok(cf, `claude-foundry did not run: ${JSON.stringify(results.targets)}`);
    // The Entra target: every request carries a development-tenant token instead of a key, and none is refused.
    assert.ok(available.includes('cf-entra'), `the Entra-token target did not run: ${JSON.stringify(results.targets)}`);
    for (const id of ['direct', 'bare', cf, 'cf-entra']) {
      const mine = results.runs.filter((r) => r.target === id);
      assert.ok(mine.length >= 5, `${id}: ${mine.length} runs`);
      for (const r of mine) {
        assert.ok(r.figures.requests > 0, `${id} ${r.scenario}: no requests`);
        assert.equal(r.figures.errors, 0, `${id} ${r.scenario}: errors`);
      }
    }
    assert.ok(Number.isFinite(results.summary['c1']?.[cf]?.['addedP50']), 'added latency computed');
    assert.match(readFileSync(join(out, 'smoke-latest.md'), 'utf8'), /### Latency and CPU/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
