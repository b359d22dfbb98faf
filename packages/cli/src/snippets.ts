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
