// Azure's built-in role definitions that matter to a Foundry resource, with their real names, GUIDs,
// actions and data actions (MicrosoftDocs/azure-docs built-in-roles; ../shared/reference/azure-control-plane.md §2.3).

export interface Permission {
  actions: readonly string[];
  notActions: readonly string[];
  dataActions: readonly string[];
  notDataActions: readonly string[];
  /**
   * An ABAC condition on `Microsoft.Authorization/roleAssignments/write|delete`: those actions are granted only for
   * assignments of these roles. `text` is Azure's condition, shown in role definitions.
   */
  condition?: { text: string; roleDefinitionIds: readonly string[] };
}

export interface RoleDefinition {
  /** The GUID, the last segment of the role definition ID. */
  id: string;
  roleName: string;
  description: string;
  permissions: readonly Permission[];
}

const READ_INSIGHTS = [
  'Microsoft.Insights/alertRules/read',
  'Microsoft.Insights/diagnosticSettings/read',
  'Microsoft.Insights/logDefinitions/read',
  'Microsoft.Insights/metricdefinitions/read',
  'Microsoft.Insights/metrics/read',
  'Microsoft.ResourceHealth/availabilityStatuses/read',
  'Microsoft.Resources/subscriptions/operationresults/read',
  'Microsoft.Resources/subscriptions/read',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
];

const COGNITIVE_CONTRIBUTOR = [
  'Microsoft.Authorization/*/read',
  'Microsoft.CognitiveServices/*',
  'Microsoft.Features/features/read',
  'Microsoft.Features/providers/features/read',
  'Microsoft.Features/providers/features/register/action',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Insights/diagnosticSettings/*',
  'Microsoft.Insights/logDefinitions/read',
  'Microsoft.Insights/metricdefinitions/read',
  'Microsoft.Insights/metrics/read',
  'Microsoft.ResourceHealth/availabilityStatuses/read',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/deployments/operations/read',
  'Microsoft.Resources/subscriptions/operationresults/read',
  'Microsoft.Resources/subscriptions/read',
  'Microsoft.Resources/subscriptions/resourcegroups/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
];

const OPENAI = 'Microsoft.CognitiveServices/accounts/OpenAI';
const AZURE_AI_USER = '53ca6127-db72-4b80-b1b0-d745d6d5456d';
/** Condition C of the reference: these roles may assign and remove only Azure AI User. */
const ONLY_AZURE_AI_USER = {
  text:
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{53ca6127-db72-4b80-b1b0-d745d6d5456d})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{53ca6127-db72-4b80-b1b0-d745d6d5456d}))",
  roleDefinitionIds: [AZURE_AI_USER],
};

