// X.509 certificates built with node:crypto and the DER encoder: the local CA and server certificate of the
// HTTPS listener, and the self-signed certificates Entra publishes beside each signing key (`x5c`).
import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { bitString, boolean, explicit, integer, octetString, oid, sequence, set, time, tlv, utf8String } from './der.ts';

export interface CertificateSpec {
  /** Common name of the subject. */
  subject: string;
  publicKey: KeyObject;
  /** The issuer's name and private key; absent for a self-signed certificate (then `selfKey` signs). */
  issuer?: { subject: string; privateKey: KeyObject; publicKey: KeyObject };
  /** Signs a self-signed certificate. */
  selfKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

const ECDSA_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const RSA_SHA256 = sequence(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

const name = (cn: string) => sequence(set(sequence(oid('2.5.4.3'), utf8String(cn))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
const keyId = (key: KeyObject) => createHash('sha1').update(key.export({ type: 'spki', format: 'der' })).digest();

/** 4 or 16 bytes of an IP literal, for an `iPAddress` subject alternative name. */
export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`Not an IP address: ${ip}`);
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(all.map((g) => g.padStart(4, '0')).join(''), 'hex');
}

/** A DER certificate, signed with ECDSA or RSA SHA-256 according to the signer's key type. */
export function createCertificate(spec: CertificateSpec): Buffer {
  const signer = spec.issuer?.privateKey ?? spec.selfKey;
  if (!signer) throw new Error('A certificate needs an issuer or a self-signing key.');
  const algorithm = signer.asymmetricKeyType === 'ec' ? ECDSA_SHA256 : RSA_SHA256;
  const issuerName = spec.issuer?.subject ?? spec.subject;
  const authorityKey = spec.issuer?.publicKey ?? spec.publicKey;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and non-zero

  const extensions = [
    extension('2.5.29.19', true, spec.ca ? sequence(boolean(true), integer(0)) : sequence()),
    // keyUsage: CA = digitalSignature, keyCertSign, cRLSign; leaf = digitalSignature (+ keyEncipherment for RSA)
    extension('2.5.29.15', true, spec.ca ? bitString(Buffer.from([0x86]), 1) : spec.publicKey.asymmetricKeyType === 'rsa' ? bitString(Buffer.from([0xa0]), 5) : bitString(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octetString(keyId(spec.publicKey))),
    extension('2.5.29.35', false, sequence(tlv(0x80, keyId(authorityKey)))),
  ];
  const names = [
    ...(spec.dnsNames ?? []).map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
    ...(spec.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  if (names.length > 0) {
    extensions.push(extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1')))); // serverAuth
    extensions.push(extension('2.5.29.17', false, sequence(...names)));
  }

  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    algorithm,
    name(issuerName),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, signer)));
}

export function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
