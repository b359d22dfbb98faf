// The playground's "View code": the same call as curl, TypeScript and Python. Each is read back by the language
// itself (bash's quoting, Python's parser, Node's) and must carry exactly the body the page sent.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonLiteral, streamedCallSnippets } from '../src/snippets.ts';

const BODY = {
  model: 'paced',
  max_tokens: 2048,
  system: "Say \"hi\" and don't stop; a backslash \\ and a newline\nand unicode é ✓",
  thinking: { type: 'enabled', budget_tokens: 1024 },
  tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true, cache_control: null }],
  messages: [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: [{ type: 'text', text: "It's 'quoted'" }] }, { role: 'user', content: [] }],
};

test("curl's -d argument, as bash reads it, is the body with stream: true", () => {
  const { curl } = streamedCallSnippets(BODY);
  // bash parses the command; a function named curl prints its argument after -d.
  const printed = execFileSync('bash', ['-c', `curl() { while [ "$1" != -d ]; do shift; done; printf %s "$2"; }; ${curl}`], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(printed), { ...BODY, stream: true });
});

test("Python's parser reads the literal as the same body (True, False, None)", () => {
  const literal = pythonLiteral(BODY, '');
  const out = execFileSync('python3', ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'], { input: literal, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), BODY);
  assert.match(pythonLiteral({ a: true, b: false, c: null }, ''), /True,\n.*False,\n.*None/);
  const { python } = streamedCallSnippets(BODY);
  execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: python });
});

test('the TypeScript snippet is a module Node parses (plain JavaScript, pasteable into an .mjs file)', () => {
  const { typescript } = streamedCallSnippets(BODY);
  const dir = mkdtempSync(join(tmpdir(), 'cf-snippet-'));
  try {
    writeFileSync(join(dir, 'call.mjs'), typescript);
    execFileSync(process.execPath, ['--check', join(dir, 'call.mjs')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(typescript, /client\.messages\.stream\(\{\n {2}"model": "paced"/);
});
