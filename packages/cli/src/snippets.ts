// How to call a resource, as `serve` and `endpoint` print it: the two export lines the official SDKs read, then
// curl, TypeScript and Python, each ready to paste.

export interface CallTarget {
  /** The SDKs' base URL: `{gateway}/{resource}/anthropic`. */
  baseURL: string;
  apiKey: string;
  /** The deployment the examples name in `model`. */
  model: string;
}

export function exportLines(target: Pick<CallTarget, 'baseURL' | 'apiKey'>): string {
  return `export ANTHROPIC_FOUNDRY_BASE_URL=${target.baseURL}\nexport ANTHROPIC_FOUNDRY_API_KEY=${target.apiKey}\n`;
}

/** Each way to call, ready to paste after the export lines (the portal shows them one per tab). */
export function snippets(target: CallTarget): { curl: string; typescript: string; python: string } {
  const { model } = target;
  const body = JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Hello, Claude' }] });
  return {
    curl: `curl -s "$ANTHROPIC_FOUNDRY_BASE_URL/v1/messages" -H "x-api-key: $ANTHROPIC_FOUNDRY_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" -d '${body}'`,
    typescript: `import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
const client = new AnthropicFoundry(); // reads the two variables above
console.log((await client.messages.create({ model: '${model}', max_tokens: 256, messages: [{ role: 'user', content: 'Hello, Claude' }] })).content);`,
    python: `from anthropic import AnthropicFoundry
client = AnthropicFoundry()  # reads the two variables above
print(client.messages.create(model="${model}", max_tokens=256, messages=[{"role": "user", "content": "Hello, Claude"}]).content)`,
  };
}

export function callSnippets(target: CallTarget): string {
  const { curl, typescript, python } = snippets(target);
  return `Paste these two lines into your shell:

${exportLines(target)}
Then call it with curl:

${curl}

or with the official TypeScript SDK (npm install @anthropic-ai/foundry-sdk), in an .mjs file:

${typescript}

or with the official Python SDK (pip install anthropic):

${python}
`;
}

/**
 * One Messages call, streamed, as curl, TypeScript and Python, with exactly the body given (what the portal's
 * playground sent, `stream` aside): ready to paste after the export lines.
 */
export function streamedCallSnippets(body: Record<string, unknown>): { curl: string; typescript: string; python: string } {
  const json = JSON.stringify({ ...body, stream: true }, null, 2);
  const args = JSON.stringify(body, null, 2);
  return {
    curl: `curl -sN "$ANTHROPIC_FOUNDRY_BASE_URL/v1/messages" \\
  -H "x-api-key: $ANTHROPIC_FOUNDRY_API_KEY" -H "anthropic-version: 2023-06-01" -H "content-type: application/json" \\
  -d '${json.replace(/'/g, "'\\''")}'`,
    typescript: `import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
const client = new AnthropicFoundry(); // reads the two variables above
const stream = client.messages.stream(${args});
stream.on('text', (text) => process.stdout.write(text));
console.log((await stream.finalMessage()).usage);`,
    python: `from anthropic import AnthropicFoundry
client = AnthropicFoundry()  # reads the two variables above
with client.messages.stream(**${pythonLiteral(body, '')}) as stream:
    for text in stream.text_stream:
        print(text, end="", flush=True)
    print(stream.get_final_message().usage)`,
  };
}

/** A JSON value as a Python literal (True, False, None; strings JSON-escaped, which Python reads the same). */
export function pythonLiteral(value: unknown, indent: string): string {
  const inner = `${indent}    `;
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${pythonLiteral(v, inner)}`).join(',\n')},\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pythonLiteral(v, inner)}`).join(',\n')},\n${indent}}`;
}
