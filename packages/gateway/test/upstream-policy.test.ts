// Where the gateway may connect for an endpoint set over ARM (docs/security.md#where-the-gateway-connects): ARM refuses a
// pool member's endpoint or Entra authority outside `upstreams.allow` with a 400 naming the field and the policy (every
// trick for reaching an internal address included), and a connection is checked again when it opens, on the addresses
// the name resolves to, so a name the policy allows that resolves to a loopback address is refused (as DNS rebinding
// would). Upstreams in the config file are the operator's and are not checked. The upstream client follows no redirect.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UpstreamPolicy } from '../src/backends/upstream/policy.ts';
import { loadConfig } from '../src/config/index.ts';
import { ACCOUNT, accountPath, adminToken, armWith, callResource, errorOf, keysOf } from './control-helpers.ts';
import { MockUpstream } from './fixtures/mock-upstream.ts';
import { startTestGateway } from './helpers.ts';

const KEY = 'sk-ant-api03-upstream-policy-secret-00000';
const member = (endpoint: string | undefined, extra: Record<string, unknown> = {}) => ({
  name: 'm',
  kind: 'foundry',
  ...(endpoint === undefined ? {} : { endpoint }),
  credentials: { type: 'key', key: KEY },
  timeouts: { connectMs: 1000, firstByteMs: 5000 },
  ...extra,
});
const poolBody = (members: unknown[]) => ({
  sku: { name: 'GlobalStandard', capacity: 10 },
  properties: { model: { format: 'Anthropic', name: 'claude-sonnet-4-6' }, claudeFoundry: { pool: { members } } },
});

/** A gateway with an account `policy-test`: ARM as its admin, and the account's key. */
async function gatewayWith(overrides: Record<string, unknown>) {
  const gw = await startTestGateway(overrides);
  const arm = armWith(gw, await adminToken(gw));
  const created = await arm('PUT', accountPath('policy-test'), ACCOUNT);
  assert.ok(created.status === 201 || created.status === 200, created.text);
  const { key1 } = await keysOf(arm, accountPath('policy-test'));
  const put = (name: string, members: unknown[]) => arm('PUT', `${accountPath('policy-test')}/deployments/${name}`, poolBody(members));
  return { gw, arm, key: key1, put, call: (name: string) => callResource(gw, 'policy-test', key1, name) };
}

let mock: MockUpstream;
let other: MockUpstream;
before(async () => {
  [mock, other] = await Promise.all([MockUpstream.start(), MockUpstream.start()]);
});
after(async () => {
  await Promise.all([mock.close(), other.close()]);
});

