// Usage errors: a wrong command line, reported in one line with exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs, with its errors turned into UsageErrors that name the command. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}. Run 'npx claude-foundry ${command} --help'.`);
  }
}

/** A flag's value from a fixed set, matched without regard to case and returned as the set spells it. */
export function choice<T extends string>(command: string, flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw new UsageError(`${command}: --${flag} must be ${allowed.join(' or ')}, not '${value}'.`);
  return found;
}

/** A flag's value as a whole number of at least `min`. */
export function wholeNumber(command: string, flag: string, value: string, min = 1): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${command}: --${flag} must be a whole number of at least ${min}, not '${value}'.`);
  return n;
}
