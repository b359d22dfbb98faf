// Token estimates for images and documents: image size read from PNG/JPEG/GIF/WebP headers, PDFs by size.

/** What an image costs when its size cannot be read (URL or file sources, unknown formats). */
export const UNKNOWN_IMAGE_TOKENS = 1600;
/** The API scales images down until the long edge is at most this many pixels... */
const MAX_LONG_EDGE = 1568;
/** ...and until the image costs at most about this many tokens (width * height / 750). */
const MAX_IMAGE_TOKENS = 1600;
/** A rough figure for PDFs (text plus page images), per 1,024 characters of base64. */
export const PDF_TOKENS_PER_BASE64_KB = 50;
/** What a URL or file document costs: its content is not at hand. */
export const UNKNOWN_DOCUMENT_TOKENS = 1600;
/** Base64 characters decoded when looking for an image header (JPEG headers may follow EXIF data). */
const HEADER_BASE64_CHARS = 128 * 1024;

export interface ImageSize {
  width: number;
  height: number;
}

function jpegSize(b: Buffer): ImageSize | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

function webpSize(b: Buffer): ImageSize | undefined {
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b.length >= 30) {
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) {
    return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  return undefined;
}

/** The pixel size of a PNG, JPEG, GIF or WebP image from its first bytes, if recognisable. */
export function imageSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 4) === 'GIF8') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
  if (bytes.length >= 16 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return webpSize(bytes);
  }
  return undefined;
}

/** Tokens of an image of this size: about width * height / 750 after the API's downscaling. */
export function imageTokensForSize({ width, height }: ImageSize): number {
  if (width <= 0 || height <= 0) return UNKNOWN_IMAGE_TOKENS;
  const scale = Math.min(1, MAX_LONG_EDGE / Math.max(width, height));
  const tokens = Math.ceil((width * scale * (height * scale)) / 750);
  return Math.max(1, Math.min(MAX_IMAGE_TOKENS, tokens));
}

/** Tokens of an image block's `source`. */
export function imageTokens(source: Record<string, unknown>): number {
  const data = source['data'];
  if (source['type'] !== 'base64' || typeof data !== 'string') return UNKNOWN_IMAGE_TOKENS;
  const head = data.slice(0, Math.min(data.length, HEADER_BASE64_CHARS));
  const size = imageSize(Buffer.from(head, 'base64'));
  return size === undefined ? UNKNOWN_IMAGE_TOKENS : imageTokensForSize(size);
}

/** Tokens of a base64 PDF: a fixed figure per 1,024 characters of base64 (text plus page images). */
export function pdfTokens(base64: string): number {
  return Math.ceil(base64.length / 1024) * PDF_TOKENS_PER_BASE64_KB;
}
