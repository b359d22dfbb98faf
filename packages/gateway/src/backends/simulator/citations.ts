// Citations: an answer that cites the documents and search results of the last user turn.
//
// A source is citable when its `citations.enabled` is true: a `document` (text → `char_location`,
// PDF → `page_location`, custom content → `content_block_location`) or a `search_result` (at the top
// of the turn or inside a tool_result → `search_result_location`). Indexes count the request's
// documents and search results in order, as the API's `document_index` and `search_result_index` do.
// The answer is a short lead, then one cited text block per source (at most MAX_CITED).
import type { MessageParam, TextBlock, TextCitation } from '../../dataplane/types.ts';

const MAX_CITED = 2;
const CITED_CHARS = 120;

type Block = Record<string, unknown>;

function citable(block: Block): boolean {
  const citations = block['citations'];
  return typeof citations === 'object' && citations !== null && (citations as Block)['enabled'] === true;
}

/** The first sentence of a text, up to CITED_CHARS characters. */
function firstSentence(text: string): string {
  const sentence = /^[\s\S]*?[.!?](\s|$)/.exec(text)?.[0] ?? text;
  return sentence.trim().slice(0, CITED_CHARS);
}

function documentCitation(block: Block, index: number): TextCitation {
  const source = (block['source'] ?? {}) as Block;
  const title = typeof block['title'] === 'string' ? block['title'] : null;
  const common = { document_index: index, document_title: title, file_id: typeof source['file_id'] === 'string' ? source['file_id'] : null };
  if (source['type'] === 'text' && typeof source['data'] === 'string') {
    const cited = firstSentence(source['data']);
    const start = source['data'].indexOf(cited);
    return { type: 'char_location', cited_text: cited, ...common, start_char_index: start, end_char_index: start + cited.length };
  }
  if (source['type'] === 'content' && Array.isArray(source['content'])) {
    const first = source['content'].find((b: Block) => b['type'] === 'text') as Block | undefined;
    const cited = typeof first?.['text'] === 'string' ? first['text'] : '';
    return { type: 'content_block_location', cited_text: cited, ...common, start_block_index: 0, end_block_index: 1 };
  }
  // A PDF (base64, URL or file): the simulator cannot read it, so it cites its first page.
  return { type: 'page_location', cited_text: 'Page 1.', ...common, start_page_number: 1, end_page_number: 2 };
}

function searchResultCitation(block: Block, index: number): TextCitation {
  const content = Array.isArray(block['content']) ? (block['content'] as Block[]) : [];
  const text = typeof content[0]?.['text'] === 'string' ? content[0]['text'] : '';
  return {
    type: 'search_result_location',
    cited_text: firstSentence(text),
    source: String(block['source'] ?? ''),
    title: typeof block['title'] === 'string' ? block['title'] : null,
    search_result_index: index,
    start_block_index: 0,
    end_block_index: 1,
  };
}

/** The cited answer to the last user turn, or undefined when it holds nothing citable. */
export function citedAnswer(messages: readonly MessageParam[]): TextBlock[] | undefined {
  const citations: TextCitation[] = [];
  let documents = 0;
  let searchResults = 0;
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  const visit = (block: Block, inLastTurn: boolean): void => {
    if (block['type'] === 'document') {
      if (inLastTurn && citable(block)) citations.push(documentCitation(block, documents));
      documents++;
    } else if (block['type'] === 'search_result') {
      if (inLastTurn && citable(block)) citations.push(searchResultCitation(block, searchResults));
      searchResults++;
    } else if (block['type'] === 'tool_result' && Array.isArray(block['content'])) {
      for (const inner of block['content'] as Block[]) visit(inner, inLastTurn);
    }
  };
  messages.forEach((m, i) => {
    for (const block of m.content) visit(block as unknown as Block, i === lastUser);
  });
  if (citations.length === 0) return undefined;
  return [
    { type: 'text', text: 'According to the sources you gave:' },
    ...citations.slice(0, MAX_CITED).map((citation): TextBlock => ({ type: 'text', text: ` ${citation.cited_text}`, citations: [citation] })),
  ];
}
