// Claude Code (`@anthropic-ai/claude-code`, its native binary from npm), unmodified, in print mode against the
// gateway, configured as its docs say for Microsoft Foundry: CLAUDE_CODE_USE_FOUNDRY=1, ANTHROPIC_FOUNDRY_BASE_URL,
// ANTHROPIC_FOUNDRY_API_KEY and ANTHROPIC_DEFAULT_{SONNET,HAIKU,OPUS}_MODEL naming deployments; a fresh HOME, no
// telemetry, no auto-update. Tool search stays at its default (on for Foundry). `--restricted` removes the tools
// that run commands and `--permission-prompts none` denies anything needing approval, so whatever the simulated
// model asks for, nothing outside the temporary folder is touched. A tap in front of the gateway records what
// Claude Code sent and got.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEPLOYMENTS, startClientsGateway, type ClientsGateway, type Mode } from './setup.ts';
import { Tap, type TappedExchange } from './tap.ts';

const CLAUDE = join(dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');
const TOOL_SEARCH_BETA = 'advanced-tool-use-2025-11-20';

interface ClaudeResult {
  type: string;
  subtype: string;
  is_error: boolean;
  num_turns: number;
  result: string;
}

interface Block {
  type: string;
  name?: string;
  id?: string;
  tool_use_id?: string;
  tool_name?: string;
  content?: unknown;
  input?: Record<string, unknown>;
}
type Turn = TappedExchange & { json: Record<string, unknown> };

let env: ClientsGateway;
let tap: Tap;
let work: string;
before(async () => {
  env = await startClientsGateway();
  tap = await Tap.start(env.gw.url);
  work = mkdtempSync(join(tmpdir(), 'cf-claude-code-'));
  writeFileSync(join(work, 'notes.txt'), 'The secret word is pelican.\n');
});
after(async () => {
  await tap?.close();
  await env?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `claude -p prompt --output-format json` in the temporary folder; resolves with its result and what it sent. */
async function claude(mode: Mode, prompt: string, flags: string[] = []): Promise<{ result: ClaudeResult; turns: Turn[] }> {
  const home = mkdtempSync(join(tmpdir(), 'cf-claude-home-'));
  const from = tap.exchanges.length;
  const child = spawn(CLAUDE, ['-p', prompt, '--output-format', 'json', '--restricted', '--permission-prompts', 'none', '--no-session-persistence', ...flags], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'],
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      CLAUDE_CODE_USE_FOUNDRY: '1',
      ANTHROPIC_FOUNDRY_BASE_URL: env.base(mode).replace(env.gw.url, tap.url),
      ANTHROPIC_FOUNDRY_API_KEY: env.key(mode),
      ANTHROPIC_DEFAULT_SONNET_MODEL: DEPLOYMENTS.sonnet,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: DEPLOYMENTS.haiku,
      ANTHROPIC_DEFAULT_OPUS_MODEL: DEPLOYMENTS.opus,
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  rmSync(home, { recursive: true, force: true });
  assert.equal(code, 0, `claude exited with ${code}\nstdout: ${out}\nstderr: ${errors}`);
  const turns = tap.messages(from);
  for (const turn of turns) assert.equal(turn.status, 200, `every request is answered 200; ${turn.status}: ${turn.reply.slice(0, 500)}`);
  return { result: JSON.parse(out) as ClaudeResult, turns };
}

const blocks = (turn: Turn): Block[] => (turn.json['messages'] as Array<{ content: Block[] | string }>).flatMap((m) => (typeof m.content === 'string' ? [] : m.content));
const tools = (turn: Turn) => turn.json['tools'] as Array<{ name: string; defer_loading?: boolean }>;

/** The tool_use blocks of a streamed reply, read from its content_block_start, input delta and stop events. */
function toolUses(turn: Turn): Block[] {
  const uses: Block[] = [];
  let open: { block: Block; json: string } | undefined;
  for (const line of turn.reply.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const event = JSON.parse(line.slice(6)) as { type: string; content_block?: Block; delta?: { type: string; partial_json?: string } };
    if (event.type === 'content_block_start' && event.content_block?.type === 'tool_use') open = { block: event.content_block, json: '' };
    else if (event.delta?.type === 'input_json_delta' && open) open.json += event.delta.partial_json ?? '';
    else if (event.type === 'content_block_stop' && open) {
      uses.push({ ...open.block, input: JSON.parse(open.json || '{}') as Record<string, unknown> });
      open = undefined;
    }
  }
  return uses;
}

function assertToolSearchOn(turn: Turn): void {
  assert.ok(String(turn.headers['anthropic-beta']).split(',').includes(TOOL_SEARCH_BETA), `tool search beta in ${turn.headers['anthropic-beta']}`);
  assert.ok(tools(turn).some((t) => t.name === 'ToolSearch'));
  assert.ok(tools(turn).some((t) => t.defer_loading === true), 'a deferred tool');
}

describe('Claude Code on the simulator', () => {
  test('reads the file the prompt names with its Read tool and completes', async () => {
    const { result, turns } = await claude('simulator', 'Read the file notes.txt and tell me the secret word.', ['--allowedTools', 'Read']);
    assert.equal(result.is_error, false, JSON.stringify(result));
    assert.equal(result.subtype, 'success');
    assert.equal(turns.length, 2);
    assertToolSearchOn(turns[0]!);
    const [use] = toolUses(turns[0]!);
    assert.equal(use?.name, 'Read');
    const answer = blocks(turns[1]!).find((b) => b.type === 'tool_result' && b.tool_use_id === use.id);
    assert.match(JSON.stringify(answer?.content), /The secret word is pelican/, 'the tool result holds the file');
  });

  test('tool search: ToolSearch finds a deferred tool, its tool_reference is accepted, and the found tool is called', async () => {
    const { result, turns } = await claude('simulator', 'Use ToolSearch with the query `select:TaskList`, then list my tasks.');
    assert.equal(result.is_error, false, JSON.stringify(result));
    assertToolSearchOn(turns[0]!);
    const [search] = toolUses(turns[0]!);
    assert.equal(search?.name, 'ToolSearch');
    assert.deepEqual(search.input, { query: 'select:TaskList' });
    const found = blocks(turns[1]!).find((b) => b.type === 'tool_result' && b.tool_use_id === search.id);
    assert.deepEqual(found?.content, [{ type: 'tool_reference', tool_name: 'TaskList' }]);
    assert.ok(tools(turns[1]!).some((t) => t.name === 'TaskList'), 'the found tool is loaded');
    assert.equal(toolUses(turns[1]!)[0]?.name, 'TaskList', 'the model calls the tool the search found');
    assert.equal(turns.length, 3);
  });
});

describe('Claude Code in gateway mode (anthropic upstream: the local mock)', () => {
  test('its requests, tool search on, reach the upstream unchanged but for the model, and it completes', async () => {
    const upstreamFrom = env.mock.exchanges.length;
    const { result, turns } = await claude('gateway', 'Say hello.');
    assert.equal(result.is_error, false, JSON.stringify(result));
    assert.ok(result.result.startsWith('Mock upstream reply to: ') && result.result.endsWith('Say hello.'), result.result);
    assertToolSearchOn(turns[0]!);
    const upstream = env.mock.exchanges.slice(upstreamFrom).filter((e) => /^\/v1\/messages(\?|$)/.test(e.path));
    assert.equal(upstream.length, turns.length);
    assert.equal(upstream[0]!.headers['anthropic-beta'], turns[0]!.headers['anthropic-beta']);
    assert.deepEqual({ ...upstream[0]!.json, model: DEPLOYMENTS.sonnet }, turns[0]!.json);
  });
});
