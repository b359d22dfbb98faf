// The one error catalogue: every error the gateway sends, with its status, body shape and message.
// Gateway failures (auth, routing, unsupported API) speak Azure's `{"error":{"code","message"}}`;
// request and model failures speak Anthropic's `{"type":"error","error":{"type","message"},"request_id"}`.
// docs/errors.md documents each entry; keep the two in step.

export type ErrorShape = 'azure' | 'anthropic';

interface CatalogueEntry {
  status: number;
  shape: ErrorShape;
  /** Azure `error.code` or Anthropic `error.type`. */
  code: string;
  /** Default message; most call sites pass a specific one. */
  message: string;
}

export const catalogue = {
  missing_key: {
    status: 401,
    shape: 'azure',
    code: '401',
    message:
      'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
  },
  invalid_key: {
    status: 401,
    shape: 'azure',
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
  api_not_supported: {
    status: 404,
    shape: 'azure',
    code: 'api_not_supported',
    message: 'Requested API is currently not supported',
  },
  resource_not_found: {
    status: 404,
    shape: 'azure',
    code: 'ResourceNotFound',
    message: 'The resource does not exist.',
  },
  deployment_not_found: {
    status: 404,
    shape: 'azure',
    code: 'DeploymentNotFound',
    message: 'The API deployment for this resource does not exist.',
  },
  not_found: {
    status: 404,
    shape: 'azure',
    code: '404',
    message: 'Resource not found',
  },
  invalid_token: {
    status: 401,
    shape: 'azure',
    code: 'InvalidAuthenticationToken',
    message: 'The access token is invalid.',
  },
  method_not_allowed: {
    status: 405,
    shape: 'azure',
    code: 'MethodNotAllowed',
    message: 'The HTTP method is not allowed on this path.',
  },
  header_too_large: {
    status: 431,
    shape: 'azure',
    code: 'RequestHeaderFieldsTooLarge',
    message: 'The request headers are larger than the 16 KB the gateway accepts. Send fewer or shorter headers.',
  },
  invalid_request: {
    status: 400,
    shape: 'anthropic',
    code: 'invalid_request_error',
    message: 'Invalid request.',
  },
  request_too_large: {
    status: 413,
    shape: 'anthropic',
    code: 'request_too_large',
    message: 'Request exceeds the maximum allowed number of bytes. The maximum request size is 32 MB.',
  },
  rate_limited: {
    status: 429,
    shape: 'anthropic',
    code: 'rate_limit_error',
    message: "This request would exceed your account's rate limit. Please try again later.",
  },
  api_error: {
    status: 500,
    shape: 'anthropic',
    code: 'api_error',
    message: 'Internal server error',
  },
  overloaded: {
    status: 529,
    shape: 'anthropic',
    code: 'overloaded_error',
    message: 'Overloaded',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

/** An error the gateway answers with; anything else that escapes a handler is a 500 `api_error`. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly shape: ErrorShape;
  /** Extra response headers (retry-after, allow...). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    const entry = catalogue[code];
    super(message ?? entry.message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.shape = entry.shape;
    this.headers = headers;
  }

  /** The JSON body for this error, in its dialect. */
  body(requestId: string): string {
    const entry = catalogue[this.code];
    if (this.shape === 'azure') {
      return JSON.stringify({ error: { code: entry.code, message: this.message } });
    }
    return JSON.stringify({ type: 'error', error: { type: entry.code, message: this.message }, request_id: requestId });
  }

  /** The `data:` payload of an `event: error` sent mid-stream (always Anthropic-shaped). */
  eventData(requestId: string): string {
    const type = this.shape === 'anthropic' ? catalogue[this.code].code : 'api_error';
    return JSON.stringify({ type: 'error', error: { type, message: this.message }, request_id: requestId });
  }
}

/** Shorthand for the many 400s of request validation. */
export function invalidRequest(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}
