// X.509 certificates with @peculiar/x509 (node:crypto can sign and parse certificates but not build them): the local
// CA and server certificate of the HTTPS listener, and the self-signed certificates Entra publishes beside each signing
// key (`x5c`). Keys stay node:crypto KeyObjects; they are handed to the library as WebCrypto keys.
//
// The library is loaded only when a certificate is made: it and its ASN.1 packages cost ~11 MB of resident
// memory and 0.2-0.3 s, which a restart that keeps its certificates (the usual case) does not pay.
import { type KeyObject, webcrypto } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

async function library() {
  // Its dependency injection (tsyringe) needs the Reflect metadata API, which Node lacks: this small polyfill
  // (one the library's README names) must load first.
  await import('@abraham/reflection');
  const [x509, asn1, schema] = await Promise.all([import('@peculiar/x509'), import('@peculiar/asn1-x509'), import('@peculiar/asn1-schema')]);
  return { x509, asn1, schema };
}
type Library = Awaited<ReturnType<typeof library>>;

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

/** RFC 5280 name constraints (critical, as it asks), which @peculiar/x509 has no class for: built from its ASN.1 types. */
function nameConstraints({ x509, asn1, schema }: Library, ca: NonNullable<CertificateSpec['ca']>) {
  const subtrees = [
    ...ca.permittedDnsNames.map((d) => new x509.GeneralName('dns', d)),
    ...ca.permittedIpRanges.map((r) => new x509.GeneralName('ip', r)),
  ].map((g) => new asn1.GeneralSubtree({ base: schema.AsnConvert.parse(g.rawData, asn1.GeneralName) }));
  const value = schema.AsnConvert.serialize(new asn1.NameConstraints({ permittedSubtrees: new asn1.GeneralSubtrees(subtrees) }));
  return new x509.Extension(asn1.id_ce_nameConstraints, true, value);
}

/** A DER certificate, signed with ECDSA or RSA SHA-256 according to the signer's key type. */
export async function createCertificate(spec: CertificateSpec): Promise<Buffer> {
  const signer = spec.issuer?.privateKey ?? spec.selfKey;
  if (!signer) throw new Error('A certificate needs an issuer or a self-signing key.');
  const lib = await library();
  const { x509 } = lib;
  const publicKey = await cryptoKey(spec.publicKey, 'verify');
  const authorityKey = spec.issuer ? await cryptoKey(spec.issuer.publicKey, 'verify') : publicKey;
  const leafUsage = spec.publicKey.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
  const extensions: InstanceType<typeof x509.Extension>[] = [
    new x509.BasicConstraintsExtension(spec.ca !== undefined, spec.ca ? 0 : undefined, true),
    new x509.KeyUsagesExtension(spec.ca ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : leafUsage, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(authorityKey),
  ];
  if (spec.ca) extensions.push(nameConstraints(lib, spec.ca));
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
