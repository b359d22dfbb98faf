// The ARM paths this gateway serves for resource groups, Microsoft.CognitiveServices accounts and their deployments.
// The route table (control/arm/resource-manager.ts) matches them; names arrive decoded and are kept as written.

export type ArmTarget =
  | { kind: 'groups'; subscriptionId: string }
  | { kind: 'group'; subscriptionId: string; group: string }
  | { kind: 'accounts'; subscriptionId: string; group: string | undefined }
  | { kind: 'account'; subscriptionId: string; group: string; account: string }
  | { kind: 'keys'; subscriptionId: string; group: string; account: string; action: 'listKeys' | 'regenerateKey' }
  | { kind: 'deployments'; subscriptionId: string; group: string; account: string }
  | { kind: 'deployment'; subscriptionId: string; group: string; account: string; deployment: string };
