// Where the gateway may connect for an endpoint that arrived over ARM (a pool member's `endpoint`, an Entra
// `authorityHost`): the config's `upstreams.allow` (host names, `*.` wildcards of one label, IP addresses and CIDR
// ranges) and `upstreams.allowHttp`. Checked by name when ARM accepts the endpoint, and again by every connection
// opened for it (`checkedConnector`), on the addresses the name resolves to, so a name that later resolves to
// 127.0.0.1 or 169.254.169.254 is refused: the member's own connections (undici Pools) and the Entra token requests
// @azure/identity makes for the member (its HttpClient, backends/foundry/http-client.ts) go through the same
// connector (docs/security.md#where-the-gateway-connects). Endpoints in the config file are the operator's and not checked.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';
import { logger } from '../../log/index.ts';

/** Anthropic's API, Foundry's three host forms, and Entra's authority hosts (public, US Government, China). */
export const DEFAULT_UPSTREAM_ALLOW: readonly string[] = [
  'api.anthropic.com',
  '*.services.ai.azure.com',
  '*.openai.azure.com',
  '*.cognitiveservices.azure.com',
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
];

const HOST_PATTERN = /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/;
/** A refused connection is logged at most this often per connector: a caller cannot flood the log by retrying. */
const REFUSAL_LOG_EVERY_MS = 10_000;
const HOW_TO_CHANGE = 'the gateway\'s operator can add it to "upstreams": {"allow": [...]} in the config file and restart';

/** A connection the policy refused: `code` is what the caller sees, the message (host and address) is for the operator's log. */
export class UpstreamRefused extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamRefused';
  }
}

/** An IPv4-mapped IPv6 address (`::ffff:7f00:1`) is judged as the IPv4 address it carries. */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}

export class UpstreamPolicy {
  /** The entries as written, for messages. */
  readonly allow: readonly string[];
  readonly allowHttp: boolean;
  readonly #names = new Set<string>();
  /** Suffixes of `*.suffix` entries, with their leading dot. */
  readonly #wildcards: string[] = [];
  #anyName = false;
  readonly #ranges = new BlockList();

  /** Throws an Error naming the first entry that is neither a host name pattern nor an IP address or CIDR range. */
  constructor(allow: readonly string[] = DEFAULT_UPSTREAM_ALLOW, allowHttp = false) {
    this.allow = allow;
    this.allowHttp = allowHttp;
    for (const entry of allow) {
      const text = entry.trim().toLowerCase();
      const slash = text.indexOf('/');
      const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
      if (address) {
        const max = address.kind() === 'ipv4' ? 32 : 128;
        const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
        const prefix = Number(prefixText);
        if (!/^\d{1,3}$/.test(prefixText) || prefix > max) throw new Error(`"${entry.slice(0, 80)}" has a prefix length outside 0-${max}.`);
        this.#ranges.addSubnet(address.toString(), prefix, address.kind());
      } else if (text === '*') this.#anyName = true;
      else if (HOST_PATTERN.test(text)) {
        if (text.startsWith('*.')) this.#wildcards.push(text.slice(1));
        else this.#names.add(text);
      } else {
        throw new Error(`"${entry.slice(0, 80)}" is neither a host name (api.anthropic.com, *.services.ai.azure.com, * for any name) nor an IP address or CIDR range (127.0.0.1, 10.0.0.0/8, ::1).`);
      }
    }
  }

  /**
   * Why `url` may not be an upstream endpoint, in a sentence that names the policy and how to change it;
   * undefined when it may. `url` is a parsed URL, so `https://2130706433/` has become `https://127.0.0.1/`.
   */
  endpointRefusal(url: URL): string | undefined {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `use an https URL, not ${url.protocol}`;
    const host = url.hostname;
    if (url.protocol === 'http:' && !this.allowHttp) {
      return 'plain http would send the upstream\'s key unencrypted; use https (for a local mock upstream, the gateway\'s operator can set "upstreams": {"allowHttp": true} in the config file and restart)';
    }
    return this.hostRefusal(host);
  }

