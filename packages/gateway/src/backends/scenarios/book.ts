// The rules in force, file by file, and what each rule has played. Files are read at start (a missing
// configured file or a bad one stops the start) and again whenever they change: each path's stat is polled (which
// sees a file created, deleted or replaced by an editor's rename) against what was last read, and a debounce lets
// a save finish before it is read. Not fs.watch on the folders: the data
// folder's scenarios.json sits beside the request log, whose every commit would wake the request thread (an
// inotify read and a callback; 1.5 of them per request at c=32, docs/benchmarks.md). A file that no longer parses
// is reported (stderr, `status()`, a `change` event) and its previous rules stay in force; nothing throws.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../../config/index.ts';
import type { MessagesRequest } from '../../dataplane/types.ts';
import { canonical } from '../replay/match.ts';
import type { ScenarioConfig } from '../../config/scenarios.ts';
import { matches, type RequestFacts } from './match.ts';
import { parseScenarios, ScenarioFileError } from './parse.ts';
import type { Rule, ScriptedReply } from './rules.ts';

/** How often each file's stat is polled for a change (ms). */
const POLL_MS = 250;

/** Conversations remembered per rule for its place in `replies`; the oldest is forgotten first. */
const MAX_CONVERSATIONS = 1000;

interface ScenarioFile {
  path: string;
  rules: Rule[];
  /** Why the file's latest version was refused, while its previous rules stay in force. */
  error?: string;
  /** inode, size and mtime last read: an event that changes none of them is not a change. */
  stamp: string;
  timer?: NodeJS.Timeout | undefined;
  /** Reloads of one file run one after the other. */
  queue: Promise<void>;
}

export interface FileStatus {
  file: string;
  rules: number;
  error?: string;
}

export interface Played {
  rule: Rule;
  reply: ScriptedReply;
  /** Identifies this conversation turn: seeds the ids the reply leaves out. */
  seed: string;
}

interface RuleState {
  answered: number;
  turns: Map<string, number>;
}