function role(id: string, roleName: string, description: string, p: Partial<Permission>): RoleDefinition {
  const permission: Permission = { actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] };
  if (p.condition) permission.condition = p.condition;
  return { id, roleName, description, permissions: [permission] };
}

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  role('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', {
    actions: ['*'],
  }),
  role('b24988ac-6180-42a0-ab88-20f7382dd24c', 'Contributor', 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.', {
    actions: ['*'],
    notActions: [
      'Microsoft.Authorization/*/Delete',
      'Microsoft.Authorization/*/Write',
      'Microsoft.Authorization/elevateAccess/Action',
      'Microsoft.Blueprint/blueprintAssignments/write',
      'Microsoft.Blueprint/blueprintAssignments/delete',
      'Microsoft.Compute/galleries/share/action',
      'Microsoft.Purview/consents/write',
      'Microsoft.Purview/consents/delete',
      'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
      'Microsoft.Subscription/cancel/action',
      'Microsoft.Subscription/enable/action',
    ],
  }),
  // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged#user-access-administrator
  role('18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', 'Lets you manage user access to Azure resources.', {
    actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'],
  }),
  role('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', 'View all resources, but does not allow you to make any changes.', { actions: ['*/read'] }),
  role('a97b65f3-24c7-4388-baec-2e87135dc908', 'Cognitive Services User', 'Lets you read and list keys of Cognitive Services.', {
    actions: ['Microsoft.CognitiveServices/*/read', 'Microsoft.CognitiveServices/accounts/listkeys/action', 'Microsoft.Resources/deployments/operations/read', ...READ_INSIGHTS],
    dataActions: ['Microsoft.CognitiveServices/*'],
  }),
  role('25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68', 'Cognitive Services Contributor', 'Lets you create, read, update, delete and manage keys of Cognitive Services.', {
    actions: COGNITIVE_CONTRIBUTOR,
  }),
  role('5e0bd9bd-7b93-4f28-af87-19fc36ad61bd', 'Cognitive Services OpenAI User', 'Read access to view files, models, deployments. The ability to create completion and embedding calls.', {
    actions: ['Microsoft.CognitiveServices/*/read', 'Microsoft.Authorization/roleAssignments/read', 'Microsoft.Authorization/roleDefinitions/read'],
    dataActions: [
      `${OPENAI}/*/read`,
      `${OPENAI}/engines/completions/action`,
      `${OPENAI}/engines/search/action`,
      `${OPENAI}/engines/generate/action`,
      `${OPENAI}/deployments/audio/action`,
      `${OPENAI}/deployments/search/action`,
      `${OPENAI}/deployments/completions/action`,
      `${OPENAI}/deployments/chat/completions/action`,
      `${OPENAI}/deployments/realtime/action`,
      `${OPENAI}/deployments/extensions/chat/completions/action`,
      `${OPENAI}/deployments/embeddings/action`,
      `${OPENAI}/images/generations/action`,
      `${OPENAI}/assistants/*`,
    ],
    notDataActions: [`${OPENAI}/stored-completions/read`],
  }),
  role('a001fd3d-188f-4b5d-821b-7da978bf7442', 'Cognitive Services OpenAI Contributor', 'Full access including the ability to fine-tune, deploy and generate text.', {
    actions: [
      'Microsoft.CognitiveServices/*/read',
      'Microsoft.CognitiveServices/accounts/deployments/write',
      'Microsoft.CognitiveServices/accounts/deployments/delete',
      'Microsoft.CognitiveServices/accounts/raiPolicies/read',
      'Microsoft.CognitiveServices/accounts/raiPolicies/write',
      'Microsoft.CognitiveServices/accounts/raiPolicies/delete',
      'Microsoft.CognitiveServices/accounts/commitmentplans/read',
      'Microsoft.CognitiveServices/accounts/commitmentplans/write',
      'Microsoft.CognitiveServices/accounts/commitmentplans/delete',
      'Microsoft.Authorization/roleAssignments/read',
      'Microsoft.Authorization/roleDefinitions/read',
    ],
    dataActions: [`${OPENAI}/*`],
  }),
  role(AZURE_AI_USER, 'Azure AI User', 'Grants reader access to AI projects, reader access to AI accounts, and data actions for an AI project.', {
    actions: ['Microsoft.CognitiveServices/*/read', 'Microsoft.CognitiveServices/accounts/listkeys/action', 'Microsoft.Resources/deployments/*', ...READ_INSIGHTS],
    dataActions: ['Microsoft.CognitiveServices/*'],
  }),
  role('64702f94-c441-49e6-a78b-ef80e0188fee', 'Azure AI Developer', 'Can perform all actions within an Azure AI resource besides managing the resource itself.', {
    actions: [
      'Microsoft.MachineLearningServices/workspaces/*/read',
      'Microsoft.MachineLearningServices/workspaces/*/action',
      'Microsoft.MachineLearningServices/workspaces/*/delete',
      'Microsoft.MachineLearningServices/workspaces/*/write',
      'Microsoft.MachineLearningServices/locations/*/read',
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/deployments/*',
    ],
    notActions: [
      'Microsoft.MachineLearningServices/workspaces/delete',
      'Microsoft.MachineLearningServices/workspaces/write',
      'Microsoft.MachineLearningServices/workspaces/listKeys/action',
      'Microsoft.MachineLearningServices/workspaces/hubs/write',
      'Microsoft.MachineLearningServices/workspaces/hubs/delete',
      'Microsoft.MachineLearningServices/workspaces/featurestores/write',
      'Microsoft.MachineLearningServices/workspaces/featurestores/delete',
    ],
    dataActions: [`${OPENAI}/*`, 'Microsoft.CognitiveServices/accounts/SpeechServices/*', 'Microsoft.CognitiveServices/accounts/ContentSafety/*'],
  }),
  role('eadc314b-1a2d-4efa-be10-5d325db5065e', 'Azure AI Project Manager', 'Lets you perform management actions on Foundry projects, build and develop projects, and conditionally assign the Azure AI User role.', {
    actions: [
      'Microsoft.Authorization/roleAssignments/write',
      'Microsoft.Authorization/roleAssignments/delete',
      'Microsoft.CognitiveServices/accounts/*/read',
      'Microsoft.CognitiveServices/accounts/projects/*',
      'Microsoft.CognitiveServices/locations/*/read',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ],
    dataActions: ['Microsoft.CognitiveServices/*'],
    condition: ONLY_AZURE_AI_USER,
  }),
  role('e47c6f54-e4a2-4754-9501-8e0985b135e1', 'Azure AI Account Owner', 'Grants full access to manage AI projects and accounts, and conditionally assign the Azure AI User role.', {
    actions: [...COGNITIVE_CONTRIBUTOR, 'Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete'],
    condition: ONLY_AZURE_AI_USER,
  }),
];

const byId = new Map(BUILT_IN_ROLES.map((r) => [r.id, r]));
const byName = new Map(BUILT_IN_ROLES.map((r) => [r.roleName.toLowerCase(), r]));

/** A role by GUID, by full role definition ID (`…/roleDefinitions/{guid}`), or by name (case-insensitive). */
export function findRole(idOrName: string): RoleDefinition | undefined {
  const guid = /\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(idOrName)?.[1] ?? idOrName;
  return byId.get(guid.toLowerCase()) ?? byName.get(idOrName.trim().toLowerCase());
}
