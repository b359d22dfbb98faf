// The HTTPS listener's certificates: a local CA kept in the data folder (trust it with NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem)
// and a server certificate it signs for localhost, the loopback addresses, the listen host and each resource's host
// names. The CA may sign only for those names (name constraints), so trusting it trusts nothing else; it lives a
// year and the server certificate 90 days, each re-issued at start (and twice a day while running) once within 30
// days of its end. The server certificate is re-issued when its names change — a resource created over ARM is
// covered at once, without a restart — and otherwise kept across restarts.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type Server as TlsServer } from 'node:tls';
import { certificateIp, createCertificate } from '../identity/x509.ts';
import type { Store } from '../store/types.ts';
import { dataDirTls, storeTls, type TlsStorage } from './tls-storage.ts';

export const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const CERT_FILE = 'tls-cert.pem';
const KEY_FILE = 'tls-key.pem';
/** The names the CA may sign for and the server certificate covers, as issued: a restart compares them without parsing the certificates. */
const NAMES_FILE = 'tls-names.json';
const CA_NAME = 'claude-foundry local CA';
const DAY = 86_400_000;
const CA_DAYS = 365;
const LEAF_DAYS = 90;
/** A certificate this close to its end is re-issued. */
const RENEW_DAYS = 30;
const CHECK_EVERY_MS = DAY / 2;
/** Loopback ranges, IPv4, IPv6 and IPv4-mapped, which the CA may always sign for. */
const LOOPBACK_RANGES = ['127.0.0.0/8', '::1/128', '::ffff:7f00:0/104'];

export interface TlsNames {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  /** What the CA may sign for: these DNS names and their subdomains, and these IP ranges. */
  permittedDnsNames: readonly string[];
  permittedIpRanges: readonly string[];
}

/** The names the server certificate must cover for these resources, extra domains and listen host. */
export function tlsNames(resources: readonly string[], domains: readonly string[], host: string): TlsNames {
  const dns = new Set(['localhost', '*.localhost']);
  const permittedDns = new Set(['localhost', ...domains.map((d) => d.toLowerCase())]);
  // Node and OpenSSL refuse a wildcard over a single label (*.localhost), so each resource is named too.
  for (const domain of new Set(['localhost', ...domains.map((d) => d.toLowerCase())])) {
    dns.add(`*.${domain}`);
    for (const r of resources) dns.add(`${r.toLowerCase()}.${domain}`);
  }
  const ips = new Set(['127.0.0.1', '::1']);
  const ranges = new Set(LOOPBACK_RANGES);
  const bare = host.split('%')[0]!;
  if (isIP(bare) && bare !== '0.0.0.0' && bare !== '::') {
    const ip = certificateIp(bare);
    ips.add(ip);
    ranges.add(`${ip}/${isIP(ip) === 4 ? 32 : 128}`);
  } else if (!isIP(bare) && host !== 'localhost') {
    dns.add(host.toLowerCase());
    permittedDns.add(host.toLowerCase());
  }
  return { dnsNames: [...dns], ipAddresses: [...ips], permittedDnsNames: [...permittedDns], permittedIpRanges: [...ranges] };
}

/** The setting a process renewing the CA on the SQLite store writes: its commit tells the processes on the same file. */
const CA_RENEWED_SETTING = 'tls.caFingerprint';

/**
 * Where the CA and the certificates are kept: the data folder, or PostgreSQL's shared store (tls-storage.ts). On the
 * SQLite store the files stay in the data folder its processes share, and a new CA is recorded in the store, so the
 * change version moves and every other process adopts the CA within the propagation bound (refresh), not at its next
 * twice-daily check.
 */
export function tlsStorage(dataDir: string, store?: Store): TlsStorage {
  if (store?.dialect === 'postgres') return storeTls(store, dataDir, [CA_FILE, CA_KEY_FILE, NAMES_FILE], [CA_FILE]);
  if (!store) return dataDirTls(dataDir);
  return dataDirTls(dataDir, async (file, text) => {
    if (file === CA_FILE) await store.settings.set(CA_RENEWED_SETTING, new X509Certificate(text).fingerprint256);
  });
}

/** Runs a renewal alone among the processes sharing the CA (the store's exclusive section), or directly. */
type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

const pemKey = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;
const covers = (issued: readonly string[], wanted: readonly string[]) => wanted.every((n) => issued.includes(n));
const leafNames = (names: TlsNames) => [...names.dnsNames.map((d) => `dns:${d.toLowerCase()}`), ...names.ipAddresses.map((ip) => `ip:${certificateIp(ip)}`)];
const caNames = (names: TlsNames) => [...names.permittedDnsNames.map((d) => `dns:${d.toLowerCase()}`), ...names.permittedIpRanges.map((r) => `ip:${r.toLowerCase()}`)];