describe('over ARM, with the default policy', () => {
  let g: Awaited<ReturnType<typeof gatewayWith>>;
  before(async () => {
    g = await gatewayWith({});
  });
  after(async () => {
    await g.gw.close();
  });

  test("Anthropic's and Foundry's public hosts are accepted; nothing is called to accept them", async () => {
    const accepted = [
      member('https://claude-east.services.ai.azure.com/anthropic'),
      member('https://claude-west.openai.azure.com/anthropic', { name: 'w' }),
      member('https://CLAUDE-NORTH.cognitiveservices.azure.com/anthropic', { name: 'n' }),
      member('https://api.anthropic.com', { name: 'a', kind: 'anthropic' }),
      member(undefined, { name: 'd', kind: 'anthropic' }),
      member('https://claude-south.services.ai.azure.com/anthropic', {
        name: 's',
        credentials: { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 'secret-value-0001', authorityHost: 'https://login.microsoftonline.us' },
      }),
    ];
    const res = await g.put('public', accepted);
    assert.equal(res.status, 201, res.text);
  });

  test('an internal address, however it is spelt, is a 400 naming the field, the policy and how to change it; nothing is created', async () => {
    const field = 'properties.claudeFoundry.pool.members[0].endpoint';
    const refused: Array<[string, RegExp]> = [
      [mock.url, /plain http would send the upstream's key unencrypted.*"upstreams": \{"allowHttp": true\}/],
      ['http://api.anthropic.com', /plain http/],
      ['https://127.0.0.1:8443/anthropic', /the address 127\.0\.0\.1 is not in the gateway's upstream policy \(upstreams\.allow: api\.anthropic\.com, \*\.services\.ai\.azure\.com/],
      ['https://[::1]/anthropic', /the address ::1 is not in/],
      ['https://[::ffff:127.0.0.1]/anthropic', /the address 127\.0\.0\.1 is not in/],
      ['https://[::ffff:a9fe:a9fe]/', /the address 169\.254\.169\.254 is not in/],
      ['https://2130706433/anthropic', /the address 127\.0\.0\.1 is not in/],
      ['https://0x7f.1/', /the address 127\.0\.0\.1 is not in/],
      ['https://169.254.169.254/metadata', /the address 169\.254\.169\.254 is not in/],
      ['https://10.0.0.5/', /the address 10\.0\.0\.5 is not in/],
      ['https://8.8.8.8/', /the address 8\.8\.8\.8 is not in/],
      ['https://internal.example.com/anthropic', /the host 'internal\.example\.com' is not in the gateway's upstream policy/],
      ['https://services.ai.azure.com.example.com/', /the host 'services\.ai\.azure\.com\.example\.com' is not in/],
      ['https://a.b.services.ai.azure.com/', /the host 'a\.b\.services\.ai\.azure\.com' is not in/],
      ['https://services.ai.azure.com/', /the host 'services\.ai\.azure\.com' is not in/],
      ['https://api.anthropic.com@127.0.0.1/', /no query, fragment or credentials/],
      ['ftp://api.anthropic.com/', /use an https URL, not ftp:/],
    ];
    for (const [endpoint, message] of refused) {
      const res = await g.put('refused', [member(endpoint)]);
      assert.equal(res.status, 400, `${endpoint}: ${res.text}`);
      const error = errorOf(res);
      assert.equal(error.code, 'InvalidRequestContent', endpoint);
      assert.ok(error.message.startsWith(`The property '${field}' is not valid: `), error.message);
      assert.match(error.message, message, endpoint);
      if (!/@|ftp:/.test(endpoint)) assert.match(error.message, /in the config file and restart/, `${endpoint}: says where the policy is changed`);
    }
    const authority = await g.put('refused', [member('https://x.services.ai.azure.com/anthropic', { credentials: { type: 'entra', tenantId: 't', clientId: 'c', clientSecret: 's', authorityHost: 'https://169.254.169.254' } })]);
    assert.equal(authority.status, 400);
    assert.match(errorOf(authority).message, /members\[0\]\.credentials\.authorityHost' is not valid: the address 169\.254\.169\.254 is not in/);
    assert.equal((await g.arm('GET', `${accountPath('policy-test')}/deployments/refused`)).status, 404, 'nothing was created');
  });
});

describe('when a connection opens', () => {
  test('a name the policy allows that resolves to a loopback address it does not list is refused (502), and the upstream sees nothing', async () => {
    const g = await gatewayWith({ upstreams: { allow: ['localhost'], allowHttp: true } });
    try {
      const port = new URL(mock.url).port;
      assert.equal((await g.put('rebound', [member(`http://localhost:${port}`)])).status, 201, 'the name is allowed');
      const before = mock.exchanges.length;
      const res = await g.call('rebound');
      assert.equal(res.status, 502, res.text);
      assert.match(res.text, /could not be reached \(EGRESS_REFUSED\)/);
      assert.doesNotMatch(res.text, /127\.0\.0\.1|localhost/, 'the address is not told to the caller');
      assert.equal(mock.exchanges.length, before, 'no request reached the upstream');
    } finally {
      await g.gw.close();
    }
  });

  test('the same name connects once the policy lists its address too', async () => {
    const g = await gatewayWith({ upstreams: { allow: ['localhost', '127.0.0.0/8'], allowHttp: true } });
    try {
      const port = new URL(mock.url).port;
      assert.equal((await g.put('allowed', [member(`http://localhost:${port}`)])).status, 201);
      const res = await g.call('allowed');
      assert.equal(res.status, 200, res.text);
      assert.equal(mock.last.headers['api-key'] ?? mock.last.headers['x-api-key'], KEY);
    } finally {
      await g.gw.close();
    }
  });

  test('a pool stored under a looser policy is refused after a restart with a stricter one; the config file\'s own upstreams are not checked', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cf-policy-'));
    const resources = [{ name: 'claude-local', deployments: [{ name: 'from-config', model: 'claude-sonnet-4-6', capacity: 100, backend: 'anthropic', upstream: { baseUrl: mock.url, apiKey: KEY } }] }];
    try {
      const loose = await gatewayWith({ dataDir, resources, upstreams: { allow: ['127.0.0.1'], allowHttp: true } });
      try {
        const stored = await loose.put('stored', [member(mock.url)]);
        assert.equal(stored.status, 201, stored.text);
        assert.equal((await loose.call('stored')).status, 200);
      } finally {
        await loose.gw.close();
      }

      const strict = await gatewayWith({ dataDir, resources });
      try {
        const before = mock.exchanges.length;
        const res = await strict.call('stored');
        assert.equal(res.status, 502, res.text);
        assert.match(res.text, /EGRESS_REFUSED/);
        assert.equal(mock.exchanges.length, before);
        const local = (await keysOf(strict.arm, accountPath('claude-local'))).key1;
        const trusted = await callResource(strict.gw, 'claude-local', local, 'from-config');
        assert.equal(trusted.status, 200, `the operator's upstream over http on loopback: ${trusted.text}`);
      } finally {
        await strict.gw.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('redirects', () => {
  let g: Awaited<ReturnType<typeof gatewayWith>>;
  before(async () => {
    g = await gatewayWith({ upstreams: { allow: ['127.0.0.1'], allowHttp: true } });
  });
  after(async () => {
    await g.gw.close();
  });

  test("an upstream's redirect is not followed: its target gets no request and no key; the caller sees the upstream's status", async () => {
    mock.respond((_e, res) => {
      res.writeHead(307, { location: `${other.url}/v1/messages`, 'content-type': 'text/plain' });
      res.end('moved');
    });
    try {
      assert.equal((await g.put('redirecting', [member(mock.url)])).status, 201);
      const res = await g.call('redirecting');
      assert.equal(res.status, 307, res.text);
      assert.equal(res.headers['location'], undefined, "the upstream's location is not passed on");
      assert.equal(other.exchanges.length, 0, 'the redirect target saw nothing');
    } finally {
      mock.respond(undefined);
    }
  });
});

describe('the policy itself', () => {
  const policy = new UpstreamPolicy(['api.anthropic.com', '*.services.ai.azure.com', '10.1.0.0/16', 'fd00:1::/32']);
  const refusal = (url: string) => policy.endpointRefusal(new URL(url));

  test('names: exact (case and a final dot aside), or one label under a wildcard', () => {
    assert.equal(refusal('https://API.Anthropic.com./v1'), undefined);
    assert.equal(refusal('https://east.services.ai.azure.com'), undefined);
    assert.match(refusal('https://anthropic.com')!, /not in/);
    assert.match(refusal('https://x.api.anthropic.com')!, /not in/);
    assert.match(refusal('https://xservices.ai.azure.com')!, /not in/);
    assert.equal(new UpstreamPolicy(['*']).endpointRefusal(new URL('https://anything.example')), undefined, '* is any name');
    assert.match(new UpstreamPolicy(['*']).endpointRefusal(new URL('https://127.0.0.1'))!, /not in/, '* is no address');
  });

  test('addresses: literals only within a listed range; resolved ones when public or listed', () => {
    assert.equal(refusal('https://10.1.2.3'), undefined);
    assert.equal(refusal('https://[::ffff:10.1.2.3]'), undefined, 'IPv4-mapped, judged as IPv4');
    assert.equal(refusal('https://[fd00:1::5]'), undefined);
    assert.match(refusal('https://10.2.0.1')!, /10\.2\.0\.1 is not in/);
    assert.equal(policy.addressRefusal('h', '8.8.8.8'), undefined);
    assert.equal(policy.addressRefusal('h', '2606:4700::1111'), undefined);
    assert.equal(policy.addressRefusal('h', '10.1.0.9'), undefined);
    for (const [address, range] of [
      ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['169.254.169.254', 'linkLocal'], ['fe80::1', 'linkLocal'],
      ['10.2.0.1', 'private'], ['172.16.0.1', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'carrierGradeNat'], ['fc00::1', 'uniqueLocal'],
      ['0.0.0.0', 'unspecified'], ['::', 'unspecified'], ['224.0.0.1', 'multicast'],
    ] as const) {
      assert.match(policy.addressRefusal('h', address)!, new RegExp(`resolves to .*, a ${range} address`), address);
    }
    assert.match(policy.addressRefusal('h', '2002:7f00:1::')!, /a 6to4 address/, 'an IPv4 address tunnelled in IPv6 is not public either');
  });

  test('a bad entry or shape stops the start, saying what is wrong', () => {
    const load = (upstreams: unknown) => () => loadConfig({ env: {}, overrides: { upstreams } });
    assert.throws(load({ allow: ['not a host!'] }), /upstreams\.allow: "not a host!" is neither a host name .* nor an IP address or CIDR range/);
    assert.throws(load({ allow: ['10.0.0.0/33'] }), /upstreams\.allow: "10\.0\.0\.0\/33" has a prefix length outside 0-32/);
    assert.throws(load({ allow: 'api.anthropic.com' }), /upstreams\.allow must be an array/);
    assert.throws(load({ allowHttp: 'yes' }), /allowHttp/);
    assert.throws(load({ deny: [] }), /deny/);
    assert.deepEqual(loadConfig({ env: {} }).upstreamPolicy.allow.slice(0, 2), ['api.anthropic.com', '*.services.ai.azure.com']);
  });
});
