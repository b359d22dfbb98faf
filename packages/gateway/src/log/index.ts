// The one logger: pino, one JSON line per event on stderr, with the request's ids on every line a request
// writes and secrets (keys, tokens, client secrets) censored wherever they appear in a logged object.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Field names whose values are secrets wherever they appear (fast-redact has no recursive wildcard: two levels deep). */
const SECRET_FIELDS = ['key', 'keys', 'key1', 'key2', 'apiKey', 'secret', 'clientSecret', 'password', 'token', 'accessToken', 'authorization', 'metricsToken'];
const SECRET_HEADERS = ['headers["x-api-key"]', 'headers["api-key"]', 'headers.authorization', 'headers.cookie'];

/** Paths pino censors (fast-redact syntax: `*` is one level of any key). Keep in step with the test in log.test.ts. */
export const REDACTED_PATHS: readonly string[] = ['', '*.', '*.*.'].flatMap((depth) => [...SECRET_FIELDS, ...SECRET_HEADERS].map((field) => depth + field));

/** The level from `CLAUDE_FOUNDRY_LOG_LEVEL` (default `info`); an unknown value is an error that lists the valid ones. */
export function logLevelFrom(env: NodeJS.ProcessEnv): LogLevel {
  const value = env['CLAUDE_FOUNDRY_LOG_LEVEL'];
  if (value === undefined || value === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
  if (!level) throw new Error(`CLAUDE_FOUNDRY_LOG_LEVEL='${value.slice(0, 20)}' is not a log level; use one of ${LOG_LEVELS.join(', ')}.`);
  return level;
}

/** A logger writing to `destination` (stderr when absent): what the gateway uses, and tests with a stream of their own. */
export function createLogger(options: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      // Errors under `err` keep their type, message and stack; nothing else of them is serialized.
      serializers: { err: pino.stdSerializers.err },
    },
    // Synchronous: the lines are few (start, warnings, failures) and must be out before the process exits.
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

let root: Logger | undefined;

/** The process's logger (stderr, level from CLAUDE_FOUNDRY_LOG_LEVEL), made on first use. */
export function logger(): Logger {
  return (root ??= createLogger({ level: logLevelFrom(process.env) }));
}

/** Replaces the process's logger (tests capture lines with a stream of their own); returns the one it replaced. */
export function setLogger(next: Logger): Logger {
  const previous = logger();
  root = next;
  return previous;
}

/** The logger for one request: each line carries its `request-id` and `apim-request-id`. */
export function requestLogger(ids: { requestId: string; apimRequestId: string }): Logger {
  return logger().child({ requestId: ids.requestId, apimRequestId: ids.apimRequestId });
}
