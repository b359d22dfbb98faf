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

/** Python's own parser accepts `source` (throws with its error otherwise). */
const pythonParses = (source: string) => execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: source });

/** Node accepts `source` as an ES module (`node --check` on an .mjs file). */
function nodeParses(source: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cf-snippet-'));
  try {
    writeFileSync(join(dir, 'call.mjs'), source);
    execFileSync(process.execPath, ['--check', join(dir, 'call.mjs')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
  pythonParses(python);
});

test('the TypeScript snippet is a module Node parses (plain JavaScript, pasteable into an .mjs file)', () => {
  const { typescript } = streamedCallSnippets(BODY);
  nodeParses(typescript);
  assert.match(typescript, /client\.messages\.stream\(\{\n {2}"model": "paced"/);
});

test("the Entra variant: curl's bearer is the Azure CLI's token for the data plane, Python and Node parse theirs, and none names a key", () => {
  const { curl, python, typescript } = streamedCallSnippets(BODY, 'entra');
  // bash runs the command substitution: a function named az stands in for the Azure CLI and says what it was asked.
  const script = `az() { printf 'token-for:%s' "$*"; }; curl() { while [ $# -gt 0 ]; do [ "$1" = -H ] && printf '%s\\n' "$2"; [ "$1" = -d ] && printf 'BODY %s' "$2"; shift; done; }; ${curl}`;
  const printed = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.match(printed, /^Authorization: Bearer token-for:account get-access-token --resource https:\/\/cognitiveservices\.azure\.com --query accessToken -o tsv$/m);
  assert.deepEqual(JSON.parse(printed.slice(printed.indexOf('BODY ') + 5)), { ...BODY, stream: true });
  pythonParses(python);
  assert.match(python, /azure_ad_token_provider=get_bearer_token_provider\(DefaultAzureCredential\(\), "https:\/\/cognitiveservices\.azure\.com\/\.default"\)/);
  nodeParses(typescript);
  assert.match(typescript, /azureADTokenProvider: getBearerTokenProvider\(new DefaultAzureCredential\(\), 'https:\/\/cognitiveservices\.azure\.com\/\.default'\)/);
  for (const text of [curl, python, typescript]) assert.doesNotMatch(text, /API_KEY|x-api-key|api_key/);
});
