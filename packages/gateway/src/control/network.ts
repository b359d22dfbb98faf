// Network rules: `networkAcls.ipRules` (IPv4 or IPv6 addresses and CIDR ranges) compiled into a BlockList, and the
// client address a data-plane request is judged by: the socket's peer, or X-Forwarded-For from a trusted proxy.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { NetworkAclsRecord } from '../store/types.ts';
import type { NetworkAccess } from './types.ts';

export interface IpRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `203.0.113.7`, `203.0.113.0/24`, `2001:db8::1` or `2001:db8::/32`; undefined when it is none of these. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

export function compileRanges(texts: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of texts) {
    const range = parseIpRange(text);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return list;
}

export function networkAccess(publicNetworkAccess: 'Enabled' | 'Disabled', acls: NetworkAclsRecord | null): NetworkAccess {
  const access: NetworkAccess = { publicAccess: publicNetworkAccess === 'Enabled' };
  if (acls?.defaultAction === 'Deny') access.allowed = compileRanges(acls.ipRules);
  return access;
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is 127.0.0.1; any other address is itself. */
export function unmappedAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Whether a socket's peer address (IPv4-mapped or not) lies in `list`. */
export function peerInRanges(list: BlockList, address: string): boolean {
  return contains(list, unmappedAddress(address));
}

function contains(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

export function addressAllowed(access: NetworkAccess, address: string): boolean {
  return access.allowed === undefined || contains(access.allowed, address);
}

/**
 * The caller's address: the socket's peer; when the peer is a trusted proxy, the right-most X-Forwarded-For entry
 * that is not one (entries further left could have been written by anyone).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: BlockList | undefined): string {
  let address = unmappedAddress(req.socket.remoteAddress ?? '');
  if (!trustedProxies || !contains(trustedProxies, address)) return address;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => unmappedAddress(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    address = hop;
    if (!contains(trustedProxies, hop)) break;
  }
  return address;
}
