// The two IDs Foundry support asks for: Anthropic's `request-id` and Azure API Management's `apim-request-id`.

/** The correlation IDs of one Foundry response; `null` when the response did not carry one. */
export interface CorrelationIds {
  /** The `request-id` header, e.g. `req_011C…` (the core SDK's `_request_id`). */
  requestId: string | null;
  /** The `apim-request-id` header, a GUID set by Azure API Management. */
  apimRequestId: string | null;
}

/**
 * What `correlationIds()` reads the IDs from: an APIError or a Response (`headers`), a MessageStream (`response`),
 * a body parsed by this client (`_request_id`, `_apim_request_id`), or Headers. Any other object gives nulls.
 */
export type CorrelationSource = object;

const NONE: CorrelationIds = Object.freeze({ requestId: null, apimRequestId: null });

/**
 * The correlation IDs of a Message (or any JSON body) returned by this client, a `MessageStream` or `Stream`
 * once connected, an `APIError` (HTTP or mid-stream), a `Response`, or its `Headers`.
 * For a streamed message, pass the stream: the Message that `finalMessage()` assembles carries no headers.
 */
export function correlationIds(source: CorrelationSource | null | undefined): CorrelationIds {
  if (source == null || typeof source !== 'object') return NONE;
  if (isHeaders(source)) return fromHeaders(source);
  const record = source as Record<string, unknown>;
  if (isHeaders(record['headers'])) return fromHeaders(record['headers']);
  const response = record['response'];
  if (response && typeof response === 'object' && isHeaders((response as Record<string, unknown>)['headers'])) {
    return fromHeaders((response as { headers: Headers }).headers);
  }
  return { requestId: asId(record['_request_id']), apimRequestId: asId(record[APIM_REQUEST_ID]) };
}

/** The non-enumerable property this client adds to parsed bodies, beside the core's `_request_id`. */
export const APIM_REQUEST_ID = '_apim_request_id';

/** Adds `_apim_request_id` the way the core adds `_request_id`: non-enumerable, so bodies serialize unchanged. */
export function addApimRequestId<T>(value: T, response: Response): T {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.isExtensible(value) && !(APIM_REQUEST_ID in value)) {
    Object.defineProperty(value, APIM_REQUEST_ID, { value: response.headers.get('apim-request-id'), enumerable: false });
  }
  return value;
}

function fromHeaders(headers: Headers): CorrelationIds {
  return { requestId: headers.get('request-id'), apimRequestId: headers.get('apim-request-id') };
}

function isHeaders(value: unknown): value is Headers {
  return !!value && typeof value === 'object' && typeof (value as Headers).get === 'function' && typeof (value as Headers).has === 'function';
}

function asId(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}
