// A secret read from config or the environment (an upstream key, a client secret): whoever holds the
// config can use it, but printing, logging or serializing the config shows `[redacted]`.
import { inspect } from 'node:util';
import type { SecretValue } from '../control/types.ts';

export class Secret implements SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
