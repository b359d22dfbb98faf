// X.509 certificates with @peculiar/x509 (node:crypto can sign and parse certificates but not build them): the local
// CA and server certificate of the HTTPS listener, and the self-signed certificates Entra publishes beside each signing
// key (`x5c`). Keys stay node:crypto KeyObjects; they are handed to the library as WebCrypto keys.
// The library's dependency injection (tsyringe) needs the Reflect metadata API, which Node lacks: this small
// polyfill (the one the library's own tests use) must load before it.
import '@abraham/reflection';
import { type KeyObject, webcrypto } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, id_ce_nameConstraints, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

export interface CertificateSpec {
  /** Common name of the subject. */
  subject: string;
  publicKey: KeyObject;
  /** The issuer's common name and private key; absent for a self-signed certificate (then `selfKey` signs). */
  issuer?: { subject: string; privateKey: KeyObject; publicKey: KeyObject };
  /** Signs a self-signed certificate. */
  selfKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA, which may sign only for these names (RFC 5280 name constraints): DNS names and their subdomains, IP ranges in CIDR. */
  ca?: { permittedDnsNames: readonly string[]; permittedIpRanges: readonly string[] };
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

type Usage = 'sign' | 'verify';
function cryptoKey(key: KeyObject, usage: Usage): Promise<webcrypto.CryptoKey> | webcrypto.CryptoKey {
  const algorithm = key.asymmetricKeyType === 'ec' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return key.toCryptoKey(algorithm, true, [usage]);
}

/**
 * An IP literal as a certificate names it: without an IPv6 zone (`fe80::1%eth0` names `fe80::1`; a zone is local to
 * one host and has no place in a certificate), and an IPv4-mapped address (`::ffff:127.0.0.1`) in hexadecimal groups,
 * its 16 bytes, which is what a client connecting to that literal compares.
 */
export function certificateIp(ip: string): string {
  const bare = ip.split('%')[0]!;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) throw new Error(`Not an IP address: ${ip}`);
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (!dotted) return bare.toLowerCase();
  const [a, b, c, d] = dotted[2]!.split('.').map(Number) as [number, number, number, number];
  return `${dotted[1]!.toLowerCase()}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** A name as the library reads it back from a certificate (`dns:…`, `ip:…` in one canonical spelling), for comparisons. */
export function canonicalName(type: 'dns' | 'ip', value: string): string {
  if (type === 'dns') return `dns:${value.toLowerCase()}`;
  const raw = new x509.GeneralName('ip', value.includes('/') ? value : certificateIp(value)).rawData;
  return `ip:${new x509.GeneralName(raw).value}`;
}

function nameConstraints(ca: NonNullable<CertificateSpec['ca']>): x509.Extension {
  const subtrees = [
    ...ca.permittedDnsNames.map((d) => new x509.GeneralName('dns', d)),
    ...ca.permittedIpRanges.map((r) => new x509.GeneralName('ip', r)),
  ].map((g) => new GeneralSubtree({ base: AsnConvert.parse(g.rawData, GeneralName) }));
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** The names a CA's name constraints permit, canonical (`dns:…`, `ip:…/n`); empty when it has none. */
export function permittedNames(der: Buffer): string[] {
  const extension = new x509.X509Certificate(der).getExtension(id_ce_nameConstraints);
  if (!extension) return [];
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  return (parsed.permittedSubtrees ?? []).map((s) => {
    const name = new x509.GeneralName(AsnConvert.serialize(s.base));
    return `${name.type}:${name.value}`;
  });
}

/** The subject alternative names of a certificate, canonical (`dns:…`, `ip:…`). */
export function alternativeNames(der: Buffer): string[] {
  const extension = new x509.X509Certificate(der).getExtension(x509.SubjectAlternativeNameExtension);
  return (extension?.names.items ?? []).map((n) => `${n.type}:${n.type === 'dns' ? n.value.toLowerCase() : n.value}`);
}

/** A DER certificate, signed with ECDSA or RSA SHA-256 according to the signer's key type. */
export async function createCertificate(spec: CertificateSpec): Promise<Buffer> {
  const signer = spec.issuer?.privateKey ?? spec.selfKey;
  if (!signer) throw new Error('A certificate needs an issuer or a self-signing key.');
  const publicKey = await cryptoKey(spec.publicKey, 'verify');
  const authorityKey = spec.issuer ? await cryptoKey(spec.issuer.publicKey, 'verify') : publicKey;
  const leafUsage = spec.publicKey.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(spec.ca !== undefined, spec.ca ? 0 : undefined, true),
    new x509.KeyUsagesExtension(spec.ca ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : leafUsage, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(authorityKey),
  ];
  if (spec.ca) extensions.push(nameConstraints(spec.ca));
  const names = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((ip) => ({ type: 'ip' as const, value: certificateIp(ip) })),
  ];
  if (names.length > 0) {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  // 16 random bytes, positive and non-zero, as RFC 5280 asks of a serial number.
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: `CN=${spec.subject}`,
    issuer: `CN=${spec.issuer?.subject ?? spec.subject}`,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey,
    signingKey: await cryptoKey(signer, 'sign'),
    signingAlgorithm: signer.asymmetricKeyType === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    extensions,
  });
  return Buffer.from(certificate.rawData);
}
