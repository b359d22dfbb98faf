// Which members of a pool a request tries, in order: priority groups lowest first (a higher group only
// after every available member of the lower ones), weighted inside a group. With an affinity key the
// order is weighted rendezvous hashing (each member scores ln(u)/weight, u a hash of key and member):
// the same key always ranks the members the same way, and when a member leaves only the keys it
// ranked first move. Without a key u is random: the same weights, no affinity.
import { createHash } from 'node:crypto';
import type { PoolMember } from './member.ts';

/** A 64-bit key as two 32-bit words. */
export type AffinityKey = readonly [number, number];

interface PromptParts {
  system?: unknown;
  tools?: unknown;
  messages?: unknown;
}

/**
 * The part of a request its conversation shares turn after turn, hashed: the tools and system prompt
 * (where Claude's cache prefix starts), and the first message when the request's only cache breakpoints
 * are in its messages (an incremental cache moves its last breakpoint every turn, so the prefix up to
 * the last breakpoint would differ on each turn, while the conversation's head stays). Undefined when
 * there is nothing to key on (no system, tools or breakpoint): the choice is then weighted at random.
 */
export function affinityKey(request: PromptParts, rawBody: Buffer): AffinityKey | undefined {
  const head = request.system === undefined && request.tools === undefined ? '' : JSON.stringify([request.tools ?? null, request.system ?? null]);
  const breakpoint = rawBody.includes('"cache_control"');
  let text = head;
  if (breakpoint && !head.includes('"cache_control"') && Array.isArray(request.messages) && request.messages.length > 0) {
    text += JSON.stringify(request.messages[0]);
  }
  if (text === '') return undefined;
  const digest = createHash('sha256').update(text).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)];
}

/** The members to try, best first; unavailable ones (resting, breaker open, probe under way) left out. */
export function tryOrder(members: readonly PoolMember[], now: number, key: AffinityKey | undefined, random: () => number = Math.random): PoolMember[] {
  return rank(members, key, random, (member) => member.available(now));
}

/** The member a key ranks first when every member is healthy: where its cache should be. */
export function homeOf(members: readonly PoolMember[], key: AffinityKey): PoolMember | undefined {
  return rank(members, key, Math.random, () => true)[0];
}

function rank(members: readonly PoolMember[], key: AffinityKey | undefined, random: () => number, include: (member: PoolMember) => boolean): PoolMember[] {
  const scored: Array<{ member: PoolMember; priority: number; score: number }> = [];
  for (const member of members) {
    if (!include(member)) continue;
    const u = key ? unit(key, member.seed) : random() || Number.MIN_VALUE;
    scored.push({ member, priority: member.settings.priority, score: Math.log(u) / member.settings.weight });
  }
  scored.sort((a, b) => a.priority - b.priority || b.score - a.score);
  return scored.map((s) => s.member);
}

/** A member's seed from its name (stable across restarts and list orders). */
export function seedOf(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32LE(0);
}

/** A uniform number in (0, 1) from the key and a member's seed (murmur3's finalizer, twice). */
function unit(key: AffinityKey, seed: number): number {
  const mixed = fmix32(fmix32(key[0] ^ seed) ^ key[1] ^ Math.imul(seed, 0x9e3779b1));
  return (mixed + 0.5) / 4294967296;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
