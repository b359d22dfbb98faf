// Reading a fixtures file: JSON (comments and trailing commas allowed, via jsonc-parser, which also
// gives each value's offset) into compiled rules. Any mistake stops the whole file with one message
// naming the file, the line, the rule and what to write instead: a half-read file is never used.
import { findNodeAtLocation, type Node, parse, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { StopReason } from '../../dataplane/types.ts';
import { ERROR_TYPES, type Match, type Rule, type ScriptedBlock, type ScriptedReply, STREAM_ERROR_TYPES, type TextMatcher, type ToolResultMatcher, type UsageOverride } from './rules.ts';

export class ScenarioFileError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(message);
    this.name = 'ScenarioFileError';
    this.file = file;
    this.line = line;
  }
}

type Path = Array<string | number>;
type Json = Record<string, unknown>;

const STOP_REASONS: readonly StopReason[] = ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use'];
const RULE_KEYS = ['name', 'match', 'reply', 'replies', 'times'];
const MATCH_KEYS = ['userText', 'system', 'toolResult', 'headers', 'deployment'];
const MESSAGE_KEYS = ['text', 'content', 'stop_reason', 'stop_sequence', 'usage', 'ttftMs', 'tokensPerSecond', 'streamError'];
const ERROR_KEYS = ['error', 'headers', 'ttftMs'];
const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;
/** Headers an error reply may set: retry hints and the caller's own `x-` headers, never framing. */
const ERROR_HEADER = /^(retry-after|retry-after-ms|x-[a-z0-9-]+)$/;

/** Compiles the text of a fixtures file; throws a ScenarioFileError at the first mistake. */
export function parseScenarios(text: string, file: string): Rule[] {
  if (text.trim() === '') throw new ScenarioFileError(file, 1, `${file}, line 1: the file is empty. A fixtures file is {"rules": [ ... ]}.`);
  const errors: ParseError[] = [];
  const options = { allowTrailingComma: true, disallowComments: false };
  const tree = parseTree(text, errors, options);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  if (errors.length > 0 || tree === undefined) {
    const first = errors[0];
    const line = first ? lineAt(first.offset) : 1;
    const what = first ? printParseErrorCode(first.error) : 'no value';
    throw new ScenarioFileError(file, line, `${file}, line ${line}: not valid JSON (${what}). A fixtures file is {"rules": [ ... ]}.`);
  }
  const root: unknown = parse(text, [], options);
  const reader = new Reader(file, root, (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node: Node | undefined = findNodeAtLocation(tree, path.slice(0, n));
      if (node) return lineAt(node.offset);
    }
    return 1;
  });
  return reader.file();
}

class Reader {
  readonly #file: string;
  readonly #root: unknown;
  readonly #lineOf: (path: Path) => number;

  constructor(file: string, root: unknown, lineOf: (path: Path) => number) {
    this.#file = file;
    this.#root = root;
    this.#lineOf = lineOf;
  }

