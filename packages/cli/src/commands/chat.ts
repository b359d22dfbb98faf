// `npx claude-foundry chat`: one message to a deployment, its reply streamed to stdout as it arrives — the quickest
// way to try a resource. The key comes from ARM's listKeys (or --api-key); the call is the data plane's SSE.
import { DEFAULT_RESOURCE } from '@claude-foundry/gateway';
import { armList, type Deployment, PLACEMENT_HELP, PLACEMENT_OPTIONS, placementOf, resolveResource } from '../arm.ts';
import { CliError, EXIT_DENIED, EXIT_FAILURE, type GatewayClient } from '../gateway-client.ts';
import { connect } from '../monitoring/client.ts';
import { serverSentEvents } from '../sse.ts';
import { parseCommandArgs, UsageError, wholeNumber } from '../usage.ts';
import { baseURLOf } from './endpoint.ts';
import { listKeys } from './keys.ts';

const HELP = `Usage: npx claude-foundry chat [options] <prompt...>

Sends one user message to a deployment and streams the reply to stdout as it arrives.
With no prompt, reads it from stdin ('-' too): echo "Hello" | npx claude-foundry chat --deployment claude-haiku-4-5

Options:
  --resource <r>             the resource (default ${DEFAULT_RESOURCE})
  --deployment <d>           the deployment, what the request names as 'model' (default: the resource's first)
  --api-key <key>            call with this key (default: key1, read through ARM's listKeys)
  --system <text>            a system prompt
  --max-tokens <n>           the longest reply, in tokens (default 1024)
  -v, --verbose              then print the tokens used, the stop reason and the request-id (on stderr)
${PLACEMENT_HELP}
  --url <url>                the gateway (default: the running one recorded in the data folder)
  --data-dir <dir>           the gateway's data folder (default $CLAUDE_FOUNDRY_DATA_DIR, else ./.data)
  -h, --help                 this text

Example:
  npx claude-foundry chat --resource claude-local --deployment claude-sonnet-5-5 "Hello"`;

const OPTIONS = {
  ...PLACEMENT_OPTIONS,
  resource: { type: 'string' },
  deployment: { type: 'string' },
  'api-key': { type: 'string' },
  system: { type: 'string' },
  'max-tokens': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  url: { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The fields chat reads from the Messages API's stream events. */
interface StreamEvent {
  message?: { usage?: Usage };
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: Usage;
  error?: { type?: string; message?: string };
}

interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export async function chat(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('chat', args, OPTIONS, true);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const maxTokens = values['max-tokens'] === undefined ? 1024 : wholeNumber('chat', 'max-tokens', values['max-tokens']);
  const prompt = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-') ? await readStdin() : positionals.join(' ');
  if (!prompt.trim()) throw new UsageError(`chat: what should it say? Pass a prompt, e.g. npx claude-foundry chat "Hello, Claude".`);
  const name = values.resource ?? DEFAULT_RESOURCE;
  const client = connect(values);
  const { apiKey, deployment, baseURL } = await target(client, name, values);

  const started = performance.now();
  const body = { model: deployment, max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: prompt }], ...(values.system ? { system: values.system } : {}) };
  const res = await client.open('POST', `${new URL(baseURL).pathname}/v1/messages`, body, { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', accept: 'text/event-stream' });
  const requestId = String(res.headers['request-id'] ?? '');
  if ((res.statusCode ?? 0) >= 300) throw await refusal(res.statusCode ?? 0, res);

  const usage: Usage = {};
  let stopReason = '';
  let endsWithNewline = true;
  let complete = false;
  try {
    for await (const { event, data } of serverSentEvents(res)) {
      const payload = JSON.parse(data) as StreamEvent;
      if (event === 'content_block_delta' && payload.delta?.type === 'text_delta') {
        const text = payload.delta.text ?? '';
        if (text) {
          process.stdout.write(text);
          endsWithNewline = text.endsWith('\n');
        }
      } else if (event === 'message_start') Object.assign(usage, payload.message?.usage);
      else if (event === 'message_delta') {
        Object.assign(usage, payload.usage);
        stopReason = payload.delta?.stop_reason ?? stopReason;
      } else if (event === 'message_stop') complete = true;
      else if (event === 'error') {
        const e = payload.error;
        throw new CliError(`chat: the stream failed: ${e?.message ?? data} (${e?.type ?? 'error'})${requestId ? `, request-id ${requestId}` : ''}`, EXIT_FAILURE);
      }
    }
  } catch (err) {
    if (!endsWithNewline) process.stdout.write('\n');
    if (err instanceof CliError) throw err;
    throw new CliError(`chat: the reply broke off (${(err as Error).message})${requestId ? `, request-id ${requestId}` : ''}; try again.`, EXIT_FAILURE);
  }
  if (!endsWithNewline) process.stdout.write('\n');
  if (!complete) throw new CliError(`chat: the stream ended before message_stop${requestId ? ` (request-id ${requestId})` : ''}; try again.`, EXIT_FAILURE);
  if (values.verbose) {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stderr.write(
      `usage: ${usage.input_tokens ?? 0} input tokens, ${usage.output_tokens ?? 0} output tokens, ` +
        `${usage.cache_creation_input_tokens ?? 0} cache write, ${usage.cache_read_input_tokens ?? 0} cache read; ` +
        `stop: ${stopReason || '-'}; ${seconds} s; deployment ${deployment} of ${name}; request-id ${requestId || '-'}\n`,
    );
  }
  return 0;
}

/** Where to call, with which key and deployment: the resource's endpoint from ARM; the flags, else listKeys' key1 and its first deployment. */
async function target(client: GatewayClient, name: string, values: { 'api-key'?: string | undefined; deployment?: string | undefined; subscription?: string | undefined; 'resource-group'?: string | undefined }) {
  const account = await resolveResource(client, 'chat', placementOf(values), name);
  const [apiKey, deployment] = await Promise.all([
    values['api-key'] ?? listKeys(client, 'chat', account.id).then((k) => k.key1),
    values.deployment ?? armList<Deployment>(client, 'chat', `${account.id}/deployments`).then((list) => {
      if (!list[0]) throw new CliError(`chat: resource '${account.name}' has no deployments yet. Create one: npx claude-foundry deployment create --resource ${account.name} --model claude-sonnet-5-5`, EXIT_FAILURE);
      return list[0].name;
    }),
  ]);
  return { apiKey, deployment, baseURL: baseURLOf(client, account) };
}

/** A data-plane refusal (Azure's `{error:{code,message}}` or Anthropic's `{type:"error",error:{type,message}}`) in one line. */
async function refusal(status: number, body: AsyncIterable<Buffer>): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  let error: { code?: string; type?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  const message = (error?.message ?? (text.slice(0, 200) || `HTTP ${status}`)).replace(/\s+/g, ' ').trim();
  return new CliError(`chat: ${message} (${error?.code ?? error?.type ?? `HTTP ${status}`})`, status === 401 || status === 403 ? EXIT_DENIED : EXIT_FAILURE);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
