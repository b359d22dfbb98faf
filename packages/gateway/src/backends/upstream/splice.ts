// Replacing the request's top-level `model` in the raw body bytes, leaving every other byte as the
// client sent it: no JSON round trip, one linear scan that jumps over strings with indexOf.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MODEL_KEY = Buffer.from('model');

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(bytes: Buffer, start: number): number {
  let i = start;
  for (;;) {
    i = bytes.indexOf(QUOTE, i + 1);
    if (i === -1) return bytes.length - 1;
    let slashes = 0;
    for (let j = i - 1; bytes[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return i;
  }
}

function isModelKey(bytes: Buffer, start: number, end: number): boolean {
  const key = bytes.subarray(start + 1, end);
  if (key.equals(MODEL_KEY)) return true;
  // An escaped key (`"mod\u0065l"`) means the same to JSON.parse, so it counts too.
  return key.includes(BACKSLASH) && JSON.parse(bytes.toString('utf8', start, end + 1)) === 'model';
}

/** `body` with the string value of every top-level `"model"` key (JSON.parse keeps the last) set to `model`. */
export function replaceModel(body: Buffer, model: string): Buffer {
  const spans: Array<[number, number]> = [];
  let depth = 0;
  let expectKey = false;
  let keyIsModel = false;
  let valueIsModel = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === QUOTE) {
      const end = stringEnd(body, i);
      if (depth === 1) {
        if (expectKey) {
          keyIsModel = isModelKey(body, i, end);
          expectKey = false;
        } else if (valueIsModel) {
          spans.push([i, end + 1]);
          valueIsModel = false;
        }
      }
      i = end;
    } else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth === 1) expectKey = b === 0x7b;
      else valueIsModel = false;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    } else if (depth === 1) {
      if (b === 0x3a) {
        valueIsModel = keyIsModel;
        keyIsModel = false;
      } else if (b === 0x2c) {
        expectKey = true;
        valueIsModel = false;
      }
    }
  }
  if (spans.length === 0) return body;
  const value = Buffer.from(JSON.stringify(model));
  const parts: Buffer[] = [];
  let from = 0;
  for (const [start, end] of spans) {
    parts.push(body.subarray(from, start), value);
    from = end;
  }
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}