  fail(path: Path, message: string): never {
    const line = this.#lineOf(path);
    let where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    if (path[0] === 'rules' && typeof path[1] === 'number') {
      const name = this.#ruleName(path[1]);
      if (name !== undefined) where = where.replace(/^rules\[\d+\]/, (m) => `${m} ("${name}")`);
    }
    throw new ScenarioFileError(this.#file, line, `${this.#file}, line ${line}: ${where || 'the file'} ${message}`);
  }

  #ruleName(i: number): string | undefined {
    const rules = isObject(this.#root) ? this.#root['rules'] : undefined;
    const rule = Array.isArray(rules) ? rules[i] : undefined;
    return isObject(rule) && typeof rule['name'] === 'string' ? rule['name'] : undefined;
  }

  file(): Rule[] {
    const root = this.object(this.#root, [], 'must be an object: {"rules": [ ... ]}.');
    this.keys(root, [], ['rules']);
    const rules = root['rules'];
    if (!Array.isArray(rules)) this.fail(['rules'], 'must be an array of rules, each {"match": {...}, "reply": {...}}.');
    return rules.map((rule: unknown, i) => this.rule(rule, ['rules', i]));
  }

  rule(value: unknown, path: Path): Rule {
    const rule = this.object(value, path, 'must be an object such as {"match": {"userText": "hello"}, "reply": {"text": "Hi!"}}.');
    this.keys(rule, path, RULE_KEYS);
    const name = rule['name'] === undefined ? `rules[${path[1]}]` : this.string(rule['name'], [...path, 'name']);
    const hasReply = rule['reply'] !== undefined;
    if (hasReply === (rule['replies'] !== undefined)) this.fail(path, 'needs exactly one of "reply" (one answer) or "replies" (answers played in turn).');
    let replies: ScriptedReply[];
    if (hasReply) replies = [this.reply(rule['reply'], [...path, 'reply'])];
    else {
      const list = rule['replies'];
      if (!Array.isArray(list) || list.length === 0) this.fail([...path, 'replies'], 'must be a non-empty array of replies.');
      replies = list.map((r: unknown, i) => this.reply(r, [...path, 'replies', i]));
    }
    const compiled: Rule = { name, file: this.#file, line: this.#lineOf(path), match: this.match(rule['match'], [...path, 'match']), replies };
    if (rule['times'] !== undefined) compiled.times = this.integer(rule['times'], [...path, 'times'], 1);
    return compiled;
  }

  match(value: unknown, path: Path): Match {
    if (value === undefined) return {};
    const m = this.object(value, path, 'must be an object such as {"userText": "weather"}.');
    this.keys(m, path, MATCH_KEYS);
    const match: Match = {};
    if (m['userText'] !== undefined) match.userText = this.text(m['userText'], [...path, 'userText']);
    if (m['system'] !== undefined) match.system = this.text(m['system'], [...path, 'system']);
    if (m['deployment'] !== undefined) match.deployment = this.text(m['deployment'], [...path, 'deployment']);
    if (m['toolResult'] !== undefined) match.toolResult = this.toolResult(m['toolResult'], [...path, 'toolResult']);
    if (m['headers'] !== undefined) {
      const headers = this.object(m['headers'], [...path, 'headers'], 'must be an object of header names and values, such as {"x-test-case": "refund"}.');
      match.headers = Object.entries(headers).map(([name, v]) => [name.toLowerCase(), this.text(v, [...path, 'headers', name])]);
    }
    return match;
  }

  toolResult(value: unknown, path: Path): ToolResultMatcher {
    const t = this.object(value, path, 'must be an object such as {"name": "get_weather", "content": "sunny"}.');
    this.keys(t, path, ['name', 'toolUseId', 'content', 'isError']);
    const matcher: ToolResultMatcher = {};
    if (t['name'] !== undefined) matcher.name = this.text(t['name'], [...path, 'name']);
    if (t['toolUseId'] !== undefined) matcher.toolUseId = this.text(t['toolUseId'], [...path, 'toolUseId']);
    if (t['content'] !== undefined) matcher.content = this.text(t['content'], [...path, 'content']);
    if (t['isError'] !== undefined) {
      if (typeof t['isError'] !== 'boolean') this.fail([...path, 'isError'], 'must be true or false.');
      matcher.isError = t['isError'];
    }
    return matcher;
  }

  text(value: unknown, path: Path): TextMatcher {
    if (typeof value === 'string') return { kind: 'substring', text: value };
    const hint = 'must be a string (found anywhere in the text), {"equals": "..."} or {"regex": "...", "flags": "i"}.';
    const m = this.object(value, path, hint);
    if (m['equals'] !== undefined) {
      this.keys(m, path, ['equals']);
      if (typeof m['equals'] !== 'string') this.fail([...path, 'equals'], 'must be a string.');
      return { kind: 'equals', text: m['equals'] };
    }
    if (m['regex'] === undefined) this.fail(path, hint);
    this.keys(m, path, ['regex', 'flags']);
    const source = this.string(m['regex'], [...path, 'regex']);
    const flags = m['flags'] === undefined ? '' : this.string(m['flags'], [...path, 'flags']);
    if (/[gy]/.test(flags)) this.fail([...path, 'flags'], `"${flags}": the g and y flags make a regular expression remember where it stopped; leave them out.`);
    try {
      return { kind: 'regex', regex: new RegExp(source, flags) };
    } catch (err) {
      return this.fail([...path, 'regex'], `is not a regular expression: ${(err as Error).message}.`);
    }
  }

  reply(value: unknown, path: Path): ScriptedReply {
    const r = this.object(value, path, 'must be an object such as {"text": "Hi!"}, {"content": [...]} or {"error": {"type": "overloaded_error", "message": "Overloaded"}}.');
    if (r['error'] !== undefined) return this.errorReply(r, path);
    this.keys(r, path, MESSAGE_KEYS);
    if ((r['text'] === undefined) === (r['content'] === undefined)) this.fail(path, 'needs exactly one of "text" (one text block), "content" (blocks) or "error".');
    const content: ScriptedBlock[] =
      r['text'] !== undefined
        ? [{ type: 'text', text: this.string(r['text'], [...path, 'text']) }]
        : this.array(r['content'], [...path, 'content']).map((b, i) => this.block(b, [...path, 'content', i]));
    const reply: ScriptedReply = { kind: 'message', content, usage: this.usage(r['usage'], [...path, 'usage']), ...this.pacing(r, path) };
    if (r['stop_reason'] !== undefined) {
      const reason = r['stop_reason'];
      if (!STOP_REASONS.includes(reason as StopReason)) this.fail([...path, 'stop_reason'], `must be one of ${STOP_REASONS.map((s) => `"${s}"`).join(', ')}.`);
      reply.stopReason = reason as StopReason;
    }
    if (r['stop_sequence'] !== undefined) reply.stopSequence = this.string(r['stop_sequence'], [...path, 'stop_sequence']);
    if ((reply.stopReason === 'stop_sequence') !== (reply.stopSequence !== undefined)) {
      this.fail(path, '"stop_sequence" goes with "stop_reason": "stop_sequence", and only with it.');
    }
    if (r['streamError'] !== undefined) {
      const e = this.object(r['streamError'], [...path, 'streamError'], 'must be an object such as {"type": "overloaded_error", "message": "Overloaded"}.');
      this.keys(e, [...path, 'streamError'], ['type', 'message']);
      const type = this.string(e['type'], [...path, 'streamError', 'type']);
      if (!Object.hasOwn(STREAM_ERROR_TYPES, type)) this.fail([...path, 'streamError', 'type'], `must be one of ${Object.keys(STREAM_ERROR_TYPES).join(', ')}.`);
      reply.streamError = { type: type as keyof typeof STREAM_ERROR_TYPES, message: this.string(e['message'], [...path, 'streamError', 'message']) };
    }
    return reply;
  }

  errorReply(r: Json, path: Path): ScriptedReply {
    this.keys(r, path, ERROR_KEYS);
    const at = [...path, 'error'];
    const e = this.object(r['error'], at, 'must be {"type": "overloaded_error", "message": "..."} (Anthropic) or {"status": 429, "code": "RateLimitReached", "message": "..."} (Azure).');
    this.keys(e, at, ['status', 'type', 'code', 'message']);
    if ((e['type'] === undefined) === (e['code'] === undefined)) this.fail(at, 'needs exactly one of "type" (an Anthropic error type) or "code" (an Azure error code, with "status").');
    const message = this.string(e['message'], [...at, 'message']);
    const status = e['status'] === undefined ? undefined : this.integer(e['status'], [...at, 'status'], 400, 599);
    const headers: Record<string, string> = {};
    if (r['headers'] !== undefined) {
      for (const [name, v] of Object.entries(this.object(r['headers'], [...path, 'headers'], 'must be an object such as {"retry-after": "2"}.'))) {
        const lower = name.toLowerCase();
        if (!ERROR_HEADER.test(lower)) this.fail([...path, 'headers', name], 'is not a header a reply may set: use retry-after, retry-after-ms or an x- header.');
        headers[lower] = this.string(v, [...path, 'headers', name]);
      }
    }
    const pacing = this.pacing(r, path);
    if (e['type'] !== undefined) {
      const type = this.string(e['type'], [...at, 'type']);
      const defaultStatus = ERROR_TYPES[type];
      if (defaultStatus === undefined) this.fail([...at, 'type'], `"${type}" is not an Anthropic error type; use one of ${Object.keys(ERROR_TYPES).join(', ')}.`);
      return { kind: 'error', shape: 'anthropic', status: status ?? defaultStatus, code: type, message, headers, ...pacing };
    }
    if (status === undefined) this.fail(at, 'needs "status" with an Azure "code", e.g. {"status": 429, "code": "RateLimitReached", "message": "..."}.');
    return { kind: 'error', shape: 'azure', status, code: this.string(e['code'], [...at, 'code']), message, headers, ...pacing };
  }

  block(value: unknown, path: Path): ScriptedBlock {
    const b = this.object(value, path, 'must be a content block such as {"type": "text", "text": "..."}.');
    switch (b['type']) {
      case 'text':
        this.keys(b, path, ['type', 'text']);
        return { type: 'text', text: this.string(b['text'], [...path, 'text']) };
      case 'thinking': {
        this.keys(b, path, ['type', 'thinking', 'signature']);
        const block: ScriptedBlock = { type: 'thinking', thinking: this.string(b['thinking'], [...path, 'thinking']) };
        if (b['signature'] !== undefined) block.signature = this.string(b['signature'], [...path, 'signature']);
        return block;
      }
      case 'tool_use': {
        this.keys(b, path, ['type', 'id', 'name', 'input']);
        const input = b['input'] === undefined ? {} : this.object(b['input'], [...path, 'input'], 'must be an object: the tool\'s arguments.');
        const block: ScriptedBlock = { type: 'tool_use', name: this.string(b['name'], [...path, 'name']), input };
        if (b['id'] !== undefined) block.id = this.string(b['id'], [...path, 'id']);
        return block;
      }
      default:
        return this.fail([...path, 'type'], `${JSON.stringify(b['type'])} is not a block a reply can hold; use "text", "thinking" or "tool_use".`);
    }
  }

  usage(value: unknown, path: Path): UsageOverride {
    if (value === undefined) return {};
    const u = this.object(value, path, 'must be an object such as {"output_tokens": 12}.');
    this.keys(u, path, [...USAGE_KEYS, 'cache_creation']);
    const usage: UsageOverride = {};
    for (const key of USAGE_KEYS) if (u[key] !== undefined) usage[key] = this.integer(u[key], [...path, key], 0);
    if (u['cache_creation'] !== undefined) {
      const at = [...path, 'cache_creation'];
      const c = this.object(u['cache_creation'], at, 'must be {"ephemeral_5m_input_tokens": n, "ephemeral_1h_input_tokens": n}.');
      this.keys(c, at, ['ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens']);
      const split = {
        ephemeral_5m_input_tokens: this.integer(c['ephemeral_5m_input_tokens'] ?? 0, [...at, 'ephemeral_5m_input_tokens'], 0),
        ephemeral_1h_input_tokens: this.integer(c['ephemeral_1h_input_tokens'] ?? 0, [...at, 'ephemeral_1h_input_tokens'], 0),
      };
      const total = split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens;
      if (total !== (usage.cache_creation_input_tokens ?? total)) this.fail(at, `adds up to ${total}, not to cache_creation_input_tokens (${usage.cache_creation_input_tokens}).`);
      usage.cache_creation_input_tokens = total;
      usage.cache_creation = split;
    }
    return usage;
  }

  pacing(r: Json, path: Path): { ttftMs?: number; tokensPerSecond?: number } {
    const out: { ttftMs?: number; tokensPerSecond?: number } = {};
    if (r['ttftMs'] !== undefined) out.ttftMs = this.number(r['ttftMs'], [...path, 'ttftMs'], 0, 600_000);
    if (r['tokensPerSecond'] !== undefined) out.tokensPerSecond = this.number(r['tokensPerSecond'], [...path, 'tokensPerSecond'], 0, 1_000_000);
    return out;
  }

  object(value: unknown, path: Path, hint: string): Json {
    if (!isObject(value)) this.fail(path, hint);
    return value;
  }

  array(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'must be an array.');
    return value;
  }

  string(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value === '') this.fail(path, `must be a non-empty string, not ${JSON.stringify(value) ?? 'nothing'}.`);
    return value;
  }

  number(value: unknown, path: Path, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(path, `must be a number from ${min} to ${max}.`);
    return value;
  }

  integer(value: unknown, path: Path, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) this.fail(path, `must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}.`);
    return value as number;
  }

  /** Unknown keys are refused by name, so a typo ("usertext") is not silently a rule that matches everything. */
  keys(value: Json, path: Path, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.fail([...path, key], `is not a field here; use ${allowed.map((k) => `"${k}"`).join(', ')}.`);
    }
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
