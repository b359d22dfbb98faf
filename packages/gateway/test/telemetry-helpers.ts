// Test helpers for monitoring: a management (ARM) token for a principal holding a role, and calls to the
// monitoring API with it.
import { assign, devToken, newPrincipal, ROLES, subscriptionScope } from './identity-helpers.ts';
import { HELLO, raw, type RawResponse, type TestGateway } from './helpers.ts';
import type { Gateway } from '../src/gateway.ts';
import type { RecordView } from '../src/telemetry/views.ts';

export { ROLES };

/** A token for https://management.azure.com of a new principal holding `role` (none for null) at `scope` (the subscription by default). */
export async function managementToken(gw: TestGateway, role: string | null = ROLES.reader, scope = subscriptionScope()): Promise<string> {
  const p = await newPrincipal(gw);
  if (role) await assign(gw, p.objectId, role, scope);
  return devToken(gw, p.clientId, p.clientSecret, 'https://management.azure.com/.default');
}

export function monitoring(gw: TestGateway, path: string, token: string | undefined, method = 'GET', body?: unknown): Promise<RawResponse> {
  return raw(gw, {
    method,
    path,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}


/** The one logged record of a request id, once the response has closed and the writer has flushed. */
export async function loggedRecord(gw: TestGateway, token: string, requestId: string): Promise<RecordView> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, attempt === 0 ? 5 : 20));
    await gw.telemetry.flush();
    const res = await monitoring(gw, `/monitoring/logs?requestId=${encodeURIComponent(requestId)}&from=1h`, token);
    if (res.status !== 200) throw new Error(`logs answered ${res.status}: ${res.text}`);
    const { value } = res.json() as { value: RecordView[] };
    if (value.length === 1) return value[0]!;
    if (value.length > 1 || attempt === 50) throw new Error(`expected one record for ${requestId}, got ${value.length}`);
  }
}

/** A Messages call with key1 of `resource`, addressed by path. */
export function messagesTo(gw: Gateway, resource: string, body: unknown = HELLO): Promise<RawResponse> {
  return raw(gw, {
    path: `/${resource}/anthropic/v1/messages`,
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gw.keys(resource).key1 },
    body: JSON.stringify(body),
  });
}
