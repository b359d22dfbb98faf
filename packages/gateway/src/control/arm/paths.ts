// The ARM paths this gateway serves for resource groups, Microsoft.CognitiveServices accounts and their deployments.
// Segment names compare without case, as ARM's do; names are decoded and kept as written.

export type ArmTarget =
  | { kind: 'groups'; subscriptionId: string }
  | { kind: 'group'; subscriptionId: string; group: string }
  | { kind: 'accounts'; subscriptionId: string; group: string | undefined }
  | { kind: 'account'; subscriptionId: string; group: string; account: string }
  | { kind: 'keys'; subscriptionId: string; group: string; account: string; action: 'listKeys' | 'regenerateKey' }
  | { kind: 'deployments'; subscriptionId: string; group: string; account: string }
  | { kind: 'deployment'; subscriptionId: string; group: string; account: string; deployment: string }
  | { kind: 'usages' | 'models'; subscriptionId: string; location: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // left as is, it fails the name rules with a clear message
  }
}

const is = (segment: string | undefined, word: string) => segment?.toLowerCase() === word.toLowerCase();

/** The target of `pathname`, or undefined when it is not one of these paths (role assignments, the data plane…). */
export function parseArmPath(pathname: string): ArmTarget | undefined {
  const s = pathname.replace(/\/+$/, '').split('/').slice(1).map(decode);
  if (!is(s[0], 'subscriptions') || s[1] === undefined) return undefined;
  const subscriptionId = s[1];
  const provider = (at: number) => is(s[at], 'providers') && is(s[at + 1], 'Microsoft.CognitiveServices') && is(s[at + 2], 'accounts');
  if (s.length === 5 && provider(2)) return { kind: 'accounts', subscriptionId, group: undefined };
  // `/providers/Microsoft.CognitiveServices/locations/{location}/usages | models`: the subscription's quotas.
  if (s.length === 7 && is(s[2], 'providers') && is(s[3], 'Microsoft.CognitiveServices') && is(s[4], 'locations') && (is(s[6], 'usages') || is(s[6], 'models'))) {
    return { kind: is(s[6], 'usages') ? 'usages' : 'models', subscriptionId, location: s[5]! };
  }
  if (!is(s[2], 'resourceGroups')) return undefined;
  if (s.length === 3) return { kind: 'groups', subscriptionId };
  const group = s[3]!;
  if (s.length === 4) return { kind: 'group', subscriptionId, group };
  if (!provider(4)) return undefined;
  if (s.length === 7) return { kind: 'accounts', subscriptionId, group };
  const account = s[7]!;
  if (s.length === 8) return { kind: 'account', subscriptionId, group, account };
  if (s.length === 9 && (is(s[8], 'listKeys') || is(s[8], 'regenerateKey'))) {
    return { kind: 'keys', subscriptionId, group, account, action: is(s[8], 'listKeys') ? 'listKeys' : 'regenerateKey' };
  }
  if (!is(s[8], 'deployments')) return undefined;
  if (s.length === 9) return { kind: 'deployments', subscriptionId, group, account };
  if (s.length === 10) return { kind: 'deployment', subscriptionId, group, account, deployment: s[9]! };
  return undefined;
}
