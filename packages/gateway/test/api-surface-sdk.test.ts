// The API's description (src/api/messages-api.ts) against the installed official SDK's type
// definitions: every block type (in messages, in tool_result.content, in documents, in system
// messages), tool type and its fixed name, custom-tool option, request field, thinking mode, tool
// choice, thread form, output setting and beta the SDK knows must be described. When an SDK upgrade
// brings something new, this test names it. The SDK's declarations are read with the TypeScript 7
// compiler API (fixtures/sdk-declarations.ts), GA (`resources/messages`) and beta (`resources/beta`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  BETAS,
  BLOCK_TYPES,
  type BlockPlace,
  CUSTOM_TOOL_OPTIONS,
  DOCUMENT_SOURCES,
  type Endpoint,
  HEADER_PARAMS,
  IMAGE_SOURCES,
  OTHER_API_BETAS,
  OUTPUT_EFFORTS,
  OUTPUT_FORMATS,
  REQUEST_FIELDS,
  THINKING_TYPES,
  THREAD_TYPES,
  TOOL_CHOICE_TYPES,
  TOOL_TYPES,
} from '../src/api/messages-api.ts';
import { blockType } from '../src/api/surface.ts';
import { type Declarations, readSdkDeclarations, SDK_DIR } from './fixtures/sdk-declarations.ts';

