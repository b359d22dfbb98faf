// Fixtures files are reloaded when they change: an edit (in place, or an editor's write-and-rename)
// reaches the next request; a broken edit is reported (naming the file, line and rule) and the rules
// before it stay in force; a deleted file's rules go. At start, a bad or missing file stops the start.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import type { FileStatus } from '../src/backends/scenarios/index.ts';
import { ConfigError } from '../src/index.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';

const rulesSaying = (text: string) => JSON.stringify({ rules: [{ name: 'greeting', match: { userText: 'hello' }, reply: { text } }] }, null, 2);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cf-scenarios-reload-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Waits (at most 5 s) for the gateway to reload `file` after `edit`. */
async function reloaded(gw: TestGateway, file: string, edit: () => void): Promise<FileStatus> {
  const signal = AbortSignal.timeout(5_000);
  const next = (async () => {
    for (;;) {
      const [status] = (await once(gw.scenarios, 'change', { signal })) as [FileStatus];
      if (status.file === file) return status;
    }
  })();
  edit();
  return next;
}

/** Runs `fn`, keeping what it writes to stderr (the gateway's log lines) and still letting it through. */
async function stderrOf<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), lines };
  } finally {
    process.stderr.write = write;
  }
}

describe('a configured file', () => {
  let gw: TestGateway;
  let client: AnthropicFoundry;
  let file: string;
  const say = async () => {
    const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] });
    return message.content[0]?.type === 'text' ? message.content[0].text : '';
  };

  before(async () => {
    file = join(dir, 'live.json');
    writeFileSync(file, rulesSaying('First version.'));
    gw = await startTestGateway({ scenarios: file });
    client = new AnthropicFoundry({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
  });
  after(() => gw.close());

  test('an edit reaches the next request', async () => {
    assert.equal(await say(), 'First version.');
    const status = await reloaded(gw, file, () => writeFileSync(file, rulesSaying('Second version.')));
    assert.deepEqual(status, { file, rules: 1 });
    assert.equal(await say(), 'Second version.');
  });

  test('a file replaced by rename (as editors save) is reloaded too', async () => {
    const temporary = join(dir, '.live.json.tmp');
    await reloaded(gw, file, () => {
      writeFileSync(temporary, rulesSaying('Renamed into place.'));
      renameSync(temporary, file);
    });
    assert.equal(await say(), 'Renamed into place.');
  });

  test('broken JSON is reported with the file and line, and the previous rules stay in force', async () => {
    const { value: status, lines } = await stderrOf(() => reloaded(gw, file, () => writeFileSync(file, '{\n  "rules": [\n    { "match": { "userText": "hello" }\n    "reply": {} }\n  ]\n}')));
    assert.match(status.error ?? '', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line 4: not valid JSON \\(CommaExpected\\)`));
    assert.equal(status.rules, 1);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; file: string; detail: string }).find((l) => l.file === file);
    assert.equal(logged?.level, 'error');
    assert.match(logged?.msg ?? '', /previous rules stay in force/);
    assert.equal(await say(), 'Renamed into place.');
    assert.deepEqual(gw.scenarios.status().find((s) => s.file === file), { file, rules: 1, error: status.error });
  });

  test('a wrong rule is reported by its line, name and field, with what to write instead', async () => {
    const text = JSON.stringify({ rules: [{ name: 'ok', match: { userText: 'x' }, reply: { text: 'x' } }, { name: 'typo', match: { usertext: 'hello' }, reply: { text: 'never' } }] }, null, 2);
    const status = await reloaded(gw, file, () => writeFileSync(file, text));
    assert.equal(status.error, `${file}, line 15: rules[1] ("typo").match.usertext is not a field here; use "userText", "system", "toolResult", "headers", "deployment".`);
    assert.equal(await say(), 'Renamed into place.');
  });

  test('a refused file is reported once, not again at every poll; a folder in its place is refused as unreadable', async () => {
    const changes: FileStatus[] = [];
    const count = (status: FileStatus) => status.file === file && changes.push(status);
    gw.scenarios.on('change', count);
    try {
      await sleep(1_000);
      assert.deepEqual(changes, [], 'the refused file was reported again without an edit');
      const status = await reloaded(gw, file, () => {
        rmSync(file);
        mkdirSync(file);
      });
      assert.match(status.error ?? '', /cannot be read: EISDIR/);
      assert.equal(await say(), 'Renamed into place.');
      await sleep(1_000);
      assert.equal(changes.length, 1, 'the unreadable file was reported at every poll');
    } finally {
      gw.scenarios.off('change', count);
      rmSync(file, { recursive: true, force: true });
    }
  });

  test('a fixed file is taken again, and the refusal is cleared', async () => {
    await reloaded(gw, file, () => writeFileSync(file, rulesSaying('Fixed.')));
    assert.equal(await say(), 'Fixed.');
    assert.deepEqual(gw.scenarios.status().find((s) => s.file === file), { file, rules: 1 });
  });

  test("a deleted file's rules are dropped: requests fall through to the simulator", async () => {
    await reloaded(gw, file, () => rmSync(file));
    assert.match(await say(), /^Simulated reply from claude-sonnet-4-6/);
  });
});

test('the data folder\'s scenarios.json is read when it appears, without any config', async () => {
  const gw = await startTestGateway();
  try {
    const file = join(gw.dataDir, 'scenarios.json');
    const status = await reloaded(gw, file, () => writeFileSync(file, rulesSaying('From the data folder.')));
    assert.deepEqual(status, { file, rules: 1 });
    const client = new AnthropicFoundry({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
    const message = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
    assert.deepEqual(message.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['From the data folder.']);
  } finally {
    await gw.close();
  }
});

// The data folder holds the request log too: a watch on the folder would wake the request thread at every log
// commit. The files are polled instead, so this process (one per test file) never opens an inotify instance.
test('no folder is watched: the request log written beside scenarios.json does not wake the gateway', { skip: process.platform !== 'linux' }, async () => {
  const inotifyFds = () => readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:inotify';
    } catch {
      return false;
    }
  }).length;
  const gw = await startTestGateway();
  try {
    const file = join(gw.dataDir, 'scenarios.json');
    await reloaded(gw, file, () => writeFileSync(file, rulesSaying('Polled.')));
    const client = new AnthropicFoundry({ apiKey: gw.keys().key1, baseURL: gw.baseURL(), maxRetries: 0 });
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(inotifyFds(), 0, 'a folder is watched with inotify');
  } finally {
    await gw.close();
  }
});

describe('at start', () => {
  test('a configured file that does not exist stops the start, saying what to do', async () => {
    const missing = join(dir, 'missing.json');
    await assert.rejects(startTestGateway({ scenarios: missing }), (err: Error) => err instanceof ConfigError && err.message === `The scenarios file ${missing} does not exist: create it (docs/scenarios.md) or remove it from the config.`);
  });

  test('a wrong file stops the start, naming its line and the mistake', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ match: { userText: { regex: '(' } }, reply: { text: 'x' } }] }, null, 2));
    await assert.rejects(startTestGateway({ scenarios: bad }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, new RegExp(`^Scenarios: .*bad\\.json, line 6: rules\\[0\\]\\.match\\.userText\\.regex is not a regular expression: `));
      return true;
    });
  });

  test('scenarios on a deployment that is not on the simulator are refused', async () => {
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, rulesSaying('x'));
    const config = { resources: [{ name: 'r1', deployments: [{ name: 'replayed', model: 'claude-sonnet-4-6', backend: 'replay', scenarios: ok }] }] };
    await assert.rejects(startTestGateway(config), /resources\[0\]\.deployments\[0\]\.scenarios: scenarios are played by simulator deployments; this one's backend is "replay"\./);
  });
});