  /** Why the host (a name or an IP literal, bracketed or not) is not allowed, or undefined. */
  hostRefusal(host: string): string | undefined {
    const address = parseAddress(host);
    if (address) {
      if (this.#inRanges(address)) return undefined;
      return `the address ${address.toString()} is not in the gateway's upstream policy (upstreams.allow: ${this.allow.join(', ') || 'empty'}); ${HOW_TO_CHANGE}`;
    }
    const name = host.toLowerCase().replace(/\.$/, '');
    if (this.#anyName || this.#names.has(name)) return undefined;
    const dot = name.indexOf('.');
    if (dot > 0 && this.#wildcards.includes(name.slice(dot))) return undefined;
    return `the host '${name.slice(0, 253)}' is not in the gateway's upstream policy (upstreams.allow: ${this.allow.join(', ') || 'empty'}); ${HOW_TO_CHANGE}`;
  }

  /**
   * Why a connection to `address`, which `host` resolved to, is refused: an address that is not public (loopback,
   * private, link-local, unique-local, carrier-grade NAT, reserved…) only when an IP or CIDR entry lists it.
   */
  addressRefusal(host: string, text: string): string | undefined {
    const address = parseAddress(text);
    if (!address) return `'${host}' resolved to '${text}', which is not an IP address`;
    if (this.#inRanges(address)) return undefined;
    const range = address.range();
    if (range === 'unicast') return undefined;
    return `'${host}' resolves to ${address.toString()}, a ${range} address, which the gateway's upstream policy does not list (upstreams.allow: ${this.allow.join(', ') || 'empty'}); list the address or its range there to allow it`;
  }

  #inRanges(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.#ranges.check(address.toString(), address.kind());
  }

  /**
   * Checks a connection about to be opened: the scheme and the host against the policy (an IP literal then has
   * no lookup), and, through `lookup`, every address the name resolves to. Passed to undici's connector.
   */
  connectRefusal(protocol: string, hostname: string): UpstreamRefused | undefined {
    if (protocol === 'http:' && !this.allowHttp) return new UpstreamRefused(`Refused to connect to http://${hostname}: the gateway's upstream policy requires https (upstreams.allowHttp).`);
    const refusal = this.hostRefusal(hostname);
    // An IP literal is refused by hostRefusal unless the policy lists it, and then addressRefusal would allow it too.
    return refusal ? new UpstreamRefused(`Refused to connect: ${refusal}.`) : undefined;
  }

  /** A `lookup` for net.connect and tls.connect that fails when any resolved address is refused (DNS rebinding included). */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...(options as LookupAllOptions), all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      for (const { address } of addresses) {
        const reason = this.addressRefusal(hostname, address);
        if (reason) return callback(new UpstreamRefused(`Refused to connect: ${reason}.`), '', 0);
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * An undici connector (`buildConnector` with `options`) that asks `policy` first: an IP literal is judged here, a
 * name by the policy's lookup, on every address it resolves to. The one way a connection to an endpoint set over
 * ARM is opened. The caller gets UpstreamRefused (EGRESS_REFUSED) without the address; the operator's log says
 * what was refused, every 10 s at most.
 */
export function checkedConnector(policy: UpstreamPolicy, options: buildConnector.BuildOptions): buildConnector.connector {
  const connector = buildConnector({ ...options, lookup: policy.lookup });
  let lastLogged = 0;
  const refused = (err: UpstreamRefused) => {
    const now = Date.now();
    if (now - lastLogged < REFUSAL_LOG_EVERY_MS) return;
    lastLogged = now;
    logger().warn(err.message);
  };
  return (connectOptions, callback) => {
    const refusal = policy.connectRefusal(connectOptions.protocol, connectOptions.hostname);
    if (refusal) {
      refused(refusal);
      callback(refusal, null);
      return;
    }
    connector(connectOptions, (err, socket) => {
      if (err instanceof UpstreamRefused) refused(err);
      // undici's callback type is a union of (error, null) and (null, socket).
      (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
  };
}