const SDK_VERSION = (JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const DESCRIPTION = 'packages/gateway/src/api/messages-api.ts';

let ga: Declarations;
let beta: Declarations;
let betaHeader: Declarations;

before(() => {
  ({ ga, beta, betaHeader } = readSdkDeclarations({
    ga: 'resources/messages/messages.d.ts',
    beta: 'resources/beta/messages/messages.d.ts',
    betaHeader: 'resources/beta/beta.d.ts',
  }));
});

/** The `type` literals of a declaration: an interface's own, or those of each member of a union alias. */
function typeTags(decl: Declarations, name: string): string[] {
  if (decl.isAlias(name)) return decl.members(name).flatMap((member) => (decl.has(member) ? typeTags(decl, member) : []));
  return decl.literals(name, 'type');
}

/** The `type` tags of each member of a property's union (a source, a format...). */
function propertyTags(decl: Declarations, iface: string, property: string): string[] {
  const found = decl.properties(iface).find((p) => p.name === property);
  assert.ok(found, `the SDK's ${iface} has no ${property}`);
  return decl.members(found.type).flatMap((member) => (decl.has(member) ? typeTags(decl, member) : []));
}

/** Asserts the SDK's items are all described, naming those that are not; `atLeast` guards against a parse that found nothing. */
function assertDescribed(what: string, fromSdk: string[], described: (item: string) => boolean, atLeast: number): void {
  const unique = [...new Set(fromSdk)];
  assert.ok(unique.length >= atLeast, `read only ${unique.length} ${what} from the SDK (${unique.join(', ')}): its declarations changed shape`);
  const missing = unique.filter((item) => !described(item)).sort();
  assert.deepEqual(missing, [], `@anthropic-ai/sdk ${SDK_VERSION} knows ${what} that ${DESCRIPTION} lacks: ${missing.join(', ')}`);
}

const placed = (place: BlockPlace) => (type: string) => (blockType(type)?.places as readonly BlockPlace[] | undefined)?.includes(place) === true;

describe(`the API description covers @anthropic-ai/sdk's types`, () => {
  test('content block types of a message', () => {
    const sdk = [...typeTags(ga, 'ContentBlockParam'), ...typeTags(beta, 'BetaContentBlockParam')];
    assert.ok(sdk.includes('server_tool_use') && sdk.includes('mcp_tool_use'));
    assertDescribed('message block types', sdk, placed('message'), 20);
  });

  test('block types of tool_result.content, of a content document and of a system message', () => {
    const inToolResult = [
      ...ga.arrayElements('ToolResultBlockParam', 'content').flatMap((name) => typeTags(ga, name)),
      ...beta.arrayElements('BetaToolResultBlockParam', 'content').flatMap((name) => typeTags(beta, name)),
    ];
    assert.ok(inToolResult.includes('tool_reference'), 'tool search results are tool_reference blocks');
    assertDescribed('tool_result content block types', inToolResult, placed('tool_result'), 5);
    const inDocument = [...typeTags(ga, 'ContentBlockSourceContent'), ...typeTags(beta, 'BetaContentBlockSourceContent')];
    assertDescribed('document content block types', inDocument, placed('document'), 2);
    const inSystem = beta.arrayElements('BetaSystemMessageParam', 'content').flatMap((name) => typeTags(beta, name));
    assertDescribed('system message block types', inSystem, placed('system_message'), 1);
  });

  test('tool types, with the fixed names the SDK gives them', () => {
    const unions: Array<[Declarations, string]> = [[ga, 'ToolUnion'], [ga, 'MessageCountTokensTool'], [beta, 'BetaToolUnion']];
    const sdk = unions.flatMap(([decl, union]) => typeTags(decl, union));
    assert.ok(sdk.includes('custom') && sdk.includes('web_search_20250305') && sdk.includes('mcp_toolset'));
    assertDescribed('tool types', sdk, (type) => Object.hasOwn(TOOL_TYPES, type), 25);
    const wrongNames = unions.flatMap(([decl, union]) =>
      decl.members(union).flatMap((member) => {
        const names = decl.literals(member, 'name');
        return decl.literals(member, 'type').filter((type) => names.length === 1 && TOOL_TYPES[type]?.name !== names[0]).map((type) => `${type} (${names[0]})`);
      }),
    );
    assert.deepEqual([...new Set(wrongNames)], [], `${DESCRIPTION} gives these tool types another name than the SDK does`);
  });

  test('options of a custom tool (defer_loading, strict, eager_input_streaming...)', () => {
    const own = new Set(['type', 'name', 'description', 'input_schema', 'cache_control']);
    const sdk = [...ga.properties('Tool'), ...beta.properties('BetaTool')].map((p) => p.name).filter((name) => !own.has(name));
    assert.ok(sdk.includes('defer_loading') && sdk.includes('strict') && sdk.includes('eager_input_streaming'));
    assertDescribed('custom tool options', sdk, (option) => Object.hasOwn(CUSTOM_TOOL_OPTIONS, option), 3);
  });

  test('request fields of messages and count_tokens (header parameters aside)', () => {
    const params: Array<[Declarations, string, Endpoint]> = [
      [ga, 'MessageCreateParamsBase', 'messages'],
      [beta, 'MessageCreateParamsBase', 'messages'],
      [ga, 'MessageCountTokensParams', 'count_tokens'],
      [beta, 'MessageCountTokensParams', 'count_tokens'],
    ];
    for (const [decl, iface, endpoint] of params) {
      const fields = decl.properties(iface).map((p) => p.name).filter((name) => !Object.hasOwn(HEADER_PARAMS, name));
      assertDescribed(`${endpoint} request fields (${iface})`, fields, (field) => REQUEST_FIELDS[field]?.endpoints.includes(endpoint) === true, 8);
    }
    const required = ga.properties('MessageCreateParamsBase').filter((p) => !p.optional).map((p) => p.name).sort();
    assert.deepEqual(required, ['max_tokens', 'messages', 'model']);
  });

  test('thinking modes, tool choices, thread forms, output efforts and formats', () => {
    const lists: Array<[string, string[], readonly string[]]> = [
      ['thinking types', [...typeTags(ga, 'ThinkingConfigParam'), ...typeTags(beta, 'BetaThinkingConfigParam')], THINKING_TYPES],
      ['tool_choice types', [...typeTags(ga, 'ToolChoice'), ...typeTags(beta, 'BetaToolChoice')], TOOL_CHOICE_TYPES],
      ['thread types', typeTags(beta, 'BetaMessageThreadParam'), THREAD_TYPES],
      ['output efforts', [...ga.literals('OutputConfig', 'effort'), ...beta.literals('BetaOutputConfig', 'effort')], OUTPUT_EFFORTS],
      ['output formats', [...propertyTags(ga, 'OutputConfig', 'format'), ...propertyTags(beta, 'BetaOutputConfig', 'format')], OUTPUT_FORMATS],
      ['image source types', [...propertyTags(ga, 'ImageBlockParam', 'source'), ...propertyTags(beta, 'BetaImageBlockParam', 'source')], IMAGE_SOURCES],
      ['document source types', [...propertyTags(ga, 'DocumentBlockParam', 'source'), ...propertyTags(beta, 'BetaRequestDocumentBlock', 'source')], DOCUMENT_SOURCES],
    ];
    for (const [what, sdk, described] of lists) assertDescribed(what, sdk, (item) => described.includes(item), 1);
  });

  test('betas the SDK names', () => {
    const sdk = betaHeader.members('AnthropicBeta');
    assert.ok(sdk.includes('message-threads-2026-08-12') && sdk.includes('structured-outputs-2025-11-13'));
    assertDescribed('betas', sdk, (name) => BETAS.includes(name) || OTHER_API_BETAS.includes(name), 40);
  });

  test('the description itself: every block type has a place, every required list names fields', () => {
    for (const [type, spec] of Object.entries(BLOCK_TYPES)) {
      assert.ok(spec.places.length > 0, `${type} appears nowhere`);
      for (const field of spec.required) assert.match(field, /^[a-z_]+$/, `${type}.${field}`);
    }
    assert.equal(new Set([...BETAS, ...OTHER_API_BETAS]).size, BETAS.length + OTHER_API_BETAS.length, 'no beta is listed twice');
  });
});
