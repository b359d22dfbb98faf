// The data actions Claude's Messages API requires, in a module of their own: the data plane checks them
// (authenticate.ts) and the portal's playground reads them to tell which credential a user can call with.
export type DataOperation = 'messages' | 'count_tokens';

/**
 * Azure does not publish them; they sit under `Microsoft.CognitiveServices/accounts/providers/*`, the custom role
 * Anthropic documents for Claude, and so under `Microsoft.CognitiveServices/*` (Cognitive Services User, Azure AI
 * User) but not under `accounts/OpenAI/*`.
 */
export const DATA_ACTIONS: Readonly<Record<DataOperation, string>> = {
  messages: 'Microsoft.CognitiveServices/accounts/providers/Anthropic/messages/action',
  count_tokens: 'Microsoft.CognitiveServices/accounts/providers/Anthropic/messages/count_tokens/action',
};
