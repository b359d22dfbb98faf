// The official @anthropic-ai/foundry-sdk with @azure/identity's ClientSecretCredential and getBearerTokenProvider,
// unmodified, against a real gateway and its development tenant: Entra ID end to end, offline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getBearerTokenProvider } from '@azure/identity';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
import { PermissionDeniedError } from '@anthropic-ai/foundry-sdk/core/error';
import { runNodeScript, startTestGateway, type TestGateway } from './helpers.ts';
import { accountScope, assign, credential, newPrincipal, ROLES } from './identity-helpers.ts';

const COGNITIVE_SCOPE = 'https://cognitiveservices.azure.com/.default';
const params = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] };

let gw: TestGateway;
before(async () => {
  gw = await startTestGateway();
});
after(() => gw.close());

function client(provider: () => Promise<string>): AnthropicFoundry {
  return new AnthropicFoundry({ baseURL: gw.baseURL(), azureADTokenProvider: provider, maxRetries: 0 });
}

describe('@azure/identity + @anthropic-ai/foundry-sdk', () => {
  test('a principal without a role gets PermissionDeniedError (403); once a role is assigned the same client succeeds, without a restart', async () => {
    const p = await newPrincipal(gw);
    const sdk = client(getBearerTokenProvider(credential(gw, p.clientId, p.clientSecret), COGNITIVE_SCOPE));

    const denied = await sdk.messages.create(params).then(
      () => assert.fail('expected a 403'),
      (err: unknown) => err,
    );
    assert.ok(denied instanceof PermissionDeniedError, String(denied));
    assert.equal(denied.status, 403);
    assert.match(String(denied.message), /PermissionDenied.*lacks the required data action `Microsoft\.CognitiveServices\/accounts\/providers\/Anthropic\/messages\/action`/);

    await assign(gw, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
    const message = await sdk.messages.create(params);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
  });

  test('a token for https://ai.azure.com/.default (the scope in Anthropic\'s docs) works with Azure AI User, streaming included', async () => {
    const p = await newPrincipal(gw);
    await assign(gw, p.objectId, ROLES.azureAiUser, accountScope('claude-local'));
    const sdk = client(getBearerTokenProvider(credential(gw, p.clientId, p.clientSecret), 'https://ai.azure.com/.default'));
    const final = await sdk.messages.stream(params).finalMessage();
    assert.equal(final.role, 'assistant');
    assert.ok(final.usage.output_tokens > 0);
    const counted = await sdk.messages.countTokens({ model: params.model, messages: params.messages });
    assert.ok(counted.input_tokens > 0);
  });

  test('a wrong client secret fails in the credential with Entra\'s AADSTS7000215, before any Messages call', async () => {
    const p = await newPrincipal(gw);
    const provider = getBearerTokenProvider(credential(gw, p.clientId, `${p.clientSecret}x`), COGNITIVE_SCOPE);
    await assert.rejects(provider(), /AADSTS7000215: Invalid client secret provided/);
  });

  test('the documented setup works as is: NODE_EXTRA_CA_CERTS=<dataDir>/ca.pem and authorityHost = the HTTPS URL, in a fresh process', async () => {
    const p = await newPrincipal(gw);
    await assign(gw, p.objectId, ROLES.cognitiveServicesUser, accountScope('claude-local'));
    // NODE_EXTRA_CA_CERTS is read once at process start, so the client runs in a child process (an ES module
    // evaluated in the repository's root, so that it resolves the installed packages).
    const script = `import { ClientSecretCredential, getBearerTokenProvider } from '@azure/identity';
import AnthropicFoundry from '@anthropic-ai/foundry-sdk';
const [tenant, clientId, secret, authorityHost, baseURL] = process.argv.slice(1);
const credential = new ClientSecretCredential(tenant, clientId, secret, { authorityHost, disableInstanceDiscovery: true });
const client = new AnthropicFoundry({ baseURL, azureADTokenProvider: getBearerTokenProvider(credential, '${COGNITIVE_SCOPE}') });
const message = await client.messages.create(${JSON.stringify(params)});
process.stdout.write(message.type);
`;
    const { code, out, errors } = await runNodeScript(script, [gw.identity.tenantId, p.clientId, p.clientSecret, gw.httpsUrl, gw.baseURL()], {
      NODE_EXTRA_CA_CERTS: gw.identity.caPath,
    });
    assert.equal(code, 0, errors);
    assert.equal(out, 'message');
  });
});
