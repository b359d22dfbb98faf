// The HTTPS listener's certificates: a local CA generated once into the data folder (trust it with
// NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem), and a server certificate it signs for localhost, 127.0.0.1, ::1, *.localhost
// and each resource's host name. The server certificate is re-issued when those names change or it nears expiry.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createCertificate, ipBytes, toPem } from '../identity/x509.ts';

export const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const CERT_FILE = 'tls-cert.pem';
const KEY_FILE = 'tls-key.pem';
const CA_NAME = 'claude-foundry local CA';
const DAY = 86_400_000;

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where the CA certificate is, for NODE_EXTRA_CA_CERTS. */
  caPath: string;
  caPem: string;
}

function write(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

function readOr<T>(path: string, parse: (text: string) => T): T | undefined {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // missing or unreadable: generated afresh
  }
}

function pemKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** How Node prints an IP in `subjectAltName` (IPv6 fully expanded, no leading zeros). */
function sanIp(ip: string): string {
  if (isIP(ip) === 4) return `IP Address:${ip}`;
  const bytes = ipBytes(ip);
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return `IP Address:${groups.join(':')}`;
}

export interface TlsNames {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

/** The names the server certificate must cover for these resources, extra domains and listen host. */
export function tlsNames(resources: readonly string[], domains: readonly string[], host: string): TlsNames {
  const dns = new Set(['localhost', '*.localhost']);
  // Node and OpenSSL refuse a wildcard over a single label (*.localhost), so each resource is named too.
  for (const domain of new Set(['localhost', ...domains])) {
    dns.add(`*.${domain}`);
    for (const r of resources) dns.add(`${r.toLowerCase()}.${domain}`);
  }
  const ips = new Set(['127.0.0.1', '::1']);
  if (isIP(host) && host !== '0.0.0.0' && host !== '::') ips.add(host);
  else if (!isIP(host) && host !== 'localhost') dns.add(host.toLowerCase());
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

export function ensureTlsMaterial(dataDir: string, names: TlsNames, clock: () => number = Date.now): TlsMaterial {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const now = clock();
  const caPath = join(dataDir, CA_FILE);
  let caKey = readOr(join(dataDir, CA_KEY_FILE), (t) => createPrivateKey(t));
  let ca = readOr(caPath, (t) => new X509Certificate(t));
  if (!caKey || !ca || !ca.verify(createPublicKey(caKey)) || Date.parse(ca.validTo) < now + 30 * DAY) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    caKey = pair.privateKey;
    const der = createCertificate({ subject: CA_NAME, publicKey: pair.publicKey, selfKey: caKey, notBefore: new Date(now - DAY), notAfter: new Date(now + 10 * 365 * DAY), ca: true });
    write(join(dataDir, CA_KEY_FILE), pemKey(caKey), 0o600);
    write(caPath, toPem(der), 0o600);
    ca = new X509Certificate(der);
  }

  const wanted = new Set([...names.dnsNames.map((d) => `DNS:${d}`), ...names.ipAddresses.map(sanIp)]);
  let key = readOr(join(dataDir, KEY_FILE), (t) => t);
  let cert = readOr(join(dataDir, CERT_FILE), (t) => t);
  const leaf = cert ? readOr(join(dataDir, CERT_FILE), (t) => new X509Certificate(t)) : undefined;
  const current =
    key !== undefined &&
    leaf !== undefined &&
    leaf.checkIssued(ca) &&
    leaf.verify(ca.publicKey) &&
    Date.parse(leaf.validTo) > now + 30 * DAY &&
    (leaf.subjectAltName ?? '').split(', ').length === wanted.size &&
    (leaf.subjectAltName ?? '').split(', ').every((n) => wanted.has(n));
  if (!current) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = createCertificate({
      subject: 'localhost',
      publicKey: pair.publicKey,
      issuer: { subject: CA_NAME, privateKey: caKey, publicKey: ca.publicKey },
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 397 * DAY), // the longest lifetime browsers accept for a server certificate
      dnsNames: names.dnsNames,
      ipAddresses: names.ipAddresses,
    });
    key = pemKey(pair.privateKey);
    cert = toPem(der);
    write(join(dataDir, KEY_FILE), key, 0o600);
    write(join(dataDir, CERT_FILE), cert, 0o600);
  }
  return { key: key!, cert: cert!, caPath, caPem: ca.toString() };
}