function stampOf(s: { ino: number; size: number; mtimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** A path that cannot be stat'ed: 'absent', or the error, so a poll sees the same failure as no change. */
function failedStamp(err: NodeJS.ErrnoException): string {
  return err.code === 'ENOENT' ? 'absent' : `unreadable:${err.code}`;
}

function parseNow(path: string): { rules: Rule[]; stamp: string } | undefined {
  let stamp: string;
  let text: string;
  try {
    stamp = stampOf(statSync(path));
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`The scenarios file ${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    return { rules: parseScenarios(text, path), stamp };
  } catch (err) {
    throw new ConfigError(err instanceof ScenarioFileError ? `Scenarios: ${err.message}` : (err as Error).message);
  }
}

/** Emits `change` with a FileStatus after each reload of a file, accepted or refused. */
export class ScenarioBook extends EventEmitter {
  readonly #files = new Map<string, ScenarioFile>();
  readonly #global: ScenarioFile[] = [];
  readonly #byDeployment = new Map<string, ScenarioFile[]>();
  readonly #state = new WeakMap<Rule, RuleState>();
  #poll: NodeJS.Timeout | undefined;
  readonly #debounceMs: number;
  /** Each deployment's rules, flattened once per version of the files (a request costs one lookup). */
  readonly #flattened = new Map<string, { version: number; rules: Rule[] }>();
  #version = 0;
  #closed = false;

  /** Reads every file now; throws a ConfigError for a configured file that is missing or wrong, or a wrong default file. */
  constructor(config: ScenarioConfig, options: { debounceMs?: number } = {}) {
    super();
    this.#debounceMs = options.debounceMs ?? 50;
    const open = (path: string, required: boolean): ScenarioFile => {
      const known = this.#files.get(path);
      if (known) return known;
      const read = parseNow(path);
      if (!read && required) throw new ConfigError(`The scenarios file ${path} does not exist: create it (docs/scenarios.md) or remove it from the config.`);
      const file: ScenarioFile = { path, rules: read?.rules ?? [], stamp: read?.stamp ?? 'absent', queue: Promise.resolve() };
      this.#files.set(path, file);
      return file;
    };
    for (const { resource, deployment, files } of config.deployments) {
      this.#byDeployment.set(`${resource.toLowerCase()}/${deployment}`, files.map((p) => open(p, true)));
    }
    this.#global.push(...config.files.map((p) => open(p, true)), open(config.defaultFile, false));
  }

  /** The rules a deployment plays, in the order they are tried: its own files, the global files, the default file. */
  rulesFor(resource: string, deployment: string): Rule[] {
    const key = `${resource.toLowerCase()}/${deployment}`;
    const cached = this.#flattened.get(key);
    if (cached?.version === this.#version) return cached.rules;
    const rules = [...(this.#byDeployment.get(key) ?? []), ...this.#global].flatMap((f) => f.rules);
    this.#flattened.set(key, { version: this.#version, rules });
    return rules;
  }

  /** The first rule that matches and has answers left, and its reply for this turn of the conversation. */
  pick(rules: readonly Rule[], facts: RequestFacts, request: MessagesRequest): Played | undefined {
    let conversation: string | undefined;
    for (const rule of rules) {
      let state = this.#state.get(rule);
      if (rule.times !== undefined && (state?.answered ?? 0) >= rule.times) continue;
      if (!matches(rule.match, facts)) continue;
      if (!state) this.#state.set(rule, (state = { answered: 0, turns: new Map() }));
      // A conversation is known by its deployment, system prompt and first message: an agent loop resends them each turn.
      conversation ??= createHash('sha256').update(canonical([facts.deployment, request.system ?? null, request.messages[0] ?? null])).digest('base64url');
      const turn = state.turns.get(conversation) ?? 0;
      state.turns.delete(conversation);
      state.turns.set(conversation, turn + 1);
      if (state.turns.size > MAX_CONVERSATIONS) state.turns.delete(state.turns.keys().next().value as string);
      state.answered++;
      return { rule, reply: rule.replies[turn % rule.replies.length]!, seed: `${rule.file}\0${rule.name}\0${conversation}\0${turn}` };
    }
    return undefined;
  }

  status(): FileStatus[] {
    return [...this.#files.values()].map((f) => ({ file: f.path, rules: f.rules.length, ...(f.error ? { error: f.error } : {}) }));
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#poll);
    for (const file of this.#files.values()) clearTimeout(file.timer);
  }

  /** Starts reloading the files when they change (until `close`). */
  watch(): void {
    if (this.#closed || this.#poll) return;
    // Each poll compares with what was last read, so a change made between the first read and the first poll is
    // seen too (fs.watchFile would take that state as its baseline and miss it).
    this.#poll = setInterval(() => {
      for (const file of this.#files.values()) {
        if (file.timer) continue;
        stat(file.path).then(
          (s) => stampOf(s) !== file.stamp && this.#schedule(file),
          (err: NodeJS.ErrnoException) => failedStamp(err) !== file.stamp && this.#schedule(file),
        );
      }
    }, POLL_MS);
    this.#poll.unref();
  }

  #schedule(file: ScenarioFile): void {
    clearTimeout(file.timer);
    file.timer = setTimeout(() => {
      file.timer = undefined;
      file.queue = file.queue.then(() => this.#reload(file));
    }, this.#debounceMs);
    file.timer.unref();
  }

  async #reload(file: ScenarioFile): Promise<void> {
    if (this.#closed) return;
    let stamp: string;
    let text: string | undefined;
    try {
      stamp = stampOf(await stat(file.path));
    } catch (err) {
      stamp = failedStamp(err as NodeJS.ErrnoException);
      if (stamp !== 'absent' && stamp !== file.stamp) return this.#refuse(file, stamp, `${file.path} cannot be read: ${(err as Error).message}`);
    }
    if (stamp === file.stamp) return;
    if (stamp !== 'absent') {
      try {
        text = await readFile(file.path, 'utf8');
      } catch (err) {
        // Gone between the stat and the read: the next poll sees it absent. Any other failure is refused.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        return this.#refuse(file, stamp, `${file.path} cannot be read: ${(err as Error).message}`);
      }
    }
    file.stamp = stamp;
    this.#version++;
    if (text === undefined) {
      file.rules = [];
      delete file.error;
      log('info', 'scenarios file removed: its rules are dropped', { file: file.path });
    } else {
      let rules: Rule[];
      try {
        rules = parseScenarios(text, file.path);
      } catch (err) {
        return this.#refuse(file, stamp, (err as Error).message);
      }
      file.rules = rules;
      delete file.error;
      log('info', 'scenarios file loaded', { file: file.path, rules: file.rules.length });
    }
    this.emit('change', { file: file.path, rules: file.rules.length } satisfies FileStatus);
  }

  #refuse(file: ScenarioFile, stamp: string, error: string): void {
    file.stamp = stamp;
    file.error = error;
    log('error', 'scenarios file refused: its previous rules stay in force', { file: file.path, rules: file.rules.length, detail: error });
    this.emit('change', { file: file.path, rules: file.rules.length, error } satisfies FileStatus);
  }
}

function log(level: 'info' | 'error', msg: string, fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
}
