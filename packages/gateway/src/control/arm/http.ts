// The ARM conventions every management endpoint shares: a required, known `api-version`, JSON bodies refused as
// InvalidRequestContent, and `x-ms-request-id` on every answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../errors/index.ts';
import { collect } from '../../http/body.ts';
import { type Correlation, sendJson } from '../../http/respond.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export function requireApiVersion(query: URLSearchParams, supported: readonly string[]): string {
  const version = query.get('api-version');
  if (!version) throw new GatewayError('missing_api_version');
  if (!supported.includes(version)) {
    throw new GatewayError(
      'invalid_api_version',
      `The api-version '${version.slice(0, 40)}' is invalid. The supported versions are '${supported.join(',')}'.`,
    );
  }
  return version;
}

export async function readArmBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await collect(req, MAX_BODY_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatewayError('invalid_request_content', `The request content was invalid and could not be deserialized: '${(err as Error).message}'.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('invalid_request_content', 'The request content was invalid and could not be deserialized: expected a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function sendArm(res: ServerResponse, status: number, body: unknown, ids: Correlation): void {
  if (body === undefined) {
    res.writeHead(status, { 'request-id': ids.requestId, 'apim-request-id': ids.apimRequestId, 'x-ms-request-id': ids.apimRequestId, 'content-length': 0 });
    res.end();
    return;
  }
  sendJson(res, status, JSON.stringify(body), ids, { 'x-ms-request-id': ids.apimRequestId });
}
