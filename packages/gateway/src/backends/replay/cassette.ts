// Cassettes: JSON-lines files of recorded upstream exchanges, one exchange per line, appended as they
// complete. A line holds the request as the gateway read it (what replay matches on), and the reply: status,
// headers, request-id, and the JSON body or the SSE events, each with its time since the request.
// docs/upstreams.md shows a line.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { logger } from '../../log/index.ts';

export type Operation = 'messages' | 'count_tokens';

/** One SSE event: `event: {event}\ndata: {data}\n\n`, or its exact bytes when it has another form. */
export type RecordedEvent = { ms: number; event: string; data: string } | { ms: number; raw: string };

export interface Exchange {
  v: 1;
  recordedAt: string;
  operation: Operation;
  deployment: string;
  /** The catalog model of the deployment that recorded it. */
  model: string;
  upstreamModel: string;
  request: {
    anthropicVersion: string;
    anthropicBeta?: string[];
    /** The request body as the gateway read it: every field as sent, string content and system as text blocks. */
    body: Record<string, unknown>;
  };
  response: {
    status: number;
    requestId?: string;
    headers: Record<string, string>;
    /** Milliseconds from the request to the response headers. */
    ms: number;
    /** A JSON body that re-serializes to its exact bytes... */
    body?: unknown;
    /** ...or the body's exact text. */
    text?: string;
    events?: RecordedEvent[];
  };
}

/** Splits whole SSE text into events, keeping exact bytes. */
export function recordEvents(text: string, ms: number, into: RecordedEvent[]): void {
  let from = 0;
  while (from < text.length) {
    const lf = text.indexOf('\n\n', from);
    const crlf = text.indexOf('\r\n\r\n', from);
    const cut = lf !== -1 && (crlf === -1 || lf < crlf) ? lf + 2 : crlf !== -1 ? crlf + 4 : text.length;
    const block = text.slice(from, cut);
    from = cut;
    const match = /^event: ([^\r\n]+)\ndata: ([^\r\n]*)\n\n$/.exec(block);
    into.push(match ? { ms, event: match[1]!, data: match[2]! } : { ms, raw: block });
  }
}

export function eventText(event: RecordedEvent): string {
  return 'raw' in event ? event.raw : `event: ${event.event}\ndata: ${event.data}\n\n`;
}

/** The body as recorded: parsed JSON when that round-trips to the same bytes, else the text. */
export function recordBody(text: string): { body: unknown } | { text: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (JSON.stringify(body) === text) return { body };
  } catch {
    // not JSON
  }
  return { text };
}

export function bodyText(response: Exchange['response']): string {
  return response.text ?? (response.body === undefined ? '' : JSON.stringify(response.body));
}

/** Appends exchange lines to cassettes; appends to one file never interleave. */
export class CassetteWriter {
  readonly #queues = new Map<string, Promise<void>>();
  readonly #dirs = new Set<string>();

  append(path: string, line: string): Promise<void> {
    const previous = this.#queues.get(path) ?? Promise.resolve();
    const next = previous.then(async () => {
      const dir = dirname(path);
      if (!this.#dirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.#dirs.add(dir);
      }
      await appendFile(path, `${line}\n`);
    });
    const settled = next.catch((err: unknown) => {
      logger().error({ err, cassette: path }, 'cassette write failed');
    });
    this.#queues.set(path, settled);
    void settled.then(() => {
      if (this.#queues.get(path) === settled) this.#queues.delete(path);
    });
    return settled;
  }

  /** Resolves once every append started so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.#queues.values());
  }
}

export class CassetteError extends Error {}

export async function readCassette(path: string): Promise<Exchange[]> {
  const text = await readFile(path, 'utf8');
  const exchanges: Exchange[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      throw new CassetteError(`line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    const e = parsed as Partial<Exchange>;
    if (e.v !== 1 || (e.operation !== 'messages' && e.operation !== 'count_tokens') || typeof e.request?.body !== 'object' || typeof e.response?.status !== 'number') {
      throw new CassetteError(`line ${i + 1} is not a recorded exchange (version 1).`);
    }
    exchanges.push(e as Exchange);
  });
  return exchanges;
}
