// The offline text tokenizer: a single linear scan that counts, truncates and chunks text by estimated tokens.
//
// Method (deterministic, no vocabulary, no regex): the text is read as a sequence of pieces.
// - A run of letters (ASCII, Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts) is one word:
//   ceil(length / 4) tokens, so words up to 4 letters cost 1 and longer words 1 per 4 letters.
// - A run of digits costs 1 token per group of up to 3 digits (current Claude tokenizers split
//   numbers in 1-3 digit groups; models.md section 8).
// - ASCII punctuation and symbols come in runs of up to 3 characters, 1 token each (`{"`, `":"`,
//   `);` are one token in real BPE vocabularies; single characters would double JSON counts).
// - Every other character is its own piece: CJK ideographs, kana, Hangul and other symbols cost
//   1 token each; a character outside the Basic Multilingual Plane (emoji) costs 2.
// - Whitespace attaches to the piece that follows it: a single space or tab before a piece is
//   free. Any other whitespace run (two or more characters, one containing a line break, or one
//   ending the text) costs ceil(length / 4) tokens.
// On English prose this gives about 3.5 characters per token, the figure Anthropic's glossary
// gives; test/tokens.test.ts holds it within 3.0-4.0. Structured text counts high: package.json of
// @anthropic-ai/sdk gives 2.5 characters per token here against 3.2 measured with Anthropic's legacy
// tokenizer (models.md section 8), so the estimate errs on the generous side.

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const BREAK = 4;

const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) ASCII[c] = LETTER;
  else if (c >= 48 && c <= 57) ASCII[c] = DIGIT;
}
ASCII[32] = SPACE;
ASCII[9] = SPACE;
ASCII[10] = BREAK;
ASCII[13] = BREAK;
ASCII[11] = BREAK;
ASCII[12] = BREAK;

function isLetter(c: number): boolean {
  if (c < 128) return ASCII[c] === LETTER;
  return (
    (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) ||
    (c >= 0x300 && c <= 0x6ff) ||
    (c >= 0x900 && c <= 0xdff) ||
    (c >= 0x1e00 && c <= 0x1fff)
  );
}

function isDigit(c: number): boolean {
  return c < 128 && ASCII[c] === DIGIT;
}

function isSpace(c: number): boolean {
  if (c < 128) return ASCII[c] === SPACE || ASCII[c] === BREAK;
  return c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

function isPunct(c: number): boolean {
  return c < 128 && ASCII[c] === 0;
}

/** Where a scan stopped: the tokens counted and the character offset reached. */
export interface ScanResult {
  tokens: number;
  end: number;
}

/**
 * Scans `text` from `start`, counting tokens until the next piece would take the count past
 * `limit`. With `splitPieces`, a piece longer than one token (long word, digit run) may be cut
 * inside, 4 letters or 3 digits per token; without, the scan stops before it.
 */
export function scanTokens(text: string, limit = Infinity, start = 0, splitPieces = true): ScanResult {
  const n = text.length;
  let tokens = 0;
  let i = start;
  // Start of a free single space that belongs to the piece after it (cut before it, not after).
  let pieceStart = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      let j = i;
      let hasBreak = false;
      while (j < n && isSpace(text.charCodeAt(j))) {
        if (text.charCodeAt(j) < 128 && ASCII[text.charCodeAt(j)] === BREAK) hasBreak = true;
        j++;
      }
      const length = j - i;
      if (length === 1 && !hasBreak && j < n) {
        pieceStart = i;
        i = j;
        continue;
      }
      const cost = Math.ceil(length / 4);
      if (tokens + cost > limit) return { tokens, end: i };
      tokens += cost;
      i = j;
      pieceStart = i;
      continue;
    }
    let j = i + 1;
    let cost: number;
    let perToken = 0;
    if (isLetter(c)) {
      while (j < n && isLetter(text.charCodeAt(j))) j++;
      cost = Math.ceil((j - i) / 4);
      perToken = 4;
    } else if (isDigit(c)) {
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      cost = Math.ceil((j - i) / 3);
      perToken = 3;
    } else if (c >= 0xd800 && c <= 0xdbff && j < n) {
      j++;
      cost = 2;
    } else {
      if (c < 128) while (j < n && j - i < 3 && isPunct(text.charCodeAt(j))) j++;
      cost = 1;
    }
    if (tokens + cost > limit) {
      const room = limit - tokens;
      if (perToken === 0 || room <= 0 || !splitPieces) return { tokens, end: pieceStart };
      return { tokens: limit, end: i + room * perToken };
    }
    tokens += cost;
    i = j;
    pieceStart = i;
  }
  return { tokens, end: n };
}

/** Estimated tokens of a text on the legacy tokenizer. */
export function countTextTokens(text: string): number {
  return scanTokens(text).tokens;
}

/** The longest prefix of `text` that costs at most `maxTokens`, cut on a piece or in-word boundary. */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  return text.slice(0, scanTokens(text, maxTokens).end);
}

/**
 * Splits text into consecutive chunks of about `tokensPerChunk` tokens each, for streaming.
 * The chunks concatenate back to exactly `text`.
 */
export function chunkByTokens(text: string, tokensPerChunk: number): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    const limit = Math.max(1, tokensPerChunk);
    // Whole pieces where possible; a word longer than a chunk is cut inside it.
    let end = scanTokens(text, limit, start, false).end;
    if (end <= start) end = scanTokens(text, limit, start).end;
    // A piece dearer than a whole chunk (an emoji in 1-token chunks) still makes progress.
    if (end <= start) end = Math.min(text.length, start + 2);
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}
