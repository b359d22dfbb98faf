// How to call a resource, as `serve` and `endpoint` print it: the two export lines the official SDKs read, then
// curl, TypeScript and Python, each ready to paste.

export interface CallTarget {
  /** The SDKs' base URL: `{gateway}/{resource}/anthropic`. */
  baseURL: string;
  apiKey: string;
  /** The deployment the examples name in `model`. */
  model: string;
}

/** How a call authenticates: a key of the resource, or a Microsoft Entra ID token of whoever runs it. */
export type CallAuth = 'key' | 'entra';

/** The audience the data plane accepts, as `@azure/identity`'s scope. */
const ENTRA_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** The lines the SDKs read; without a key only the base URL (an Entra caller must not set a key: the TS SDK refuses both). */
export function exportLines(target: { baseURL: string; apiKey?: string | undefined }): string {
  const key = target.apiKey === undefined ? '' : `export ANTHROPIC_FOUNDRY_API_KEY=${target.apiKey}\n`;
  return `export ANTHROPIC_FOUNDRY_BASE_URL=${target.baseURL}\n${key}`;
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

/** How each language builds its client: from the key variable, or with a token provider over DefaultAzureCredential. */
const CLIENTS: Record<CallAuth, { curlAuth: string; typescript: string; python: string }> = {
  key: {
    curlAuth: '-H "x-api-key: $ANTHROPIC_FOUNDRY_API_KEY"',
    typescript: `import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
const client = new AnthropicFoundry(); // reads the two variables above`,
    python: `from anthropic import AnthropicFoundry
client = AnthropicFoundry()  # reads the two variables above`,
  },
  // Microsoft's documented pattern: DefaultAzureCredential (Azure CLI sign-in, environment, managed identity…) and
  // a bearer-token provider for the Cognitive Services scope; the caller needs a role with Claude's data action.
  entra: {
    curlAuth: `-H "Authorization: Bearer $(az account get-access-token --resource https://cognitiveservices.azure.com --query accessToken -o tsv)"`,
    typescript: `import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
const client = new AnthropicFoundry({ // reads the base URL above
  azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), '${ENTRA_SCOPE}'),
});`,
    python: `from anthropic import AnthropicFoundry
from azure.identity import DefaultAzureCredential, get_bearer_token_provider
client = AnthropicFoundry(  # reads the base URL above
    azure_ad_token_provider=get_bearer_token_provider(DefaultAzureCredential(), "${ENTRA_SCOPE}"),
)`,
  },
};

/**
 * One Messages call, streamed, as curl, TypeScript and Python, with exactly the body given (what the portal's
 * playground sent, `stream` aside), authenticated with a key or with Entra: ready to paste after the export lines.
 */
export function streamedCallSnippets(body: Record<string, unknown>, auth: CallAuth = 'key'): { curl: string; typescript: string; python: string } {
  const json = JSON.stringify({ ...body, stream: true }, null, 2);
  const args = JSON.stringify(body, null, 2);
  const client = CLIENTS[auth];
  return {
    curl: `curl -sN "$ANTHROPIC_FOUNDRY_BASE_URL/v1/messages" \\
  ${client.curlAuth} -H "anthropic-version: 2023-06-01" -H "content-type: application/json" \\
  -d '${json.replace(/'/g, "'\\''")}'`,
    typescript: `${client.typescript}
const stream = client.messages.stream(${args});
stream.on('text', (text) => process.stdout.write(text));
console.log((await stream.finalMessage()).usage);`,
    python: `${client.python}
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
