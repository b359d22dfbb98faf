// How the CLI reaches a running gateway: its URL and the admin principal's credentials from
// <dataDir>/admin-credentials.json, a token from the development tenant, then the management endpoints.
// The CLI never opens the database: every change goes through the gateway, which updates its snapshot at once.
import { readFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';

export const ARM_API_VERSION = '2022-04-01';
export const MANAGEMENT_SCOPE = 'https://management.azure.com/.default';

/** A failure the CLI reports in one line, with its exit code (docs/identity.md lists them). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_UNREACHABLE = 3;
export const EXIT_DENIED = 4;

/** A management call the gateway refused: ARM's code and message, kept apart for commands that word their own line. */
export class ArmError extends CliError {
  readonly status: number;
  readonly code: string | undefined;
  readonly armMessage: string;
  constructor(status: number, code: string | undefined, message: string) {
    super(`${code ? `${code}: ` : ''}${message}`, status === 401 || status === 403 ? EXIT_DENIED : EXIT_FAILURE);
    this.name = 'ArmError';
    this.status = status;
    this.code = code;
    this.armMessage = message;
  }
}

export interface ConnectionOptions {
  url?: string | undefined;
  dataDir?: string | undefined;
}

interface AdminFile {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  url?: string;
  caPath?: string;
}

export interface Response {
  status: number;
  json: unknown;
  text: string;
}

export function dataDirOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env['CLAUDE_FOUNDRY_DATA_DIR'] ?? '.data');
}

export class GatewayClient {
  readonly url: string;
  readonly tenantId: string;
  readonly #admin: AdminFile;
  readonly #ca: string | undefined;
  readonly #dataDir: string;
  #token: string | undefined;

  constructor(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env) {
    const dataDir = dataDirOf(options.dataDir, env);
    this.#dataDir = dataDir;
    const path = join(dataDir, 'admin-credentials.json');
    let admin: AdminFile;
    try {
      admin = JSON.parse(readFileSync(path, 'utf8')) as AdminFile;
    } catch {
      throw new CliError(`no admin credentials at ${path}: start the gateway once with 'npx claude-foundry serve', or pass --data-dir (or set CLAUDE_FOUNDRY_DATA_DIR) to the data folder of the running gateway.`, EXIT_UNREACHABLE);
    }
    this.#admin = admin;
    this.tenantId = admin.tenantId;
    this.url = (options.url ?? env['CLAUDE_FOUNDRY_URL'] ?? admin.url ?? 'http://127.0.0.1:4480').replace(/\/+$/, '');
    this.#ca = this.url.startsWith('https:') && admin.caPath ? readOptional(admin.caPath) : undefined;
  }

  async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.open(method, path, body, headers);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode ?? 0, json, text };
  }

  /** A request whose answer is read as it arrives (a data-plane stream); `send` buffers it. */
  open(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const target = new URL(this.url + path);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolvePromise, reject) => {
      const req = request(
        target,
        {
          method,
          headers: { accept: 'application/json', ...(payload !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(this.#ca ? { ca: this.#ca } : {}),
          timeout: 30_000,
        },
        resolvePromise,
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(new CliError(`cannot reach the gateway at ${this.url} (${err.message}); is 'npx claude-foundry serve' running? Pass --url, or --data-dir with the data folder it was started with.`, EXIT_UNREACHABLE)));
      req.end(payload);
    });
  }

  /** An access token from the development tenant's token endpoint (client credentials). */
  async token(scope: string, clientId = this.#admin.clientId, clientSecret = this.#admin.clientSecret): Promise<{ accessToken: string; expiresIn: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
    const res = await this.send('POST', `/${this.tenantId}/oauth2/v2.0/token`, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    const body = res.json as { access_token?: string; expires_in?: number; error?: string; error_description?: string } | undefined;
    if (clientId === this.#admin.clientId && (body?.error === 'unauthorized_client' || body?.error === 'invalid_tenant' || body?.error === 'invalid_client')) {
      // The admin credentials come from one data folder and the gateway at this URL was started with another.
      throw new CliError(
        `the gateway at ${this.url} does not know the admin principal of ${this.#dataDir}: it was started with another data folder. ` +
          "Pass that folder with --data-dir (or CLAUDE_FOUNDRY_DATA_DIR), or --url for the gateway this folder belongs to.",
        EXIT_UNREACHABLE,
      );
    }
    if (res.status !== 200 || !body?.access_token) {
      const reason = body?.error_description?.split('\r\n')[0] ?? `HTTP ${res.status}`;
      throw new CliError(`the token endpoint refused: ${reason}`, res.status === 401 ? EXIT_DENIED : EXIT_FAILURE);
    }
    return { accessToken: body.access_token, expiresIn: body.expires_in ?? 0 };
  }

  /** A management call as the admin principal; any answer but 2xx becomes a one-line CliError. */
  async manage(method: string, path: string, body?: unknown): Promise<Response> {
    this.#token ??= (await this.token(MANAGEMENT_SCOPE)).accessToken;
    const res = await this.send(method, path, body, { authorization: `Bearer ${this.#token}` });
    if (res.status >= 200 && res.status < 300) return res;
    const error = (res.json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ArmError(res.status, error?.code, error?.message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`));
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
