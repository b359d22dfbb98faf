// Strict config: unknown keys and wrong types stop the start naming the path and the nearest valid key; a
// deployment's model must be in the catalog; the docs' table is the schema's, and current.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DOC_PATH, renderedDoc } from '../scripts/config-table.ts';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUTS } from '../src/config/backends.ts';
import { ConfigError, DEFAULT_HTTPS_PORT, DEFAULT_PORT, defaultDeployments, loadConfig } from '../src/config/index.ts';
import { listModels } from '../src/models/catalog.ts';
import { currentGeneration } from '../src/models/lifecycle.ts';
import { editDistance, nearest } from '../src/config/strict.ts';

const dir = mkdtempSync(join(tmpdir(), 'cf-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `config` written to a file, as `serve --config` does. */
function load(config: unknown) {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return loadConfig({ file, env: {}, cwd: dir });
}

function refused(config: unknown, pattern: RegExp): void {
  assert.throws(() => load(config), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, pattern);
    assert.equal(err.message.split('\n').length, 1, 'one line');
    return true;
  });
}

const deployment = (extra: Record<string, unknown>) => ({ resources: [{ name: 'r1', deployments: [{ name: 'd', model: 'claude-haiku-4-5', ...extra }] }] });

describe('unknown keys are errors with the nearest valid key', () => {
  test('a top-level typo: prot → port', () => refused({ prot: 4480 }, /: prot is not a setting; did you mean "port"\?$/));
  test('disableLocalAuht: true is refused (key auth would have stayed on)', () =>
    refused({ resources: [{ name: 'r1', disableLocalAuht: true, deployments: [] }] }, /resources\[0\]\.disableLocalAuht is not a setting; did you mean "disableLocalAuth"\?/));
  test('modle → model, capacty → capacity, in a deployment', () => {
    refused(deployment({ modle: 'x' }), /resources\[0\]\.deployments\[0\]\.modle is not a setting; did you mean "model"\?/);
    refused(deployment({ capacty: 10 }), /resources\[0\]\.deployments\[0\]\.capacty is not a setting; did you mean "capacity"\?/);
  });
  test('deep inside a union (record: true | {…}) and in identity', () => {
    refused(deployment({ backend: 'anthropic', upstream: { apiKey: 'k' }, record: { casette: 'a.jsonl' } }), /deployments\[0\]\.record\.casette is not a setting; did you mean "cassette"\?/);
    refused({ identity: { developmentTenant: { enable: false } } }, /identity\.developmentTenant\.enable is not a setting; did you mean "enabled"\?/);
  });
  test('a key far from any: the valid ones are listed', () =>
    refused({ monitoring: { zzzzzzzzzz: 1 } }, /monitoring\.zzzzzzzzzz is not a setting here; the settings are "metricsToken", "metricsPort"/));
  test('an unknown key wins over other problems, so a typo is never hidden', () => refused({ port: 'x', hots: '::1' }, /hots is not a setting; did you mean "host"\?/));
});

describe('wrong types and values name the path', () => {
  test('a port given as a string', () => refused({ port: '4480' }, /: port must be a number from 0 to 65535/));
  test('a boolean given as a string', () => refused({ resources: [{ name: 'r1', disableLocalAuth: 'true', deployments: [] }] }, /resources\[0\]\.disableLocalAuth must be true or false/));
  test('resources as an object', () => refused({ resources: { name: 'r1' } }, /resources must be a non-empty array/));
  test('a sku not known', () => refused(deployment({ sku: 'Standard' }), /sku must be "GlobalStandard" or "DataZoneStandard", not "Standard"/));
});

describe('a deployment serves a catalog model', () => {
  test('a model the catalog lacks is refused, with the nearest one', () =>
    refused(deployment({ model: 'claude-haiku-4-6' }), /deployments\[0\]\.model "claude-haiku-4-6" is not a model of the catalog; did you mean "claude-haiku-4-5"\?.*claude-foundry models/));
  test('a deployment named after no model, with no model, says so', () =>
    refused({ resources: [{ name: 'r1', deployments: [{ name: 'my-deployment' }] }] }, /deployments\[0\]\.model \(the deployment name, as no model is given\) "my-deployment" is not a model of the catalog/));
  test('a catalog model under any deployment name is accepted', () => {
    const config = load(deployment({ name: 'anything-goes' }));
    assert.equal(config.resources[0]!.deployments[0]!.model, 'claude-haiku-4-5');
  });
});

describe('the schema is the one source', () => {
  test("docs/configuration.md's table is the one the schema generates (run packages/gateway/scripts/config-table.ts)", () => {
    assert.equal(readFileSync(DOC_PATH, 'utf8'), renderedDoc());
  });
  test("the table's defaults agree with the loader's", () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    assert.match(doc, new RegExp(`\\| \`port\` \\| \`${DEFAULT_PORT}\` \\|`));
    assert.match(doc, new RegExp(`\\| \`httpsPort\` \\| \`${DEFAULT_HTTPS_PORT}\``));
    assert.match(doc, new RegExp(`upstream\\.timeouts\\.connectMs\` \\| \`${DEFAULT_TIMEOUTS.connectMs}\``));
    assert.match(doc, new RegExp(`upstream\\.maxConnections\` \\| \`${DEFAULT_MAX_CONNECTIONS}\``));
  });
  test('the nearest key: one edit, a swap, or too far', () => {
    assert.equal(editDistance('modle', 'model'), 1);
    assert.equal(nearest('prot', ['host', 'port']), 'port');
    assert.equal(nearest('xyz', ['host', 'port']), undefined);
  });
});

describe('the default deployments follow the current generation of the catalog', () => {
  test('today (2026-12-03 or later): the newest active Sonnet, Opus and Haiku', () => {
    const config = loadConfig({ env: {} });
    const names = config.resources[0]!.deployments.map((d) => d.name);
    assert.deepEqual(names, defaultDeployments());
    assert.deepEqual(defaultDeployments(Date.parse('2026-12-03T12:00:00Z')), ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5']);
  });
  test('on an earlier day, the generation of that day', () => {
    assert.deepEqual(currentGeneration(listModels(), ['sonnet', 'opus', 'haiku'], Date.parse('2025-12-01T12:00:00Z')).map((m) => m.id), ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5']);
  });
  test('the seed-era names keep working when declared', () => {
    const config = load({ resources: [{ name: 'claude-local', deployments: [{ name: 'claude-sonnet-4-5' }, { name: 'claude-opus-4-1' }, { name: 'claude-haiku-4-5' }] }] });
    assert.deepEqual(config.resources[0]!.deployments.map((d) => d.model), ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5']);
  });
});
