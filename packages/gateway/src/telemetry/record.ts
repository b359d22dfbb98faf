// One request-log record: a flat row, what the data plane knew when the request ended. No key and no
// token is ever in it; prompt and completion text only when the resource turned content logging on.

export interface RequestLogRecord {
  /** When the request arrived, ms since the epoch. */
  time: number;
  /** '' until the resource was known (an unknown resource, a bad path). */
  resource: string;
  /**
   * The resource's instance (control/names.ts accountInstance), '' with no resource. Reads select by it, never by the
   * name: a name deleted and created again is another instance, which sees nothing of the one before.
   */
  instance: string;
  deployment: string | null;
  /** The catalog model the deployment serves. */
  model: string | null;
  backend: string | null;
  /** For a pool deployment: the member that served the request (or gave the last answer). */
  upstream: string | null;
  /** For a pool deployment: each member tried and its status, e.g. "east 529, west 200". */
  attempts: string | null;
  operation: 'messages' | 'count_tokens' | null;
  /** `key1` / `key2`, or an Entra principal's object ID. */
  principal: string | null;
  /** An Entra token's application (client) ID. */
  appId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  /** The status sent; 499 when the client left before any was sent. */
  status: number;
  /** The catalogue code of the error (errors/index.ts), `client_closed` for a client that left, else null. */
  errorCode: string | null;
  stream: boolean;
  /** Until the first byte of the body (a stream's first event). */
  ttfbMs: number | null;
  /** Until a stream's first content delta. */
  ttftMs: number | null;
  durationMs: number;
  /** Duration minus the time spent waiting on the backend. */
  overheadMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  /** Picodollars (1e-12 USD); a safe integer (under $9,000 per request). */
  costPico: number;
  requestId: string;
  apimRequestId: string;
  clientRequestId: string | null;
  /** Present only for a resource with content logging; each at most `contentMaxBytes`. */
  content?: { request: string; response: string; truncated: boolean };
}

/** 2xx, 4xx, 5xx. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** Errors for dashboards: a failed status, or a stream that ended with `event: error`; not a client leaving. */
export function isError(record: Pick<RequestLogRecord, 'status' | 'errorCode'>): boolean {
  return record.status >= 400 ? record.status !== 499 : record.errorCode !== null && record.errorCode !== 'client_closed';
}
