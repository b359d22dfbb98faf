// The HTTPS listener's certificates (issue 13 item 12, issue 14 item 8): a CA with name constraints and a year's
// validity, a 90-day server certificate, correct SANs for IPv4-mapped and zoned IPv6 hosts, kept across restarts,
// rotated near their end, and a new resource's host name served without a restart.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startGateway } from '../src/index.ts';
import { CA_FILE, TlsCertificates, tlsNames } from '../src/http/tls.ts';
import { createCertificate } from '../src/identity/x509.ts';
import { ACCOUNT, accountPath, adminToken, armWith } from './control-helpers.ts';
import type { TestGateway } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'cf-tls-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);
const DAY = 86_400_000;

const openssl = (args: string[], input?: string) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe', ...(input === undefined ? {} : { input }) });
const text = (pem: string) => openssl(['x509', '-noout', '-text'], pem);
/** `openssl verify` with RFC 5280's strict checks; returns its output, or the reason it refused. */
function verify(caPem: string, leafPem: string, at?: number): string {
  const ca = join(root, `ca-${dirs}.pem`);
  writeFileSync(ca, caPem);
  try {
    return openssl(['verify', '-x509_strict', ...(at === undefined ? [] : ['-attime', String(Math.floor(at / 1000))]), '-CAfile', ca], leafPem);
  } catch (err) {
    return String((err as { stdout?: string }).stdout) + String((err as { stderr?: string }).stderr);
  }
}
const days = (cert: X509Certificate) => (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY;

async function startOn(dataDir: string, overrides: Record<string, unknown> = {}): Promise<TestGateway> {
  const gw = await startGateway({ env: {}, overrides: { port: 0, httpsPort: 0, host: '127.0.0.1', dataDir, ...overrides } });
  return Object.assign(gw, { dataDir });
}

/** An HTTPS GET of /healthz to 127.0.0.1 presenting `servername`, trusting only the gateway's CA. */
function healthz(gw: TestGateway, servername: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: gw.httpsPort, path: '/healthz', servername, ca: gw.identity.caPem, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

describe('the local CA and the server certificate', () => {
  test('the CA may sign only for local names, for a year; the server certificate lives 90 days and names every resource', async () => {
    const dir = freshDir();
    const certs = await TlsCertificates.open(dir, tlsNames(['claude-local', 'Second'], ['example.test'], '127.0.0.1'));
    const ca = new X509Certificate(certs.caPem);
    const leaf = new X509Certificate(certs.cert);
    assert.equal(Math.round(days(ca)), 366); // a day back for clock skew, a year ahead
    assert.equal(Math.round(days(leaf)), 91);
    assert.ok(ca.ca);
    const caText = text(certs.caPem);
    assert.match(caText, /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:example\.test\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s+IP:0:0:0:0:0:0:0:1\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF\s+IP:0:0:0:0:0:FFFF:7F00:0\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FF00:0/);
    assert.match(caText, /CA:TRUE, pathlen:0/);
    assert.equal(
      leaf.subjectAltName,
      'DNS:localhost, DNS:*.localhost, DNS:claude-local.localhost, DNS:second.localhost, DNS:*.example.test, DNS:claude-local.example.test, DNS:second.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    assert.match(verify(certs.caPem, certs.cert), /: OK/);
    assert.match(text(certs.cert), /TLS Web Server Authentication/);

    // Trusting this CA trusts nothing else: a certificate it signs for another name fails verification.
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { createPrivateKey } = await import('node:crypto');
    const caKey = createPrivateKey(readFileSync(join(dir, 'ca-key.pem'), 'utf8'));
    const rogue = await createCertificate({
      subject: 'bank', publicKey: pair.publicKey, issuer: { subject: 'claude-foundry local CA', privateKey: caKey, publicKey: ca.publicKey },
      notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + DAY), dnsNames: ['bank.example.com'], ipAddresses: ['10.0.0.1'],
    });
    assert.match(verify(certs.caPem, new X509Certificate(rogue).toString()), /permitted subtree violation/);
    certs.close();
  });

  test('an IPv4-mapped or zoned IPv6 listen address gets a valid IP entry (zone stripped), and OpenSSL accepts it', async () => {
    for (const [host, san] of [
      ['::ffff:127.0.0.1', 'IP Address:0:0:0:0:0:FFFF:7F00:1'],
      ['fe80::1%eth0', 'IP Address:FE80:0:0:0:0:0:0:1'],
    ] as const) {
      const certs = await TlsCertificates.open(freshDir(), tlsNames([], [], host));
      const leaf = new X509Certificate(certs.cert);
      assert.ok(leaf.subjectAltName?.toUpperCase().includes(san.toUpperCase()), `${host}: ${leaf.subjectAltName}`);
      assert.doesNotMatch(text(certs.cert), /invalid/i);
      assert.match(verify(certs.caPem, certs.cert), /: OK/);
      certs.close();
    }
  });

  test('kept across restarts; re-issued only when the names change or the end nears (the CA within 30 days of its year)', async () => {
    const dir = freshDir();
    let now = Date.now();
    const names = tlsNames(['one'], [], '127.0.0.1');
    const first = await TlsCertificates.open(dir, names, () => now);
    const again = await TlsCertificates.open(dir, names, () => now);
    assert.equal(again.cert, first.cert);
    assert.equal(again.caPem, first.caPem);

    await again.update(tlsNames(['one', 'two'], [], '127.0.0.1'));
    assert.notEqual(again.cert, first.cert, 'a new name: a new server certificate');
    assert.equal(again.caPem, first.caPem, 'from the same CA');
    assert.match(new X509Certificate(again.cert).subjectAltName ?? '', /DNS:two\.localhost/);
    const two = again.cert;
    await again.update(tlsNames(['ONE', 'two'], [], '127.0.0.1'));
    assert.equal(again.cert, two, 'the same names in another case: unchanged');

    now += 61 * DAY; // the server certificate has 29 days left
    const later = await TlsCertificates.open(dir, tlsNames(['one', 'two'], [], '127.0.0.1'), () => now);
    assert.notEqual(later.cert, two);
    assert.equal(later.caPem, first.caPem);
    now += 275 * DAY; // the CA has under 30 days left
    const renewed = await TlsCertificates.open(dir, tlsNames(['one', 'two'], [], '127.0.0.1'), () => now);
    assert.notEqual(renewed.caPem, first.caPem);
    assert.match(verify(renewed.caPem, renewed.cert, now), /: OK/);
    assert.equal(readFileSync(join(dir, CA_FILE), 'utf8'), renewed.caPem);
    for (const c of [first, again, later, renewed]) c.close();
  });
});

describe('the HTTPS listener', () => {
  test('a TLS client trusting the CA connects; a restart serves the same certificate', async () => {
    const dir = freshDir();
    let gw = await startOn(dir);
    const before = readFileSync(join(dir, 'tls-cert.pem'), 'utf8');
    try {
      assert.equal(await healthz(gw, 'localhost'), 200);
      assert.equal(await healthz(gw, 'claude-local.localhost'), 200);
    } finally {
      await gw.close();
    }
    gw = await startOn(dir);
    try {
      assert.equal(readFileSync(join(dir, 'tls-cert.pem'), 'utf8'), before);
      assert.equal(await healthz(gw, 'localhost'), 200);
    } finally {
      await gw.close();
    }
  });

  test('listening on an IPv4-mapped address, a client calling that literal verifies the certificate', async () => {
    const gw = await startOn(freshDir(), { host: '::ffff:127.0.0.1' });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        get({ host: '::ffff:127.0.0.1', port: gw.httpsPort, path: '/healthz', ca: gw.identity.caPem, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
      assert.equal(status, 200);
    } finally {
      await gw.close();
    }
  });

  test('a resource created over ARM is served at https://{name}.localhost at once, without a restart', async () => {
    const gw = await startOn(freshDir());
    try {
      await assert.rejects(healthz(gw, 'fresh-tls.localhost'), (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
      const arm = armWith(gw, await adminToken(gw));
      assert.equal((await arm('PUT', accountPath('fresh-tls'), { ...ACCOUNT, properties: { customSubDomainName: 'fresh-sub' } })).status, 201);
      assert.equal(await healthz(gw, 'fresh-tls.localhost'), 200);
      assert.equal(await healthz(gw, 'fresh-sub.localhost'), 200);
    } finally {
      await gw.close();
    }
  });
});