interface IssuedNames {
  ca: string[];
  leaf: string[];
}

interface Ca {
  cert: X509Certificate;
  key: KeyObject;
}

/** The CA and the server certificate; `update` follows the resources, `attach` serves the current certificate. */
export class TlsCertificates {
  readonly caPath: string;
  readonly #files: TlsStorage;
  readonly #exclusive: Exclusive;
  readonly #clock: () => number;
  #names: TlsNames;
  /** The names of the latest update, issued or on their way. */
  #requested: TlsNames;
  #ca!: Ca;
  /** The names the CA in use was issued for (caNames' form). */
  #caNames: string[] = [];
  /** The names of the server certificate this process issued (shared storage keeps the leaf in memory, so its names too). */
  #leafNames: string[] | undefined;
  #key = '';
  #cert = '';
  #context: SecureContext | undefined;
  /** The latest re-issue; a handshake waits for it, so a name is served as soon as its change is answered. */
  #pending: Promise<void> = Promise.resolve();
  readonly #servers: Array<Pick<TlsServer, 'setSecureContext'>> = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(dataDir: string, names: TlsNames, clock: () => number, files: TlsStorage, exclusive: Exclusive) {
    this.#files = files;
    this.#exclusive = exclusive;
    this.caPath = join(dataDir, CA_FILE);
    this.#names = names;
    this.#requested = names;
    this.#clock = clock;
  }

  /**
   * `exclusive` runs each check-and-renew alone among the processes that share the CA (replicas on one store, workers
   * on one data folder): the first to find the CA near its end renews it, the others then find the new one and adopt it.
   */
  static async open(dataDir: string, names: TlsNames, clock: () => number = Date.now, files: TlsStorage = dataDirTls(dataDir), exclusive: Exclusive = (work) => work()): Promise<TlsCertificates> {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const certificates = new TlsCertificates(dataDir, names, clock, files, exclusive);
    await exclusive(() => certificates.#ensure());
    return certificates;
  }

  get key(): string {
    return this.#key;
  }
  get cert(): string {
    return this.#cert;
  }
  get caPem(): string {
    return this.#ca.cert.toString();
  }

  /** Options for `https.createServer`: the current certificate, and a callback that serves the newest one. */
  serverOptions(): { key: string; cert: string; SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void } {
    return {
      key: this.#key,
      cert: this.#cert,
      // A failed re-issue (logged by #renew) leaves the current certificate in use.
      SNICallback: (_servername, cb) => {
        this.#pending.catch(() => undefined).then(() => cb(null, this.#context));
      },
    };
  }

  /** Keeps `server`'s default certificate (used without SNI) current, and checks expiry twice a day. */
  attach(server: Pick<TlsServer, 'setSecureContext'>): void {
    this.#servers.push(server);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#renew(this.#requested), CHECK_EVERY_MS);
      this.#timer.unref();
    }
  }

  /** Re-issues the server certificate if `names` differ from what it covers; resolves once it is in use. */
  update(names: TlsNames): Promise<void> {
    if (sameSet(leafNames(names), leafNames(this.#requested)) && sameSet(caNames(names), caNames(this.#requested))) return this.#pending;
    this.#requested = names;
    return this.#renew(names);
  }

  /**
   * Adopts a CA another process renewed, and re-issues the server certificate from it; called on every change the
   * store reports. Only a CA that differs from the one in use costs the exclusive section. Resolves once in use.
   */
  async refresh(): Promise<void> {
    if (this.#closed) return this.#pending;
    let stored: string | undefined;
    try {
      const text = await this.#files.read(CA_FILE);
      stored = text === undefined ? undefined : new X509Certificate(text).fingerprint256;
    } catch {
      stored = undefined; // unreadable: the exclusive check below decides
    }
    if (stored === this.#ca.cert.fingerprint256) return this.#pending;
    return this.#renew(this.#requested, true);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /** `adopting`: another process's CA is taken if it covers these names (it may permit more: see #ensureCa). */
  #renew(names: TlsNames, adopting = false): Promise<void> {
    this.#pending = this.#pending
      .catch(() => undefined)
      .then(() =>
        this.#exclusive(async () => {
          this.#names = names;
          await this.#ensure(adopting);
        }),
      );
    this.#pending.catch((err: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'the HTTPS certificate could not be re-issued', detail: (err as Error).message })}\n`);
    });
    return this.#pending;
  }

  async #issued(): Promise<IssuedNames> {
    try {
      const parsed = JSON.parse((await this.#files.read(NAMES_FILE)) ?? '') as Partial<IssuedNames>;
      return { ca: Array.isArray(parsed.ca) ? parsed.ca : [], leaf: Array.isArray(parsed.leaf) ? parsed.leaf : [] };
    } catch {
      return { ca: [], leaf: [] }; // none (a first start, or certificates of an earlier version): issued afresh
    }
  }

  async #ensure(adopting = false): Promise<void> {
    const now = this.#clock();
    const issued = await this.#issued();
    const caChanged = await this.#ensureCa(now, issued, adopting);
    const wanted = leafNames(this.#names);
    let key = await this.#files.read(KEY_FILE);
    let cert = await this.#files.read(CERT_FILE);
    let leaf: X509Certificate | undefined;
    try {
      leaf = cert ? new X509Certificate(cert) : undefined;
    } catch {
      leaf = undefined;
    }
    const current =
      !caChanged &&
      key !== undefined &&
      leaf !== undefined &&
      leaf.checkIssued(this.#ca.cert) &&
      leaf.verify(this.#ca.cert.publicKey) &&
      Date.parse(leaf.validTo) > now + RENEW_DAYS * DAY &&
      sameSet(this.#files.shared ? (this.#leafNames ?? []) : issued.leaf, wanted);
    if (!current) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = await createCertificate({
        subject: 'localhost',
        publicKey: pair.publicKey,
        issuer: { subject: CA_NAME, privateKey: this.#ca.key, publicKey: this.#ca.cert.publicKey },
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + LEAF_DAYS * DAY),
        dnsNames: this.#names.dnsNames,
        ipAddresses: this.#names.ipAddresses,
      });
      key = pemKey(pair.privateKey);
      cert = new X509Certificate(der).toString();
      await this.#files.write(KEY_FILE, key);
      await this.#files.write(CERT_FILE, cert);
      this.#leafNames = wanted;
      // Shared, the names file is the CA's alone: each replica's server certificate (and so its names) stays in its memory.
      if (!this.#files.shared) await this.#files.write(NAMES_FILE, `${JSON.stringify({ ca: this.#caNames, leaf: wanted } satisfies IssuedNames)}\n`);
      else if (caChanged) await this.#files.write(NAMES_FILE, `${JSON.stringify({ ca: this.#caNames, leaf: [] } satisfies IssuedNames)}\n`);
    }
    if (current && this.#context) return;
    this.#key = key!;
    this.#cert = cert!;
    this.#context = createSecureContext({ key: this.#key, cert: this.#cert });
    for (const server of this.#servers) server.setSecureContext({ key: this.#key, cert: this.#cert });
  }

  /** True when the CA was (re-)issued: missing, not matching its key, near its end, or not permitted the names needed. */
  async #ensureCa(now: number, issued: IssuedNames, adopting: boolean): Promise<boolean> {
    const keyText = await this.#files.read(CA_KEY_FILE);
    const certText = await this.#files.read(CA_FILE);
    // Shared, the CA permits every replica's names (their hosts may differ): one that covers ours is kept. So is one
    // another process on the same data folder just renewed: were it narrowed back here, two processes with different
    // hosts would re-issue it in turn, each telling the other. Alone, at start and at the twice-daily check, the CA
    // permits exactly our names.
    const widen = this.#files.shared || adopting;
    try {
      if (keyText && certText) {
        const key = createPrivateKey(keyText);
        const cert = new X509Certificate(certText);
        const named = widen ? covers(issued.ca, caNames(this.#names)) : sameSet(issued.ca, caNames(this.#names));
        const usable = cert.verify(createPublicKey(key)) && Date.parse(cert.validTo) > now + RENEW_DAYS * DAY && named;
        if (usable) {
          const changed = this.#ca !== undefined && this.#ca.cert.fingerprint256 !== cert.fingerprint256;
          this.#ca = { cert, key };
          this.#caNames = issued.ca;
          return changed;
        }
      }
    } catch {
      // unreadable: a new CA below
    }
    // Shared, the new CA keeps permitting what the last one did (another replica's host), so no two replicas take turns.
    const wanted = widen ? [...new Set([...issued.ca, ...caNames(this.#names)])] : caNames(this.#names);
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = await createCertificate({
      subject: CA_NAME,
      publicKey: pair.publicKey,
      selfKey: pair.privateKey,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + CA_DAYS * DAY),
      ca: { permittedDnsNames: wanted.filter((n) => n.startsWith('dns:')).map((n) => n.slice(4)), permittedIpRanges: wanted.filter((n) => n.startsWith('ip:')).map((n) => n.slice(3)) },
    });
    this.#caNames = wanted;
    await this.#files.write(CA_KEY_FILE, pemKey(pair.privateKey));
    await this.#files.write(CA_FILE, new X509Certificate(der).toString());
    this.#ca = { cert: new X509Certificate(der), key: pair.privateKey };
    return true;
  }
}
