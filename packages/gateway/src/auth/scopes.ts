// ARM scopes: where a role assignment applies. A Foundry resource's scope is its resource ID,
// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}`.

export type Scope =
  | { level: 'root' }
  | { level: 'subscription'; subscriptionId: string }
  | { level: 'resourceGroup'; subscriptionId: string; resourceGroup: string }
  | { level: 'account'; subscriptionId: string; resourceGroup: string; account: string };

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ARM's resource group rule: 1-90 letters, digits, `-_.()`, not ending in a period. */
export const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const ACCOUNT = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

export function accountScope(subscriptionId: string, resourceGroup: string, account: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${account}`;
}

/** A scope in its canonical spelling; subscription IDs lower-cased, names kept as given. */
export function formatScope(scope: Scope): string {
  switch (scope.level) {
    case 'root':
      return '/';
    case 'subscription':
      return `/subscriptions/${scope.subscriptionId}`;
    case 'resourceGroup':
      return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
    case 'account':
      return accountScope(scope.subscriptionId, scope.resourceGroup, scope.account);
  }
}

/** Parses the scope forms this gateway serves; segment names are case-insensitive, as in ARM. Undefined if invalid. */
export function parseScope(text: string): Scope | undefined {
  const trimmed = text.replace(/\/+$/, '');
  if (trimmed === '') return { level: 'root' };
  const parts = trimmed.split('/');
  if (parts[0] !== '' || parts[1]?.toLowerCase() !== 'subscriptions') return undefined;
  const subscriptionId = parts[2]?.toLowerCase();
  if (!subscriptionId || !GUID.test(subscriptionId)) return undefined;
  if (parts.length === 3) return { level: 'subscription', subscriptionId };
  const resourceGroup = parts[4];
  if (parts[3]?.toLowerCase() !== 'resourcegroups' || !resourceGroup || !RESOURCE_GROUP.test(resourceGroup)) return undefined;
  if (parts.length === 5) return { level: 'resourceGroup', subscriptionId, resourceGroup };
  const [providers, namespace, type, account] = parts.slice(5);
  if (
    parts.length !== 9 ||
    providers?.toLowerCase() !== 'providers' ||
    namespace?.toLowerCase() !== 'microsoft.cognitiveservices' ||
    type?.toLowerCase() !== 'accounts' ||
    !account ||
    !ACCOUNT.test(account)
  ) {
    return undefined;
  }
  return { level: 'account', subscriptionId, resourceGroup, account };
}
