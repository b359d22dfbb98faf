// An Entra `authorityHost` set over ARM is held to the upstream policy when @azure/identity connects, not only by name
// when ARM accepts it (docs/security.md#where-the-gateway-connects). The token server is the gateway's own development
// IdP (Entra's wire format: the v2.0 OpenID configuration and the token POST), reached by a real ClientSecretCredential
// as `https://localhost:{port}` through a TCP relay that counts connections: `localhost` passes the policy by name and
// resolves to a loopback address, as a rebound name would. The seams: the gateway's CA is added to this process's
// default trust (Node's tls.setDefaultCACertificates), and instance discovery is off (it would ask
// login.microsoftonline.com, unreachable here: identity.md).
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { createHttpHeaders, createPipelineFromOptions, createPipelineRequest } from '@azure/core-rest-pipeline';
import { azureIdentityCredential } from '../src/backends/foundry/entra.ts';
import { PolicyHttpClient } from '../src/backends/foundry/http-client.ts';
import { UpstreamPolicy, UpstreamRefused } from '../src/backends/upstream/policy.ts';
import { createLogger, setLogger } from '../src/log/index.ts';
import { ACCOUNT, accountPath, adminToken, armWith, callResource, keysOf } from './control-helpers.ts';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { startTestGateway, type TestGateway } from './helpers.ts';
import { newPrincipal } from './identity-helpers.ts';

/** A TCP relay to the gateway's HTTPS port: how many connections the token server was sent. */
async function relayTo(port: number): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((client) => {
    count++;
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

/** A gateway whose Foundry credentials are @azure/identity's, as in production; an account with a pool member on Entra. */
async function gatewayWith(upstreams: Record<string, unknown>) {
  const gw: TestGateway = await startTestGateway({ upstreams }, { upstream: { credential: (auth, policy) => azureIdentityCredential(auth, policy, { disableInstanceDiscovery: true }) } });
  setDefaultCACertificates([...getCACertificates('default'), gw.identity.caPem]);
  const relay = await relayTo(Number(new URL(gw.httpsUrl).port));
  const arm = armWith(gw, await adminToken(gw));
  assert.equal((await arm('PUT', accountPath('entra-egress'), ACCOUNT)).status, 201);
  const { key1 } = await keysOf(arm, accountPath('entra-egress'));
  const app = await newPrincipal(gw);
  const put = (endpoint: string) =>
    arm('PUT', `${accountPath('entra-egress')}/deployments/on-entra`, {
      sku: { name: 'GlobalStandard', capacity: 10 },
      properties: {
        model: { format: 'Anthropic', name: 'claude-sonnet-4-6' },
        claudeFoundry: {
          pool: {
            members: [{
              name: 'm', kind: 'foundry', endpoint, timeouts: { connectMs: 1000, firstByteMs: 5000 },
              credentials: { type: 'entra', tenantId: gw.identity.tenantId, clientId: app.clientId, clientSecret: app.clientSecret, authorityHost: `https://localhost:${relay.port}` },
            }],
          },
        },
      },
    });
  return {
    gw, relay, put,
    call: () => callResource(gw, 'entra-egress', key1, 'on-entra'),
    close: async () => {
      relay.server.close();
      await gw.close();
    },
  };
}

let mock: MockUpstream;
before(async () => {
  mock = await MockUpstream.start();
});
after(async () => {
  await mock.close();
});

describe("a member's Entra authority, when @azure/identity connects", () => {
  test('a name the policy allows that resolves to a loopback address is refused (502 EGRESS_REFUSED, logged); the token server sees no connection', async () => {
    const g = await gatewayWith({ allow: ['*.services.ai.azure.com', 'localhost'] });
    const lines: Array<Record<string, unknown>> = [];
    const previous = setLogger(createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } }));
    try {
      const put = await g.put('https://claude-east.services.ai.azure.com/anthropic');
      assert.equal(put.status, 201, `ARM accepts the authority by name: ${put.text}`);
      const res = await g.call();
      assert.equal(g.relay.connections(), 0, 'no connection reached the token server');
      assert.equal(res.status, 502, res.text);
      assert.match(res.text, /could not get an Entra token for https:\/\/cognitiveservices\.azure\.com\/\.default: its authority could not be reached \(EGRESS_REFUSED\)/);
      assert.doesNotMatch(res.text, /127\.0\.0\.1|::1|localhost/, 'the address is not told to the caller');
      const warned = lines.filter((l) => l['level'] === 40 && /Refused to connect: 'localhost' resolves to (127\.0\.0\.1|::1), a loopback address/.test(String(l['msg'])));
      assert.equal(warned.length, 1, `the operator's log names the host and the address: ${JSON.stringify(lines.map((l) => l['msg']))}`);
    } finally {
      setLogger(previous);
      await g.close();
    }
  });

  test('once the policy lists the loopback range, the same authority issues the token the member is called with', async () => {
    const g = await gatewayWith({ allow: ['localhost', '127.0.0.0/8', '::1'], allowHttp: true });
    try {
      assert.equal((await g.put(mock.url)).status, 201);
      const res = await g.call();
      assert.equal(res.status, 200, res.text);
      assert.match(String(mock.last.headers['authorization']), /^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT from the development IdP');
      assert.ok(g.relay.connections() >= 1, 'the token server was reached through the relay');
    } finally {
      await g.close();
    }
  });
});

describe("@azure/identity's pipeline on the policy's HTTP client", () => {
  test("a cross-origin redirect is the pipeline's answer, not followed; an address outside the policy is refused before any byte", async () => {
    mock.respond((_e, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/metadata/identity/oauth2/token' });
      res.end();
    });
    try {
      const client = new PolicyHttpClient(new UpstreamPolicy(['localhost', '127.0.0.0/8'], true), createHttpHeaders);
      const pipeline = createPipelineFromOptions({});
      const port = new URL(mock.url).port;
      const redirected = await pipeline.sendRequest(client, createPipelineRequest({ url: `http://localhost:${port}/common/v2.0/.well-known/openid-configuration`, allowInsecureConnection: true }));
      assert.equal(redirected.status, 302, "core-rest-pipeline's redirectPolicy follows same-origin redirects only");
      assert.equal(client.refused, undefined);
      const err = await pipeline.sendRequest(client, createPipelineRequest({ url: 'http://169.254.169.254/metadata/identity/oauth2/token', allowInsecureConnection: true })).catch((e: unknown) => e);
      assert.ok(err instanceof UpstreamRefused, String(err));
      assert.match(err.message, /the address 169\.254\.169\.254 is not in the gateway's upstream policy/);
      assert.equal(client.refused, err, 'kept for the credential, which MSAL would otherwise report as a network error');
    } finally {
      mock.respond(undefined);
    }
  });

  test("an answer comes back as the pipeline reads it; a body of a kind @azure/identity does not send is refused plainly", async () => {
    const client = new PolicyHttpClient(new UpstreamPolicy(['127.0.0.1'], true), createHttpHeaders);
    const request = createPipelineRequest({ url: `${mock.url}/v1/messages`, method: 'POST', body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }), headers: createHttpHeaders({ 'content-type': 'application/json' }), allowInsecureConnection: true });
    const res = await client.sendRequest(request);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal((JSON.parse(res.bodyAsText!) as { type: string }).type, 'message');
    const streamed = createPipelineRequest({ url: mock.url, method: 'POST', body: new Blob(['x']), allowInsecureConnection: true });
    await assert.rejects(client.sendRequest(streamed), /has a body of a kind the gateway's HTTP client does not send \(\[object Blob\]\)/);
  });
});
