// The official Python SDK (`anthropic`, its `AnthropicFoundry` client), unmodified: create, stream, a tool loop and
// count_tokens on the simulator; create, stream and the tool loop in gateway mode (the mock upstream). An installed
// `anthropic` package is used when python3 has one; otherwise the offline kit that sits beside the repository
// (../shared/python-sdk-kit: the SDK's source on Debian's Python; .ci/run installs the Debian packages it needs).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DEPLOYMENTS, MODES, startClientsGateway, type ClientsGateway, type Mode } from './setup.ts';

const KIT = fileURLToPath(new URL('../../../../../shared/python-sdk-kit', import.meta.url));
const SCENARIO = fileURLToPath(new URL('python_sdk_scenario.py', import.meta.url));

interface PythonSdk {
  python: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** python3 with `anthropic` installed, else Debian's python3 with the kit unpacked into a temporary folder. */
function findPythonSdk(): PythonSdk {
  if (spawnSync('python3', ['-c', 'import anthropic'], { stdio: 'ignore' }).status === 0) return { python: 'python3', env: {}, cleanup: () => undefined };
  const tarball = join(KIT, 'anthropic-sdk-python-0.121.0-src.tgz');
  if (!existsSync(tarball)) throw new Error(`No Python SDK: python3 cannot import anthropic and the offline kit is missing (${tarball}). Install the SDK (pip install anthropic) or put shared/ beside the repository.`);
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import httpx, pydantic, anyio, distro, sniffio'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`The Python SDK kit needs Debian's packages: apt-get install python3 python3-httpx python3-pydantic python3-anyio python3-distro python3-typing-extensions python3-sniffio python3-certifi (${probe.stderr || probe.error})`);
  const dir = mkdtempSync(join(tmpdir(), 'cf-python-sdk-'));
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
  if (untar.status !== 0) throw new Error(`tar could not unpack ${tarball}: ${untar.stderr}`);
  cpSync(join(KIT, 'shims'), join(dir, 'shims'), { recursive: true });
  return { python: '/usr/bin/python3', env: { PYTHONPATH: `${join(dir, 'src')}:${join(dir, 'shims')}` }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

interface ScenarioResult {
  version: string;
  create: { text: string; stop_reason: string; request_id: string; input_tokens: number };
  stream: { deltas: number; text: string; final_text: string; stop_reason: string };
  tools: { first_stop: string; tool: string; input: Record<string, unknown>; second_stop: string; answer: string };
  count_tokens?: number;
}

function runScenario(sdk: PythonSdk, mode: Mode): Promise<ScenarioResult> {
  const child = spawn(sdk.python, [SCENARIO, env.base(mode), env.key(mode), DEPLOYMENTS.sonnet, mode], {
    env: { PATH: process.env['PATH'], HOME: tmpdir(), ...sdk.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as ScenarioResult);
      else reject(new Error(`the Python scenario exited with ${code}:\n${errors}`));
    });
  });
}

let env: ClientsGateway;
let sdk: PythonSdk;
before(async () => {
  sdk = findPythonSdk();
  env = await startClientsGateway();
});
after(async () => {
  sdk?.cleanup();
  await env?.close();
});

for (const mode of MODES) {
  describe(`Python AnthropicFoundry, ${mode === 'simulator' ? 'on the simulator' : 'in gateway mode (anthropic upstream: the local mock)'}`, () => {
    test('create, stream and a two-turn tool loop complete', async () => {
      const result = await runScenario(sdk, mode);
      assert.match(result.version, /^0\.\d+\.\d+/);
      assert.equal(result.create.stop_reason, 'end_turn');
      assert.match(result.create.request_id, /^req_/);
      assert.ok(result.stream.deltas > 1);
      assert.equal(result.stream.text, result.stream.final_text);
      assert.equal(result.tools.first_stop, 'tool_use');
      assert.equal(result.tools.tool, 'get_weather');
      assert.equal(typeof result.tools.input['city'], 'string');
      assert.equal(result.tools.second_stop, 'end_turn');
      if (mode === 'simulator') {
        assert.ok(result.create.text.length > 0);
        assert.equal(result.count_tokens, result.create.input_tokens, 'count_tokens counts what create bills');
      } else {
        assert.equal(result.create.text, 'Mock upstream reply to: Hello from Python');
        assert.equal(result.stream.text, 'Mock upstream reply to: Stream from Python');
        assert.equal(result.tools.answer, 'Mock upstream reply to: tool result: 18 degrees and sunny in Paris');
        const upstream = env.mock.exchanges.slice(-4);
        assert.deepEqual(upstream[0]!.json['messages'], [{ role: 'user', content: 'Hello from Python' }]);
        assert.equal(upstream[1]!.json['stream'], true);
        assert.equal((upstream[3]!.json['messages'] as unknown[]).length, 3);
      }
    });
  });
}
